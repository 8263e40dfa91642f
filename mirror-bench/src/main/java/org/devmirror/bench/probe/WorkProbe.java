package org.devmirror.bench.probe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.devmirror.bench.workload.DispatchWorkload;
import org.devmirror.bench.workload.FaultWorkload;
import org.devmirror.bench.workload.HostOpWorkload;
import org.devmirror.bench.workload.InvalidationFixture;
import org.devmirror.bench.workload.InvalidationWorkload;
import org.devmirror.bench.workload.WorkCounters;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.device.stats.AllocationMeter;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Errno;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.NotifierRules;

/**
 * The deterministic side of the benchmarks, for the performance gate and CI: runs each hot path
 * N times outside JMH, on the same workload classes the benchmarks time, and reports per
 * operation the bytes allocated by the running thread
 * ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}, read around the operations
 * only, re-arming excluded) and work counters: device PTEs written, zapped, downgraded and
 * re-read, TLB flushes, invalidations skipped, fault retries, pages faulted, tree nodes visited
 * ({@code MmuNotifierSubscriptions.visitedNodesLastInvalidation}). These do not depend on the
 * machine's speed, so any change is a change in behaviour.
 *
 * <p>Per-operation counters are totals divided by the operation count, rounded to the nearest
 * integer; allocation per operation is the least over five consecutive batches, rounded down (see
 * {@link AllocationMeter}: a one-off runtime allocation lands in one batch, a per-operation one in
 * all of them). The switch {@code -Ddevmirror.inject=extra-pte-write|alloc|slow-zap}
 * ({@link org.devmirror.bench.workload.InjectedWork}) adds real work the probe must see.
 *
 * <p>The paths: dispatch; every event under the event-aware and blind policies and under every
 * policy of the zoo ({@link PolicyResolver#shipped()}); the fan-out of one CLEAR to eight devices;
 * the fault commit; the cost accounting every invalidation and fault does
 * ({@link #costAccounting}). The notifier rule checker ({@link NotifierRules}) is on in the
 * build's tests and off elsewhere, so the baseline ({@code ./devmirror gate --update-baseline}, or
 * {@code WorkProbe --baseline}) is measured with it off, as benchmarks run, and
 * {@code HotPathAllocationTest} measures the same paths with it on and, in a JVM of its own, off.
 */
public final class WorkProbe {

    /** What one hot path costs per operation. */
    public record Measurement(long allocBytesPerOp, SortedMap<String, Long> countersPerOp) {
        public Measurement {
            countersPerOp = new TreeMap<>(countersPerOp);
        }

        /** The value {@code perf/baseline.json} records for this path. */
        public BaselineEntry toBaselineEntry() {
            return BaselineEntry.of((double) allocBytesPerOp, countersPerOp);
        }
    }

    /**
     * Operations of warm-up before each measured path. What the source allocates does not depend
     * on the JIT (escape analysis can only remove allocations, so interpreted code allocates at
     * least what compiled code does), but two things do show up early: one-off allocations
     * (class initialisation, lazily grown arrays, pools filling) and a few hundred bytes on the
     * measuring thread while the JIT is still compiling the path (seen on the fault path in a
     * fresh JVM, absent with {@code -Xint} and absent once compiled). A hundred operations of
     * warm-up cover both; each takes well under a millisecond, so the probe stays fast.
     */
    private static final int WARMUP_ROUNDS = 100;

    /** The PTEs of a populated 2 MiB range of 4 KiB pages. */
    private static final int PTES_PER_2M = 512;

    private WorkProbe() {}

    /**
     * Measures every hot path with {@code rounds} rounds each (a round is one operation; dispatch,
     * the 1-page fault and the cost accounting do 16 per round), by check name.
     */
    public static SortedMap<String, Measurement> run(int rounds) {
        return run(rounds, Pattern.compile(".*"));
    }

    /** {@link #run(int)} of the checks whose name {@code only} matches in full. */
    public static SortedMap<String, Measurement> run(int rounds, Pattern only) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds=" + rounds + " must be at least 1");
        }
        SortedMap<String, Measurement> out = new TreeMap<>();
        for (Map.Entry<String, Supplier<Measurement>> c : checks(rounds).entrySet()) {
            if (only.matcher(c.getKey()).matches()) {
                out.put(c.getKey(), c.getValue().get());
            }
        }
        return out;
    }

    /** Every check by name, not yet measured. */
    private static Map<String, Supplier<Measurement>> checks(int rounds) {
        Map<String, Supplier<Measurement>> out = new LinkedHashMap<>();
        for (boolean hit : new boolean[] {true, false}) {
            out.put(
                    "dispatch " + (hit ? "hitOne" : "hitNone") + " notifiers=1024",
                    () -> dispatch(1024, hit, rounds * 16));
        }
        for (String policy : PolicyResolver.shipped().keySet()) {
            if (policy.equals("aware-downgrade")) {
                continue; // the event-aware policy but for SOFT_DIRTY: HotPathAllocationTest measures it
            }
            for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
                out.put(
                        "invalidate event=" + e + " policy=" + policy + " size=2M",
                        () -> invalidate(e, policy, "2M", rounds));
            }
        }
        out.put(
                "invalidate event=CLEAR policy=aware size=4K",
                () -> invalidate(MmuNotifierEvent.CLEAR, "aware", "4K", rounds));
        out.put(
                "invalidate event=UNMAP policy=aware size=1G",
                () -> invalidate(MmuNotifierEvent.UNMAP, "aware", "1G", rounds));
        for (MmuNotifierEvent e : new MmuNotifierEvent[] {MmuNotifierEvent.CLEAR, MmuNotifierEvent.SOFT_DIRTY}) {
            out.put("access after event=" + e + " policy=aware size=2M", () -> access(e, "aware", "2M", rounds));
        }
        out.put("invalidate event=CLEAR policy=aware size=2M devices=8", () -> fanOut(8, rounds));
        out.put("fault pages=1", () -> fault(1, rounds * 16));
        out.put("fault pages=512", () -> fault(512, rounds));
        out.put("cost accounting", () -> costAccounting(rounds * 16));
        return out;
    }

    /** {@link #run} as a baseline for {@code perf/baseline.json}. */
    public static Baseline baseline(int rounds) {
        Baseline b = Baseline.empty();
        for (Map.Entry<String, Measurement> m : run(rounds).entrySet()) {
            b = b.with(m.getKey(), m.getValue().toBaselineEntry());
        }
        return b;
    }

    /** Dispatch through the notifier core with {@code notifiers} registered. */
    public static Measurement dispatch(int notifiers, boolean hit, int ops) {
        try (DispatchWorkload w = new DispatchWorkload(notifiers)) {
            for (int i = 0; i < WARMUP_ROUNDS * 16; i++) {
                w.invalidate(hit);
            }
            long callbacks0 = w.callbacks();
            long visited = 0;
            AllocationMeter allocated = new AllocationMeter(ops);
            for (int i = 0; i < ops; i++) {
                long a0 = AllocationMeter.allocatedBytes();
                w.invalidate(hit);
                allocated.add(i, AllocationMeter.allocatedBytes() - a0);
                visited += w.visitedNodesLastInvalidation();
            }
            Map<String, Long> c = new LinkedHashMap<>();
            c.put("treeNodesVisited", visited);
            c.put("callbacks", w.callbacks() - callbacks0);
            return perOp(allocated, c, ops);
        }
    }

    /**
     * Invalidations of populated, tracked ranges: {@code rounds} rounds, each invalidating the
     * {@link InvalidationWorkload#REGIONS} separately mirrored regions once; the restore after
     * each round (or, for RELEASE, the re-arm through new mirrors) is not measured.
     */
    public static Measurement invalidate(MmuNotifierEvent event, String policy, String size, int rounds) {
        boolean release = event == MmuNotifierEvent.RELEASE;
        int regions = InvalidationWorkload.REGIONS;
        try (InvalidationWorkload w = new InvalidationWorkload(event, policy, size, true, true, true, regions)) {
            for (int i = 0; i < WARMUP_ROUNDS; i++) {
                int k = i % regions;
                w.invalidate(k);
                rearm(w, release, k);
            }
            WorkCounters counters = new WorkCounters();
            AllocationMeter allocated = new AllocationMeter(rounds);
            long visited = 0;
            for (int r = 0; r < rounds; r++) {
                w.resetCounters();
                for (int k = 0; k < regions; k++) {
                    long a0 = AllocationMeter.allocatedBytes();
                    w.invalidate(k);
                    allocated.add(r, AllocationMeter.allocatedBytes() - a0);
                    visited += w.subscriptions().visitedNodesLastInvalidation();
                }
                w.readCounters(counters);
                for (int k = 0; k < regions; k++) {
                    rearm(w, release, k);
                }
            }
            Map<String, Long> c = new LinkedHashMap<>(counters.snapshot());
            c.put("treeNodesVisited", visited);
            return perOp(allocated, c, (long) rounds * regions);
        }
    }

    /**
     * One event-aware CLEAR of a populated 2 MiB range that {@code devices} devices mirror
     * ({@code FanOutBench}'s operation without its restore): the restore after each is not
     * measured. The counters are every device's, so 8 devices zap 8 x 512 PTEs per operation.
     */
    public static Measurement fanOut(int devices, int rounds) {
        try (InvalidationWorkload w = new InvalidationWorkload(
                new InvalidationFixture(MmuNotifierEvent.CLEAR, "aware", "2M", true, true, true, 1, devices, true))) {
            for (int i = 0; i < WARMUP_ROUNDS; i++) {
                w.invalidateAndRestore(0);
            }
            w.resetCounters();
            AllocationMeter allocated = new AllocationMeter(rounds);
            long visited = 0;
            for (int r = 0; r < rounds; r++) {
                long a0 = AllocationMeter.allocatedBytes();
                w.invalidate(0);
                allocated.add(r, AllocationMeter.allocatedBytes() - a0);
                visited += w.subscriptions().visitedNodesLastInvalidation();
                w.restore(0);
            }
            WorkCounters counters = new WorkCounters();
            w.readCounters(counters);
            Map<String, Long> c = new LinkedHashMap<>(counters.snapshot());
            c.put("treeNodesVisited", visited);
            return perOp(allocated, c, rounds);
        }
    }

    /**
     * The cost accounting of the hot paths on its own: what a driver records in its
     * {@link DeviceStats} (the counts the cost model prices as device time) for one invalidation
     * of every event (the invalidation, 512 PTEs zapped, re-read and downgraded, one skip, one TLB
     * flush) and one fault of 512 pages, per operation. The invalidation and fault checks include
     * it; this one shows that the accounting itself allocates nothing (no boxing, no lazily grown
     * table) and counts what it is told.
     */
    public static Measurement costAccounting(int ops) {
        DeviceStats stats = new DeviceStats();
        MmuNotifierEvent[] events = MmuNotifierEvent.values();
        for (int i = 0; i < WARMUP_ROUNDS * 16; i++) {
            account(stats, events);
        }
        stats.reset();
        AllocationMeter allocated = new AllocationMeter(ops);
        for (int i = 0; i < ops; i++) {
            long a0 = AllocationMeter.allocatedBytes();
            account(stats, events);
            allocated.add(i, AllocationMeter.allocatedBytes() - a0);
        }
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("deviceInvalidations", stats.totalInvalidations());
        c.put("ptesZapped", stats.totalZapped());
        c.put("ptesReread", stats.totalReread());
        c.put("ptesDowngraded", stats.totalDowngraded());
        c.put("invalidationsSkipped", stats.totalSkipped());
        c.put("tlbFlushes", stats.totalTlbFlushes());
        c.put("pagesFaulted", stats.pagesFaulted());
        return perOp(allocated, c, ops);
    }

    // DeviceStats counts by the event's ordinal, as MirrorState passes it on the hot path.
    @SuppressWarnings("EnumOrdinal")
    private static void account(DeviceStats stats, MmuNotifierEvent[] events) {
        for (MmuNotifierEvent e : events) {
            int event = e.ordinal();
            stats.addInvalidation(event);
            stats.addZapped(event, PTES_PER_2M);
            stats.addReread(event, PTES_PER_2M);
            stats.addDowngraded(event, PTES_PER_2M);
            stats.addSkipped(event);
            stats.addTlbFlush(event);
        }
        stats.addFault(0, PTES_PER_2M);
    }

    /**
     * The device work of one operation of {@code EndToEndBench}: an invalidation of a populated,
     * tracked range of {@code size} by {@code event} under {@code policy}, then the device's read
     * of every page of it ({@link InvalidationWorkload#access}). Exact: the mirror's counters read
     * around the second such operation (the first settles anything done once, such as the split
     * of a tracked chunk), outside any timing. The cost model prices it as modelled device time.
     */
    public static DeviceStats endToEnd(MmuNotifierEvent event, String policy, String size) {
        try (InvalidationWorkload w = new InvalidationWorkload(event, policy, size, true, true, true, 1)) {
            w.invalidate(0);
            w.access(0);
            DeviceStats before = w.stats(0);
            w.invalidate(0);
            w.access(0);
            return w.stats(0).minus(before);
        }
    }

    /**
     * The device's read-back access that {@code EndToEndBench} times after each invalidation
     * ({@link InvalidationWorkload#access}): {@code rounds} accesses, each after an unmeasured
     * invalidation of the populated, tracked range of {@code size} by {@code event} under
     * {@code policy}; the bytes the access alone allocates, and its fault rounds and pages faulted.
     */
    public static Measurement access(MmuNotifierEvent event, String policy, String size, int rounds) {
        try (InvalidationWorkload w = new InvalidationWorkload(event, policy, size, true, true, true, 1)) {
            for (int i = 0; i < WARMUP_ROUNDS; i++) {
                w.invalidate(0);
                w.access(0);
            }
            w.resetCounters();
            AllocationMeter allocated = new AllocationMeter(rounds);
            long faultRounds = 0;
            for (int r = 0; r < rounds; r++) {
                w.invalidate(0);
                long a0 = AllocationMeter.allocatedBytes();
                faultRounds += w.access(0);
                allocated.add(r, AllocationMeter.allocatedBytes() - a0);
            }
            DeviceStats s = w.stats(0);
            Map<String, Long> c = new LinkedHashMap<>();
            c.put("faultRounds", faultRounds);
            c.put("pagesFaulted", s.pagesFaulted());
            c.put("faultRetries", s.faultRetries());
            return perOp(allocated, c, rounds);
        }
    }

    /**
     * Bytes the benchmarks' restore allocates per operation: after each (unmeasured) invalidation
     * of a populated, tracked range, {@link InvalidationWorkload#restore} alone is measured. Not
     * for RELEASE, which cannot be restored in place.
     */
    public static long restoreAllocBytesPerOp(MmuNotifierEvent event, String policy, String size, int rounds) {
        try (InvalidationWorkload w = new InvalidationWorkload(event, policy, size, true, true, true, 1)) {
            for (int i = 0; i < WARMUP_ROUNDS; i++) {
                w.invalidateAndRestore(0);
            }
            AllocationMeter allocated = new AllocationMeter(rounds);
            for (int r = 0; r < rounds; r++) {
                w.invalidate(0);
                long a0 = AllocationMeter.allocatedBytes();
                w.restore(0);
                allocated.add(r, AllocationMeter.allocatedBytes() - a0);
            }
            return allocated.bytesPerOp();
        }
    }

    /**
     * Bytes one operation of {@code NoSubscriberBench} allocates ({@link HostOpWorkload}:
     * {@code munmap}, {@code mprotect} or {@code cpuWriteFault}, each with its restore), with
     * notifications on and nobody subscribed, or off. The host's own bookkeeping (VMA objects, VMA
     * lists, page walkers) allocates alike on both sides; what on adds is the notifier path's.
     */
    @SuppressWarnings(
            "ReturnValueIgnored") // the operation runs for what it allocates; the count it returns is not needed here
    public static long hostOpAllocBytesPerOp(String op, boolean notifiersEnabled, int ops) {
        try (HostOpWorkload w = new HostOpWorkload(notifiersEnabled)) {
            LongSupplier operation = switch (op) {
                case "munmap" -> w::munmapAndRemap;
                case "mprotect" -> w::mprotectToggle;
                case "cpuWriteFault" -> w::cpuWriteFault;
                default -> throw new IllegalArgumentException("op=" + op + " is not munmap, mprotect or cpuWriteFault");
            };
            for (int i = 0; i < WARMUP_ROUNDS; i++) {
                operation.getAsLong();
            }
            AllocationMeter allocated = new AllocationMeter(ops);
            for (int i = 0; i < ops; i++) {
                long a0 = AllocationMeter.allocatedBytes();
                operation.getAsLong();
                allocated.add(i, AllocationMeter.allocatedBytes() - a0);
            }
            return allocated.bytesPerOp();
        }
    }

    private static void rearm(InvalidationWorkload w, boolean release, int k) {
        if (release) {
            w.arm();
        } else {
            w.restore(k);
        }
    }

    /** Device faults over populated pages. */
    public static Measurement fault(int pages, int ops) {
        try (FaultWorkload w = new FaultWorkload(pages)) {
            for (int i = 0; i < WARMUP_ROUNDS; i++) {
                w.fault();
            }
            w.resetCounters();
            AllocationMeter allocated = new AllocationMeter(ops);
            for (int i = 0; i < ops; i++) {
                long a0 = AllocationMeter.allocatedBytes();
                Errno r = w.fault();
                allocated.add(i, AllocationMeter.allocatedBytes() - a0);
                if (r != Errno.OK) {
                    throw new IllegalStateException("device fault returned " + r);
                }
            }
            WorkCounters counters = new WorkCounters();
            w.readCounters(counters);
            return perOp(allocated, counters.snapshot(), ops);
        }
    }

    private static Measurement perOp(AllocationMeter allocated, Map<String, Long> totals, long ops) {
        TreeMap<String, Long> perOp = new TreeMap<>();
        for (Map.Entry<String, Long> e : totals.entrySet()) {
            perOp.put(e.getKey(), Math.round((double) e.getValue() / ops));
        }
        return new Measurement(allocated.bytesPerOp(), perOp);
    }

    /**
     * Prints the measurements (or, with {@code --baseline}, the baseline JSON) for N rounds
     * (default 50); {@code --only REGEX} measures only the checks whose name it matches. The text
     * form starts with a line saying whether the notifier rule checker is on.
     */
    public static void main(String[] args) {
        int rounds = 50;
        boolean json = false;
        Pattern only = Pattern.compile(".*");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--baseline")) {
                json = true;
            } else if (args[i].equals("--only") && i + 1 < args.length) {
                only = Pattern.compile(args[++i]);
            } else {
                rounds = Integer.parseInt(args[i]);
            }
        }
        if (json) {
            System.out.print(baseline(rounds).toJson());
            return;
        }
        System.out.println("notifier rules: " + (NotifierRules.ENABLED ? "on" : "off"));
        for (Map.Entry<String, Measurement> m : run(rounds, only).entrySet()) {
            System.out.printf(
                    "%-52s %6d B/op  %s%n",
                    m.getKey(), m.getValue().allocBytesPerOp(), m.getValue().countersPerOp());
        }
    }
}

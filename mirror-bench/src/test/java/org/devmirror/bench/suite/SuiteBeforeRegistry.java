package org.devmirror.bench.suite;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.devmirror.bench.report.ReferenceMapping;
import org.devmirror.bench.report.Target;
import org.devmirror.bench.suite.BenchSelection.Timing;
import org.devmirror.gate.ab.GateReferences;

/**
 * The suite as it was written by hand before {@link BenchRegistry}: the full profile, the report's
 * references and targets and the gate's references, copied verbatim from the classes that held
 * them (commit 3a2ccb1), so that {@link BenchRegistryTest} can show the registry derives the same
 * or changed only what it means to. (The quick profile was chosen anew so that it decides every
 * target; {@link BenchRegistryTest} checks it against the targets instead.) Only that test reads
 * it; nothing of the suite does.
 */
final class SuiteBeforeRegistry {
    private SuiteBeforeRegistry() {}

    static final class Groups {
        static final List<String> AVERAGE_TIME = List.of(
                "FloorBench",
                "LookupReferenceBench",
                "DispatchBench",
                "InvalidateBench",
                "UntrackedInvalidateBench",
                "RearmBench",
                "OnHeapMirrorBench",
                "ProtectionPageRereadBench",
                "DeviceFaultBench",
                "ContentionBench");
        /**
         * Average-time too, but slow to compile: an munmap with its mmap and 16 faults took 0.9 ms
         * per operation for the first 5,000 calls and 20 us after 60,000 (load average 10), so a
         * warm-up of about a second measures the interpreter. They get five seconds.
         */
        static final List<String> HOST_OPS = List.of("NoSubscriberBench");

        static final List<String> BATCHED = List.of("ReleaseInvalidateBench");
        static final List<String> REPLAY = List.of("ReplayBench");
        /**
         * Single-shot calls of milliseconds (hmm-tests.c benchmark_thp_migration: migrations of
         * up to 64 MiB each way): the kernel test's warm-up and five timed calls.
         */
        static final List<String> MIGRATION = List.of("ThpMigrationBench");

        private Groups() {}
    }

    static List<BenchSelection> fullSelections() {
        return List.of(
                new BenchSelection(Groups.AVERAGE_TIME, Map.of(), new Timing(5, 200, 5, 200)),
                new BenchSelection(Groups.HOST_OPS, Map.of(), new Timing(10, 500, 5, 300)),
                new BenchSelection(Groups.BATCHED, Map.of(), Timing.singleShot(100, 100)),
                new BenchSelection(Groups.REPLAY, Map.of(), Timing.singleShot(2, 5)),
                new BenchSelection(Groups.MIGRATION, Map.of(), Timing.singleShot(3, 5)));
    }

    @SuppressWarnings("InlineFormatString") // the old code's label formats, kept as it wrote them
    private static final String INVALIDATE = "InvalidateBench.%s event=%s policy=%s populated=true size=%s";

    @SuppressWarnings("InlineFormatString") // as INVALIDATE
    private static final String RELEASE = "ReleaseInvalidateBench.invalidate policy=%s populated=true size=%s";

    private static final String ON_HEAP = "OnHeapMirrorBench.net event=%s size=%s";
    /** Below this {@code gc.alloc.rate.norm} rounds to 0 B/op: no operation allocates an object (16 bytes at least). */
    static final double ZERO_BYTES = 0.5;

    private static final String FILL_4K = "FloorBench.fill bytes=4096";
    /** Every benchmark that invalidates (or rewrites) a range of one of the four sizes. */
    private static final String INVALIDATIONS = "((Release|Untracked)?InvalidateBench\\.invalidate"
            + "|(InvalidateBench|OnHeapMirrorBench)\\.net|OnHeapMirrorBench\\.invalidate|RearmBench\\.rewrite)";

    static String invalidateLabel(String event, String policy, String size) {
        if (event.equals("RELEASE")) {
            return String.format(RELEASE, policy, size);
        }
        return String.format(
                INVALIDATE,
                NetResults.restoreRewrites(event, policy, true) ? "net" : "invalidate",
                event,
                policy,
                size);
    }

    static ReferenceMapping references() {
        ReferenceMapping m = ReferenceMapping.none()
                .withPattern(INVALIDATIONS + " .*size=4K( .*)?", "FloorBench.fill bytes=8")
                .withPattern(INVALIDATIONS + " .*size=64K( .*)?", "FloorBench.fill bytes=128")
                .withPattern(INVALIDATIONS + " .*size=(2M|1G)( .*)?", FILL_4K)
                .withPattern("ProtectionPageRereadBench\\.reread", "FloorBench.fill bytes=8")
                .withPattern("DeviceFaultBench\\.fault pages=1", "FloorBench.fill bytes=8")
                .withPattern("DeviceFaultBench\\.fault pages=512", FILL_4K)
                .withPattern("FloorBench\\.fill bytes=(\\d+)", "FloorBench.baseline bytes=8");
        for (String n : List.of("1", "1024", "65536", "1048576")) {
            m = m.with("DispatchBench.hitOne notifiers=" + n, "LookupReferenceBench.treeMapFloorHit ranges=" + n)
                    .with("DispatchBench.hitNone notifiers=" + n, "LookupReferenceBench.treeMapFloorMiss ranges=" + n);
        }
        for (String op : List.of("munmap", "mprotect", "cpuWriteFault")) {
            m = m.with("NoSubscriberBench." + op + " mmuNotifier=on", "NoSubscriberBench." + op + " mmuNotifier=off");
        }
        return m;
    }

    static List<Target> targets() {
        return List.of(
                // The safe SOFT_DIRTY must take the lock, set the sequence and, at the end, read the
                // device's 512 PTEs and the CPU's 512 to mark what the device can write: the read
                // half of the PROTECTION_PAGE re-read, which also downgrades, decides per entry
                // and writes back. So it costs at most what PROTECTION_PAGE costs on the same range
                // (docs/perf.md states the floor: the untracked invalidation plus two table reads).
                Target.atMostTimes(
                        "SOFT_DIRTY on a tracked, populated 2 MiB range vs PROTECTION_PAGE on it",
                        invalidateLabel("SOFT_DIRTY", "aware", "2M"),
                        invalidateLabel("PROTECTION_PAGE", "aware", "2M"),
                        1.0),
                Target.atMostTimes(
                        "UNMAP of a populated 2 MiB range vs fill of 4 KiB",
                        invalidateLabel("UNMAP", "aware", "2M"),
                        FILL_4K,
                        1.5),
                Target.atMostTimes(
                        "CLEAR of a populated 2 MiB range vs fill of 4 KiB",
                        invalidateLabel("CLEAR", "aware", "2M"),
                        FILL_4K,
                        1.5),
                Target.fasterBy(
                        "UNMAP of a populated 2 MiB range vs the on-heap mirror",
                        invalidateLabel("UNMAP", "aware", "2M"),
                        String.format(ON_HEAP, "UNMAP", "2M"),
                        20),
                Target.fasterBy(
                        "CLEAR of a populated 2 MiB range vs the on-heap mirror",
                        invalidateLabel("CLEAR", "aware", "2M"),
                        String.format(ON_HEAP, "CLEAR", "2M"),
                        20),
                Target.fasterBy(
                        "CLEAR of one populated 4 KiB page vs the on-heap mirror",
                        invalidateLabel("CLEAR", "aware", "4K"),
                        String.format(ON_HEAP, "CLEAR", "4K"),
                        5),
                Target.atMostTimesScaled(
                        "PROTECTION_PAGE re-read of 512 PTEs vs fill of 4 KiB",
                        "ProtectionPageRereadBench.reread",
                        512,
                        FILL_4K,
                        3),
                Target.atMostTimes(
                        "Dispatch hitting nothing, 1 Mi vs 1 Ki notifiers",
                        "DispatchBench.hitNone notifiers=1048576",
                        "DispatchBench.hitNone notifiers=1024",
                        3),
                Target.atMostTimes(
                        "munmap, notifications on and nothing subscribed vs off",
                        "NoSubscriberBench.munmap mmuNotifier=on",
                        "NoSubscriberBench.munmap mmuNotifier=off",
                        1.05),
                Target.atMostTimes(
                        "mprotect, notifications on and nothing subscribed vs off",
                        "NoSubscriberBench.mprotect mmuNotifier=on",
                        "NoSubscriberBench.mprotect mmuNotifier=off",
                        1.05),
                Target.atMostTimes(
                        "CPU write fault, notifications on and nothing subscribed vs off",
                        "NoSubscriberBench.cpuWriteFault mmuNotifier=on",
                        "NoSubscriberBench.cpuWriteFault mmuNotifier=off",
                        1.05),
                Target.allocationAtMost("Invalidation dispatch allocates nothing", "DispatchBench\\..*", ZERO_BYTES),
                // Not 1 GiB: an operation there takes 70-250 us, so JMH's own ~6 KB per iteration
                // divides into several B/op; HotPathAllocationTest gives the exact 1 GiB figure.
                Target.allocationAtMost(
                        "Every event's device work allocates nothing (4 KiB to 2 MiB, with the restore)",
                        "InvalidateBench\\.invalidate .*size=(4K|64K|2M)|ProtectionPageRereadBench\\.reread",
                        ZERO_BYTES),
                Target.allocationAtMost(
                        "Fault commit over populated pages allocates nothing", "DeviceFaultBench\\..*", ZERO_BYTES));
    }

    private static final int[] TRACKED = {1, 1024, 65536, 1048576};
    private static final String FILL_FLOOR = "FloorBench.fill bytes=4096";

    static GateReferences gateSuite() {
        ReferenceMapping m = ReferenceMapping.none();
        for (int n : TRACKED) {
            m = m.with("DispatchBench.hitOne notifiers=" + n, "LookupReferenceBench.treeMapFloorHit ranges=" + n)
                    .with("DispatchBench.hitNone notifiers=" + n, "LookupReferenceBench.treeMapFloorMiss ranges=" + n);
        }
        m = m.withPattern("(?!FloorBench\\.|LookupReferenceBench\\.).*", FILL_FLOOR);
        return new GateReferences(
                m,
                Pattern.compile("(FloorBench|LookupReferenceBench)\\..*"),
                List.of(
                        new GateReferences.Addition(Optional.empty(), "^org\\.devmirror\\.bench\\.FloorBench\\.fill$"),
                        new GateReferences.Addition(
                                Optional.of("org.devmirror.bench.DispatchBench.hitOne"),
                                "^org\\.devmirror\\.bench\\.LookupReferenceBench\\.treeMapFloorHit$"),
                        new GateReferences.Addition(
                                Optional.of("org.devmirror.bench.DispatchBench.hitNone"),
                                "^org\\.devmirror\\.bench\\.LookupReferenceBench\\.treeMapFloorMiss$")));
    }
}

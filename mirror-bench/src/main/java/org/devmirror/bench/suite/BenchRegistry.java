package org.devmirror.bench.suite;

import java.util.List;
import java.util.Map;
import org.devmirror.bench.ContentionBench;
import org.devmirror.bench.DeviceFaultBench;
import org.devmirror.bench.DispatchBench;
import org.devmirror.bench.EndToEndBench;
import org.devmirror.bench.FanOutBench;
import org.devmirror.bench.FloorBench;
import org.devmirror.bench.HandOffBench;
import org.devmirror.bench.InvalidateBench;
import org.devmirror.bench.KernelRangesBench;
import org.devmirror.bench.LookupReferenceBench;
import org.devmirror.bench.NoSubscriberBench;
import org.devmirror.bench.OnHeapMirrorBench;
import org.devmirror.bench.ProtectionPageRereadBench;
import org.devmirror.bench.RearmBench;
import org.devmirror.bench.ReleaseInvalidateBench;
import org.devmirror.bench.ReplayBench;
import org.devmirror.bench.SoftDirtyCycleBench;
import org.devmirror.bench.SoftDirtyHeldBench;
import org.devmirror.bench.ThpMigrationBench;
import org.devmirror.bench.ThreadScalingBench;
import org.devmirror.bench.UntrackedInvalidateBench;
import org.devmirror.bench.report.Target;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * The suite's one list of benchmarks: one {@link BenchEntry} per JMH class of
 * {@link BenchSuite#PACKAGE}, in run order. Everything else that names a benchmark is derived
 * from it: the profiles ({@link BenchProfile}), the report's references and targets
 * ({@link BenchSuite}), the net figures ({@link NetResults}), the plots ({@link SuitePlots}) and
 * the timing gate's references ({@code GateReferences.suite()}). {@code BenchRegistryTest} fails
 * when a benchmark class has no entry or an entry no class.
 *
 * <p>The quick profile runs only what a target or a plot reads, and every target's labels are
 * among its runs ({@code BenchRegistryTest}), so a quick run gives every target a verdict. The
 * targets are those of the performance work on the memory floor (docs/perf.md, "Where the targets
 * stand"), each argued there from the work the operation must do.
 *
 * <p>Adding a benchmark: write the class in {@code org.devmirror.bench}, then add its entry here
 * (docs/guide/README.md, "Adding a benchmark").
 */
public final class BenchRegistry {
    /**
     * Below this {@code gc.alloc.rate.norm} counts as 0 B/op. {@code -prof gc} divides JMH's own
     * bookkeeping of an iteration (about 6 KB) by the iteration's operations: the quick profile's
     * 100 ms iterations of a 30 us operation (eight devices' CLEAR on a loaded machine) hold about
     * 3,300 of them, so 1.8 B/op that no operation allocated. An operation that allocated an object
     * (16 bytes at least) on every eighth call or more often shows 2 B/op or more; the exact figure,
     * 0 B/op, is {@code WorkProbe}'s, which {@code HotPathAllocationTest} asserts.
     */
    static final double ZERO_BYTES = 2;

    /** The memory floor the targets measure against: {@code MemorySegment.fill} of 4 KiB (512 PTEs). */
    public static final String FILL_4K = BenchEntry.label(FloorBench.class, "fill", "bytes", "4096");

    /**
     * What the timing gate normalises every benchmark by that names no like-for-like reference of
     * its own ({@link ReferenceRule#gate()}): the fill of 4 KiB, because what the invalidation and
     * fault paths do is store device PTEs. Its subject expressions stand for "every other
     * benchmark" and are not matched.
     */
    public static final ReferenceRule GATE_FLOOR = ReferenceRule.to(".+", ".*", FloorBench.class, "fill", "bytes=4096");

    private static final Map<String, List<String>> ALL_ANNOTATED = Map.of();
    private static final List<String> TWO_MIB = List.of("2M");
    private static final List<String> YES = List.of("true");
    private static final List<String> FOUR_KIB_AND_TWO_MIB = List.of("4K", "2M");
    private static final List<String> AWARE = List.of("aware");
    /** Populated pages of the sparse 1 GiB range: one per 2 MiB. */
    private static final double SPARSE_1G_PAGES = 512;

    private static final List<BenchEntry> ENTRIES = List.of(
            BenchEntry.of(FloorBench.class, TimingKind.AVERAGE_TIME)
                    .asReference()
                    .withQuick("fill", Map.of("bytes", List.of("8", "4096")))
                    .withQuick("baseline", Map.of("bytes", List.of("8")))
                    .withReferences(ReferenceRule.to("fill", "bytes=(\\d+)", FloorBench.class, "baseline", "bytes=8"))
                    .withPlots(SuitePlot.LATENCY_VS_SIZE),
            BenchEntry.of(LookupReferenceBench.class, TimingKind.AVERAGE_TIME)
                    .asReference()
                    .withQuick("treeMap", Map.of("ranges", List.of("1024")))
                    .withPlots(SuitePlot.DISPATCH_VS_NOTIFIERS),
            BenchEntry.of(DispatchBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(Map.of("notifiers", List.of("1024", "1048576")))
                    // A tree search against a tree search over as many entries, a hit against a
                    // hit and a miss against a miss; the gate divides by the same lookup.
                    .withReferences(
                            ReferenceRule.to(
                                            "hitOne",
                                            "notifiers=(\\d+)",
                                            LookupReferenceBench.class,
                                            "treeMapFloorHit",
                                            "ranges=$1")
                                    .alsoInGate(),
                            ReferenceRule.to(
                                            "hitNone",
                                            "notifiers=(\\d+)",
                                            LookupReferenceBench.class,
                                            "treeMapFloorMiss",
                                            "ranges=$1")
                                    .alsoInGate())
                    .withTargets(
                            Target.atMostTimes(
                                    "Dispatch hitting nothing, 1 Mi vs 1 Ki notifiers",
                                    BenchEntry.label(DispatchBench.class, "hitNone", "notifiers", "1048576"),
                                    BenchEntry.label(DispatchBench.class, "hitNone", "notifiers", "1024"),
                                    1.2),
                            Target.allocationAtMost(
                                    "Invalidation dispatch allocates nothing",
                                    classRegex(DispatchBench.class) + ".*",
                                    ZERO_BYTES))
                    .withPlots(SuitePlot.DISPATCH_VS_NOTIFIERS),
            BenchEntry.of(InvalidateBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(Map.of("size", TWO_MIB, "populated", YES))
                    .withQuick(Map.of(
                            "event",
                            List.of(MmuNotifierEvent.CLEAR.name()),
                            "policy",
                            List.of("aware"),
                            "size",
                            List.of("4K"),
                            "populated",
                            YES))
                    .withQuick(Map.of(
                            "event",
                            List.of(MmuNotifierEvent.UNMAP.name()),
                            "policy",
                            AWARE,
                            "size",
                            List.of("1G"),
                            "populated",
                            YES))
                    .withReferences(fillBySize("invalidate|net"))
                    .withTargets(invalidationTargets())
                    .withPlots(SuitePlot.LATENCY_PER_EVENT, SuitePlot.LATENCY_VS_SIZE)
                    .withNet("invalidate", "offHeap"),
            // every event but RELEASE under both policies: invalidation plus the device's next access
            BenchEntry.of(EndToEndBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(Map.of("size", TWO_MIB))
                    .withPlots(SuitePlot.DEVICE_WORK_SAVED, SuitePlot.DEVICE_TIME_SAVED),
            BenchEntry.of(UntrackedInvalidateBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(Map.of("size", TWO_MIB))
                    .withReferences(fillBySize("invalidate")),
            BenchEntry.of(RearmBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(Map.of("size", FOUR_KIB_AND_TWO_MIB))
                    // the restore's share of the sparse 1 GiB UNMAP, for its net figure
                    .withQuick(Map.of("size", List.of("1G"), "table", List.of("offHeap")))
                    .withReferences(fillBySize("rewrite")),
            BenchEntry.of(OnHeapMirrorBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(Map.of("size", FOUR_KIB_AND_TWO_MIB))
                    .withReferences(fillBySize("invalidate|net"))
                    .withNet("invalidate", "onHeap"),
            BenchEntry.of(ProtectionPageRereadBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(ALL_ANNOTATED)
                    .withReferences(ReferenceRule.to("reread", "", FloorBench.class, "fill", "bytes=8"))
                    .withTargets(Target.atMostTimesScaled(
                            "PROTECTION_PAGE re-read of 512 PTEs vs fill of 4 KiB",
                            BenchEntry.label(ProtectionPageRereadBench.class, "reread"),
                            ProtectionPageRereadBench.PTES,
                            FILL_4K,
                            5)),
            BenchEntry.of(DeviceFaultBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(ALL_ANNOTATED)
                    .withReferences(
                            ReferenceRule.to("fault", "pages=1", FloorBench.class, "fill", "bytes=8"),
                            ReferenceRule.to("fault", "pages=512", FloorBench.class, "fill", "bytes=4096"))
                    .withTargets(
                            Target.atMostTimes(
                                    "Device fault of 512 populated pages vs fill of 4 KiB",
                                    BenchEntry.label(DeviceFaultBench.class, "fault", "pages", "512"),
                                    FILL_4K,
                                    8),
                            // Absolute, so not cancelled by the machine: see docs/perf.md.
                            Target.atMostNanos(
                                    "Device fault of 1 populated page, in ns",
                                    BenchEntry.label(DeviceFaultBench.class, "fault", "pages", "1"),
                                    1,
                                    120),
                            Target.allocationAtMost(
                                    "Fault commit over populated pages allocates nothing",
                                    classRegex(DeviceFaultBench.class) + ".*",
                                    ZERO_BYTES)),
            // No target or plot reads it: full profile only.
            BenchEntry.of(ContentionBench.class, TimingKind.AVERAGE_TIME),
            BenchEntry.of(SoftDirtyHeldBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(ALL_ANNOTATED)
                    .withReferences(ReferenceRule.to(
                            "invalidate", ".*", UntrackedInvalidateBench.class, "invalidate", "size=2M"))
                    .withTargets(softDirtyTargets()),
            BenchEntry.of(FanOutBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(ALL_ANNOTATED)
                    // eight devices against one, in the same run
                    .withReferences(ReferenceRule.to("clear", "devices=8", FanOutBench.class, "clear", "devices=1"))
                    .withTargets(
                            Target.atMostTimes(
                                    "CLEAR of a populated 2 MiB range mirrored by 8 devices vs by 1",
                                    BenchEntry.label(FanOutBench.class, "clear", "devices", "8"),
                                    BenchEntry.label(FanOutBench.class, "clear", "devices", "1"),
                                    8.5),
                            Target.allocationAtMost(
                                    "CLEAR fanned out to 8 devices allocates nothing (with the restore)",
                                    classRegex(FanOutBench.class) + ".*",
                                    ZERO_BYTES)),
            BenchEntry.of(SoftDirtyCycleBench.class, TimingKind.AVERAGE_TIME),
            // Its thread counts are a parameter of its own, so it runs apart.
            BenchEntry.of(ThreadScalingBench.class, TimingKind.CONTENDED)
                    .withQuick(Map.of(ThreadScalingBench.THREADS, ThreadScalingBench.threadCounts()))
                    .withFull(Map.of(ThreadScalingBench.THREADS, ThreadScalingBench.threadCounts()))
                    // the scaling curve: N threads against one (the ratio is 1 / speed-up)
                    .withReferences(
                            ReferenceRule.to("clear", "threads=(\\d+)", ThreadScalingBench.class, "clear", "threads=1"),
                            ReferenceRule.to(
                                    "hitNone", "threads=(\\d+)", ThreadScalingBench.class, "hitNone", "threads=1"))
                    .withTargets(
                            Target.fasterBy(
                                    "Throughput of CLEARs of disjoint 2 MiB ranges, 2 threads vs 1",
                                    BenchEntry.label(ThreadScalingBench.class, "clear", "threads", "2"),
                                    BenchEntry.label(ThreadScalingBench.class, "clear", "threads", "1"),
                                    1.6),
                            Target.allocationAtMost(
                                    "CLEARs from several threads allocate nothing (with the restore)",
                                    classRegex(ThreadScalingBench.class) + ".*",
                                    ZERO_BYTES))
                    .withPlots(SuitePlot.THREAD_SCALING),
            // the cost of one line passed between two cores, the thread scaling's floor (full profile)
            BenchEntry.of(HandOffBench.class, TimingKind.CONTENDED),
            BenchEntry.of(ReleaseInvalidateBench.class, TimingKind.BATCHED)
                    .withQuick(Map.of("size", TWO_MIB, "populated", YES))
                    .withReferences(fillBySize("invalidate"))
                    .withPlots(SuitePlot.LATENCY_PER_EVENT),
            BenchEntry.of(NoSubscriberBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick(ALL_ANNOTATED)
                    // A host operation with notifications on against the same with them off.
                    .withReferences(ReferenceRule.to(
                            "(\\w+)", "mmuNotifier=on", NoSubscriberBench.class, "$1", "mmuNotifier=off"))
                    .withTargets(
                            noSubscriberTarget("munmap", "munmap"),
                            noSubscriberTarget("mprotect", "mprotect"),
                            noSubscriberTarget("CPU write fault", "cpuWriteFault")),
            BenchEntry.of(KernelRangesBench.class, TimingKind.AVERAGE_TIME)
                    .withQuick("munmapSparse", ALL_ANNOTATED)
                    // the kernel's coarse ranges as a multiple of the narrowed ones
                    .withReferences(ReferenceRule.to(
                            "(\\w+)", "ranges=kernel", KernelRangesBench.class, "$1", "ranges=narrowed"))
                    .withTargets(Target.atMostTimes(
                            "UNMAP of a 1 GiB VMA with one populated 2 MiB block, kernel vs narrowed ranges",
                            BenchEntry.label(KernelRangesBench.class, "munmapSparse", "ranges", "kernel"),
                            BenchEntry.label(KernelRangesBench.class, "munmapSparse", "ranges", "narrowed"),
                            1.2)),
            // The replay table is reported, but no target or plot reads it: full profile only.
            BenchEntry.of(ReplayBench.class, TimingKind.REPLAY),
            BenchEntry.of(ThpMigrationBench.class, TimingKind.MIGRATION));

    private BenchRegistry() {}

    /** Every benchmark of the suite, in run order. */
    public static List<BenchEntry> entries() {
        return ENTRIES;
    }

    /** The entry of {@code type}. */
    public static BenchEntry entry(Class<?> type) {
        for (BenchEntry e : ENTRIES) {
            if (e.type() == type) {
                return e;
            }
        }
        throw new IllegalArgumentException(type.getName() + " has no entry in the benchmark registry");
    }

    /**
     * The label of the invalidation of a populated range of {@code size} by {@code event} under
     * {@code policy}, as targets read it: RELEASE's single-shot benchmark; the net figure
     * ({@link NetResults}) where the benchmark's restore rewrites PTEs; else the benchmark itself.
     */
    public static String invalidateLabel(MmuNotifierEvent event, String policy, String size) {
        boolean net = event != MmuNotifierEvent.RELEASE && NetResults.restoreRewrites(event.name(), policy, true);
        return invalidation(event, policy, size, net ? "net" : "invalidate");
    }

    /**
     * The label of the measured operation of the same invalidation (invalidation and restore;
     * RELEASE's single-shot figure), never the net figure: the plots read it, since a difference
     * of two noisy numbers can come out negative, which a logarithmic axis cannot show.
     */
    public static String operationLabel(MmuNotifierEvent event, String policy, String size) {
        return invalidation(event, policy, size, "invalidate");
    }

    private static String invalidation(MmuNotifierEvent event, String policy, String size, String method) {
        if (event == MmuNotifierEvent.RELEASE) {
            return BenchEntry.label(
                    ReleaseInvalidateBench.class, "invalidate", "policy", policy, "populated", "true", "size", size);
        }
        return BenchEntry.label(
                InvalidateBench.class,
                method,
                "event",
                event.name(),
                "policy",
                policy,
                "populated",
                "true",
                "size",
                size);
    }

    /**
     * The fill of as many bytes as the PTEs a range of each size holds (8 bytes a PTE; the sparse
     * 1 GiB range holds 512, as 2 MiB does): the reference of every benchmark that invalidates or
     * rewrites a range, by its {@code size} parameter.
     */
    private static ReferenceRule[] fillBySize(String methods) {
        return new ReferenceRule[] {
            ReferenceRule.to(methods, ".*size=4K( .*)?", FloorBench.class, "fill", "bytes=8"),
            ReferenceRule.to(methods, ".*size=64K( .*)?", FloorBench.class, "fill", "bytes=128"),
            ReferenceRule.to(methods, ".*size=(2M|1G)( .*)?", FloorBench.class, "fill", "bytes=4096")
        };
    }

    /** The regular expression of the labels of {@code type}'s methods, up to the dot. */
    static String classRegex(Class<?> type) {
        return type.getSimpleName() + "\\.";
    }

    private static Target noSubscriberTarget(String what, String method) {
        return Target.atMostTimes(
                what + ", notifications on and nothing subscribed vs off",
                BenchEntry.label(NoSubscriberBench.class, method, "mmuNotifier", "on"),
                BenchEntry.label(NoSubscriberBench.class, method, "mmuNotifier", "off"),
                1.05);
    }

    /** The targets of the invalidation benchmark (the benchmark issue's section 3). */
    private static Target[] invalidationTargets() {
        MmuNotifierEvent unmap = MmuNotifierEvent.UNMAP;
        MmuNotifierEvent clear = MmuNotifierEvent.CLEAR;
        return new Target[] {
            // The safe SOFT_DIRTY must take the lock, set the sequence and, at the end, read the
            // device's 512 PTEs and the CPU's 512 to mark what the device can write: the read
            // half of the PROTECTION_PAGE re-read, which also downgrades, decides per entry
            // and writes back. So it costs at most what PROTECTION_PAGE costs on the same range
            // (docs/perf.md states the floor: the untracked invalidation plus two table reads).
            Target.atMostTimes(
                    "SOFT_DIRTY on a tracked, populated 2 MiB range vs PROTECTION_PAGE on it",
                    invalidateLabel(MmuNotifierEvent.SOFT_DIRTY, "aware", "2M"),
                    invalidateLabel(MmuNotifierEvent.PROTECTION_PAGE, "aware", "2M"),
                    1.0),
            Target.atMostTimes(
                    "UNMAP of a populated 2 MiB range vs fill of 4 KiB",
                    invalidateLabel(unmap, "aware", "2M"),
                    FILL_4K,
                    1.5),
            Target.atMostTimes(
                    "CLEAR of a populated 2 MiB range vs fill of 4 KiB",
                    invalidateLabel(clear, "aware", "2M"),
                    FILL_4K,
                    1.5),
            // Absolute per page: what a coarse range costs is its populated part (docs/perf.md).
            Target.atMostNanos(
                    "UNMAP of a sparse 1 GiB range (512 pages populated), ns per populated page",
                    invalidateLabel(unmap, "aware", "1G"),
                    1 / SPARSE_1G_PAGES,
                    100),
            Target.fasterBy(
                    "UNMAP of a populated 2 MiB range vs the on-heap mirror",
                    invalidateLabel(unmap, "aware", "2M"),
                    onHeapNet(unmap, "2M"),
                    20),
            Target.fasterBy(
                    "CLEAR of a populated 2 MiB range vs the on-heap mirror",
                    invalidateLabel(clear, "aware", "2M"),
                    onHeapNet(clear, "2M"),
                    20),
            Target.fasterBy(
                    "CLEAR of one populated 4 KiB page vs the on-heap mirror",
                    invalidateLabel(clear, "aware", "4K"),
                    onHeapNet(clear, "4K"),
                    5),
            // Not 1 GiB: an operation there takes 70-250 us, so JMH's own ~6 KB per iteration
            // divides into several B/op; HotPathAllocationTest gives the exact 1 GiB figure.
            Target.allocationAtMost(
                    "Every event's device work allocates nothing (4 KiB to 2 MiB, with the restore)",
                    classRegex(InvalidateBench.class) + "invalidate .*size=(4K|64K|2M)|"
                            + classRegex(ProtectionPageRereadBench.class) + "reread",
                    ZERO_BYTES)
        };
    }

    /**
     * The targets of the safe SOFT_DIRTY (docs/perf.md): the marking of 512 pages, that is the
     * event-aware SOFT_DIRTY of a populated range the device holds writable less the same
     * invalidation with nobody listening, at most 2x fill of 4 KiB; and where the device holds
     * nothing writable, the whole invalidation at most 1.3x the one nobody listens to.
     */
    private static Target[] softDirtyTargets() {
        String writable = BenchEntry.label(SoftDirtyHeldBench.class, "invalidate", "held", SoftDirtyHeldBench.WRITABLE);
        String readOnly =
                BenchEntry.label(SoftDirtyHeldBench.class, "invalidate", "held", SoftDirtyHeldBench.READ_ONLY);
        String untracked = BenchEntry.label(UntrackedInvalidateBench.class, "invalidate", "size", "2M");
        return new Target[] {
            Target.atMostTimesDifference(
                    "SOFT_DIRTY marking of 512 writable pages (tracked less untracked, 2 MiB) vs fill of 4 KiB",
                    writable,
                    untracked,
                    FILL_4K,
                    2),
            Target.atMostTimes(
                    "SOFT_DIRTY of a 2 MiB range the device holds read-only vs untracked", readOnly, untracked, 1.3),
            Target.allocationAtMost(
                    "SOFT_DIRTY with and without writable PTEs allocates nothing",
                    classRegex(SoftDirtyHeldBench.class) + ".*",
                    ZERO_BYTES)
        };
    }

    private static String onHeapNet(MmuNotifierEvent event, String size) {
        return BenchEntry.label(OnHeapMirrorBench.class, "net", "event", event.name(), "size", size);
    }
}

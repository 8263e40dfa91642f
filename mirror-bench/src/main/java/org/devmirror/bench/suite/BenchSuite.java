package org.devmirror.bench.suite;

import java.util.List;
import org.devmirror.bench.report.ReferenceMapping;
import org.devmirror.bench.report.Target;

/**
 * What the suite is: which benchmark classes it runs and how each is timed, which reference of the
 * same run each benchmark is reported against, and the performance targets, all in terms
 * of benchmark labels ({@code BenchResult.label()}).
 */
public final class BenchSuite {
    /** The package every benchmark class of the suite lives in. */
    public static final String PACKAGE = "org.devmirror.bench";

    private static final String INVALIDATE = "InvalidateBench.%s event=%s policy=%s populated=true size=%s";
    private static final String RELEASE = "ReleaseInvalidateBench.invalidate policy=%s populated=true size=%s";
    private static final String ON_HEAP = "OnHeapMirrorBench.net event=%s size=%s";
    /** Below this {@code gc.alloc.rate.norm} rounds to 0 B/op: no operation allocates an object (16 bytes at least). */
    static final double ZERO_BYTES = 0.5;
    private static final String FILL_4K = "FloorBench.fill bytes=4096";
    /** Every benchmark that invalidates (or rewrites) a range of one of the four sizes. */
    private static final String INVALIDATIONS = "((Release|Untracked)?InvalidateBench\\.invalidate"
            + "|(InvalidateBench|OnHeapMirrorBench)\\.net|OnHeapMirrorBench\\.invalidate|RearmBench\\.rewrite)";

    private BenchSuite() {}

    /**
     * The label of the invalidation of a populated range of {@code size} by {@code event} under
     * {@code policy}, as targets and plots read it: RELEASE's single-shot benchmark; the net
     * figure ({@link NetResults}) where the benchmark's restore rewrites PTEs; else the
     * benchmark itself.
     */
    public static String invalidateLabel(String event, String policy, String size) {
        if (event.equals("RELEASE")) {
            return String.format(RELEASE, policy, size);
        }
        return String.format(INVALIDATE, NetResults.restoreRewrites(event, policy, true) ? "net" : "invalidate",
                event, policy, size);
    }

    /**
     * Each benchmark against the reference that bounds it from below, measured in the same run:
     * zapping work against the fill of as many PTE bytes; dispatch against a TreeMap lookup over
     * as many entries; a host operation with notifications on against the same with them off.
     */
    public static ReferenceMapping references() {
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
        // the kernel's coarse ranges as a multiple of the narrowed ones
        for (String op : List.of("munmapSparse", "forkSparse", "softDirtySparse")) {
            m = m.with("KernelRangesBench." + op + " ranges=kernel", "KernelRangesBench." + op + " ranges=narrowed");
        }
        return m;
    }

    /** The targets of the benchmark issue, section 3, in its order. */
    public static List<Target> targets() {
        return List.of(
                // The safe SOFT_DIRTY must take the lock, set the sequence and, at the end, read the
                // device's 512 PTEs and the CPU's 512 to mark what the device can write: the read
                // half of the PROTECTION_PAGE re-read, which also downgrades, decides per entry
                // and writes back. So it costs at most what PROTECTION_PAGE costs on the same range
                // (docs/perf.md states the floor: the untracked invalidation plus two table reads).
                Target.atMostTimes("SOFT_DIRTY on a tracked, populated 2 MiB range vs PROTECTION_PAGE on it",
                        invalidateLabel("SOFT_DIRTY", "aware", "2M"), invalidateLabel("PROTECTION_PAGE", "aware", "2M"), 1.0),
                Target.atMostTimes("UNMAP of a populated 2 MiB range vs fill of 4 KiB",
                        invalidateLabel("UNMAP", "aware", "2M"), FILL_4K, 1.5),
                Target.atMostTimes("CLEAR of a populated 2 MiB range vs fill of 4 KiB",
                        invalidateLabel("CLEAR", "aware", "2M"), FILL_4K, 1.5),
                Target.fasterBy("UNMAP of a populated 2 MiB range vs the on-heap mirror",
                        invalidateLabel("UNMAP", "aware", "2M"), String.format(ON_HEAP, "UNMAP", "2M"), 20),
                Target.fasterBy("CLEAR of a populated 2 MiB range vs the on-heap mirror",
                        invalidateLabel("CLEAR", "aware", "2M"), String.format(ON_HEAP, "CLEAR", "2M"), 20),
                Target.fasterBy("CLEAR of one populated 4 KiB page vs the on-heap mirror",
                        invalidateLabel("CLEAR", "aware", "4K"), String.format(ON_HEAP, "CLEAR", "4K"), 5),
                Target.atMostTimesScaled("PROTECTION_PAGE re-read of 512 PTEs vs fill of 4 KiB",
                        "ProtectionPageRereadBench.reread", 512, FILL_4K, 3),
                Target.atMostTimes("Dispatch hitting nothing, 1 Mi vs 1 Ki notifiers",
                        "DispatchBench.hitNone notifiers=1048576", "DispatchBench.hitNone notifiers=1024", 3),
                Target.atMostTimes("munmap, notifications on and nothing subscribed vs off",
                        "NoSubscriberBench.munmap mmuNotifier=on", "NoSubscriberBench.munmap mmuNotifier=off", 1.05),
                Target.atMostTimes("mprotect, notifications on and nothing subscribed vs off",
                        "NoSubscriberBench.mprotect mmuNotifier=on", "NoSubscriberBench.mprotect mmuNotifier=off", 1.05),
                Target.atMostTimes("CPU write fault, notifications on and nothing subscribed vs off",
                        "NoSubscriberBench.cpuWriteFault mmuNotifier=on", "NoSubscriberBench.cpuWriteFault mmuNotifier=off", 1.05),
                Target.allocationAtMost("Invalidation dispatch allocates nothing",
                        "DispatchBench\\..*", ZERO_BYTES),
                // Not 1 GiB: an operation there takes 70-250 us, so JMH's own ~6 KB per iteration
                // divides into several B/op; HotPathAllocationTest gives the exact 1 GiB figure.
                Target.allocationAtMost("Every event's device work allocates nothing (4 KiB to 2 MiB, with the restore)",
                        "InvalidateBench\\.invalidate .*size=(4K|64K|2M)|ProtectionPageRereadBench\\.reread", ZERO_BYTES),
                Target.allocationAtMost("Fault commit over populated pages allocates nothing",
                        "DeviceFaultBench\\..*", ZERO_BYTES));
    }
}

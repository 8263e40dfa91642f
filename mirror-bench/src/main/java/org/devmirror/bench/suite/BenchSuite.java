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

    /** Average-time benchmarks: self-restoring operations repeated for a fixed time. */
    public static final List<String> TIMED = List.of(
            "FloorBench", "LookupReferenceBench", "DispatchBench", "DeviceFaultBench", "ContentionBench");

    /** Single-shot batched benchmarks: state re-armed outside the measurement every iteration. */
    public static final List<String> BATCHED = List.of(
            "InvalidateBench", "UntrackedInvalidateBench", "OnHeapMirrorBench", "NoSubscriberBench");

    private static final String INVALIDATE = "InvalidateBench.invalidate event=%s policy=%s populated=true size=%s";
    private static final String ON_HEAP = "OnHeapMirrorBench.invalidate event=%s size=%s";
    private static final String FILL_4K = "FloorBench.fill bytes=4096";

    private BenchSuite() {}

    /** The invalidation benchmark's label for a populated range. */
    public static String invalidateLabel(String event, String policy, String size) {
        return String.format(INVALIDATE, event, policy, size);
    }

    /**
     * Each benchmark against the reference that bounds it from below, measured in the same run:
     * zapping work against the fill of as many PTE bytes; dispatch against a TreeMap lookup over
     * as many entries; a host operation with notifications on against the same with them off.
     */
    public static ReferenceMapping references() {
        ReferenceMapping m = ReferenceMapping.none()
                .withPattern("(InvalidateBench|OnHeapMirrorBench|UntrackedInvalidateBench)\\.invalidate .*size=4K", "FloorBench.fill bytes=8")
                .withPattern("(InvalidateBench|OnHeapMirrorBench|UntrackedInvalidateBench)\\.invalidate .*size=64K", "FloorBench.fill bytes=128")
                .withPattern("(InvalidateBench|OnHeapMirrorBench|UntrackedInvalidateBench)\\.invalidate .*size=(2M|1G)", FILL_4K)
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

    /** The targets of the benchmark issue, section 3, in its order. */
    public static List<Target> targets() {
        return List.of(
                Target.atMostTimes("SOFT_DIRTY on a tracked, populated 2 MiB range vs untracked",
                        invalidateLabel("SOFT_DIRTY", "aware", "2M"), "UntrackedInvalidateBench.invalidate size=2M", 1.2),
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
                Target.atMostTimes("PROTECTION_PAGE re-read of 512 PTEs vs fill of 4 KiB",
                        invalidateLabel("PROTECTION_PAGE", "aware", "2M"), FILL_4K, 3),
                Target.atMostTimes("Dispatch hitting nothing, 1 Mi vs 1 Ki notifiers",
                        "DispatchBench.hitNone notifiers=1048576", "DispatchBench.hitNone notifiers=1024", 3),
                Target.atMostTimes("munmap, notifications on and nothing subscribed vs off",
                        "NoSubscriberBench.munmap mmuNotifier=on", "NoSubscriberBench.munmap mmuNotifier=off", 1.05),
                Target.atMostTimes("mprotect, notifications on and nothing subscribed vs off",
                        "NoSubscriberBench.mprotect mmuNotifier=on", "NoSubscriberBench.mprotect mmuNotifier=off", 1.05),
                Target.atMostTimes("CPU write fault, notifications on and nothing subscribed vs off",
                        "NoSubscriberBench.cpuWriteFault mmuNotifier=on", "NoSubscriberBench.cpuWriteFault mmuNotifier=off", 1.05),
                Target.allocationAtMost("Invalidation dispatch allocates nothing",
                        "DispatchBench\\..*", 0),
                Target.allocationAtMost("Every event's device work allocates nothing (tracking kept)",
                        "InvalidateBench\\.invalidate event=(CLEAR|PROTECTION_VMA|PROTECTION_PAGE|SOFT_DIRTY|MIGRATE|EXCLUSIVE) policy=aware.*", 0),
                Target.allocationAtMost("Fault commit over populated pages allocates nothing",
                        "DeviceFaultBench\\..*", 0));
    }
}

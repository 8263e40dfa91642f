package org.devmirror.bench.suite;

import java.util.List;
import java.util.Map;
import org.devmirror.bench.suite.BenchSelection.Timing;

/**
 * How long and how wide {@code ./devmirror bench} runs.
 *
 * <p>{@link #QUICK} answers the targets table and draws the plots in under five minutes on a
 * 2-core machine: one fork, four 250 ms warm-up and three 200 ms measurement iterations for the
 * average-time benchmarks (the invalidations of 512 PTEs take milliseconds per operation until C2
 * has compiled them, so a shorter warm-up measures the interpreter), and only the parameter values the targets and plots need (every event
 * under both policies on a populated 2 MiB range, CLEAR of 4 KiB, dispatch with 1 Ki and 1 Mi
 * notifiers, the 4 KiB fill, TreeMap at 1 Ki entries, faults of 1 and 512 pages, every event's
 * invalidation and next device access on 2 MiB under both policies, the host
 * operations with notifications on and off, one trace).
 *
 * <p>{@link #FULL} is the publishable run: every benchmark with every parameter value of its
 * annotations (the replay: every shipped trace), three forks, five 200 ms warm-up and five 200 ms measurement iterations (the
 * benchmarks' own annotations): about 160 average-time runs, so every 100 ms of iteration adds
 * about eight minutes to a run whose spread comes from the forks, not from the iteration length.
 *
 * <p>Three kinds of benchmark are timed differently. Average-time benchmarks repeat a
 * self-restoring operation for a fixed time per iteration. Batched benchmarks (single-shot, one
 * batch of operations per iteration, with state re-armed in {@code @Setup(Level.Iteration)}) need
 * many iterations instead. The trace replay is single-shot too, but each replay takes
 * milliseconds, so a few iterations suffice.
 */
public enum BenchProfile {
    QUICK(1, quickSelections()),
    FULL(3, fullSelections());

    private final int forks;
    private final List<BenchSelection> selections;

    BenchProfile(int forks, List<BenchSelection> selections) {
        this.forks = forks;
        this.selections = selections;
    }

    public int forks() {
        return forks;
    }

    /** The JMH runs of this profile, in order. */
    public List<BenchSelection> selections() {
        return selections;
    }

    /** The benchmark classes by timing kind (a holder: enum constants are built before the enum's static fields). */
    static final class Groups {
        static final List<String> AVERAGE_TIME = List.of("FloorBench", "LookupReferenceBench", "DispatchBench",
                "InvalidateBench", "UntrackedInvalidateBench", "RearmBench", "OnHeapMirrorBench",
                "ProtectionPageRereadBench", "DeviceFaultBench", "ContentionBench", "EndToEndBench");
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

    private static List<BenchSelection> quickSelections() {
        Timing avgt = new Timing(4, 250, 3, 200);
        Timing batched = Timing.singleShot(30, 30);
        Timing replay = Timing.singleShot(1, 3);
        List<String> twoMiB = List.of("2M");
        List<String> yes = List.of("true");
        return List.of(
                new BenchSelection(List.of("FloorBench"), Map.of("bytes", List.of("8", "4096")), avgt),
                new BenchSelection(List.of("LookupReferenceBench.treeMap"), Map.of("ranges", List.of("1024")), avgt),
                new BenchSelection(List.of("DispatchBench"), Map.of("notifiers", List.of("1024", "1048576")), avgt),
                new BenchSelection(List.of("InvalidateBench"), Map.of("size", twoMiB, "populated", yes), avgt),
                new BenchSelection(List.of("InvalidateBench"), Map.of("event", List.of("CLEAR"),
                        "policy", List.of("aware"), "size", List.of("4K"), "populated", yes), avgt),
                new BenchSelection(List.of("UntrackedInvalidateBench"), Map.of("size", twoMiB), avgt),
                // the "device work saved" plots: every event under both policies, invalidation + next access
                new BenchSelection(List.of("EndToEndBench"), Map.of("size", twoMiB), avgt),
                new BenchSelection(List.of("RearmBench", "OnHeapMirrorBench"), Map.of("size", List.of("4K", "2M")), avgt),
                new BenchSelection(List.of("ProtectionPageRereadBench", "DeviceFaultBench", "ContentionBench"), Map.of(), avgt),
                new BenchSelection(List.of("ReleaseInvalidateBench"), Map.of("size", twoMiB, "populated", yes), batched),
                new BenchSelection(Groups.HOST_OPS, Map.of(), new Timing(10, 500, 3, 200)),
                new BenchSelection(Groups.REPLAY, Map.of("trace", List.of("gcc-hello")), replay));
    }

    private static List<BenchSelection> fullSelections() {
        return List.of(
                new BenchSelection(Groups.AVERAGE_TIME, Map.of(), new Timing(5, 200, 5, 200)),
                new BenchSelection(Groups.HOST_OPS, Map.of(), new Timing(10, 500, 5, 300)),
                new BenchSelection(Groups.BATCHED, Map.of(), Timing.singleShot(100, 100)),
                new BenchSelection(Groups.REPLAY, Map.of(), Timing.singleShot(2, 5)),
                new BenchSelection(Groups.MIGRATION, Map.of(), Timing.singleShot(3, 5)));
    }
}

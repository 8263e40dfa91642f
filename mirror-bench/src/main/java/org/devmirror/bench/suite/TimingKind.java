package org.devmirror.bench.suite;

/**
 * How a benchmark is timed, by the kind of operation it repeats. A registry entry
 * ({@link BenchEntry}) names its kind; the profiles ({@link BenchProfile#timing}) hold the
 * iterations of each kind, all in one place, so every benchmark of a kind runs alike.
 *
 * <p>Average-time benchmarks repeat a self-restoring operation for a fixed time per iteration.
 * Batched benchmarks (single-shot, one batch of operations per iteration, with state re-armed in
 * {@code @Setup(Level.Iteration)}) need many iterations instead. The trace replay is single-shot
 * too, but each replay takes milliseconds, so a few iterations suffice.
 */
public enum TimingKind {
    /**
     * A self-restoring operation of nanoseconds to microseconds (throughput benchmarks of the same
     * operations too). An invalidation of 512 PTEs takes milliseconds per operation until C2 has
     * compiled it (with three 100 ms warm-up iterations a CLEAR of 512 PTEs still took about a
     * millisecond in the third, at load average 15), so the warm-up lasts a second.
     */
    AVERAGE_TIME(true),
    /**
     * Average-time too, but slow to compile, so a warm-up of about a second measures the
     * interpreter. These get five seconds. The host operations: an munmap with its mmap and 16
     * faults took 0.9 ms per operation for the first 5,000 calls and 20 us after 60,000 (load
     * average 10). The on-heap mirror: its UNMAP of 2 MiB took 1 ms per operation in the first
     * measured iterations after a one-second warm-up and 24 us from the fifth on, so its error
     * was larger than its score; after five seconds, 11% of it (2026-12-03).
     */
    SLOW_TO_COMPILE(true),
    /** Single-shot batches re-armed per iteration (RELEASE retires its mirrors). */
    BATCHED(true),
    /** Single-shot replays of a whole trace, milliseconds each. */
    REPLAY(true),
    /**
     * Single-shot calls of milliseconds (hmm-tests.c {@code benchmark_thp_migration}: migrations
     * of up to 64 MiB each way): the kernel test's warm-up and five timed calls. Full profile only.
     */
    MIGRATION(false);

    private final boolean inQuick;

    TimingKind(boolean inQuick) {
        this.inQuick = inQuick;
    }

    /** Whether the quick profile can run benchmarks of this kind. */
    public boolean inQuick() {
        return inQuick;
    }
}

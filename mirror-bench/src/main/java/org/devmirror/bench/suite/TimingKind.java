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
     * millisecond in the third, at load average 15), so the warm-up lasts a second. Operations that
     * allocate (the host operations, the on-heap mirror) settle within that second too, because
     * the forks' young generation is fixed ({@code SuiteRunner}) and touched in full early on.
     */
    AVERAGE_TIME(true),
    /**
     * Threads that share a lock or a cache line, timed as a throughput or a round trip. Their
     * speed flips between regimes a few hundred milliseconds long (two threads' CLEARs measured
     * 0.58 to 1.13 ops/us in the 100 ms iterations of one fork, an error of 20%), so an iteration
     * lasts 300 ms and averages over them (0.73 ± 0.03 and ± 0.05 ops/us in two forks of the same
     * 15 iterations, 2026-12-03).
     */
    CONTENDED(true),
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

package org.devmirror.bench.suite;

import org.devmirror.bench.suite.BenchSelection.Timing;

/**
 * How a benchmark is timed in each profile, by the kind of operation it repeats. A registry entry
 * ({@link BenchEntry}) names its kind; the profiles ({@link BenchProfile}) take the iterations
 * from here, so every benchmark of a kind runs alike.
 *
 * <p>Average-time benchmarks repeat a self-restoring operation for a fixed time per iteration.
 * Batched benchmarks (single-shot, one batch of operations per iteration, with state re-armed in
 * {@code @Setup(Level.Iteration)}) need many iterations instead. The trace replay is single-shot
 * too, but each replay takes milliseconds, so a few iterations suffice.
 */
public enum TimingKind {
    /**
     * A self-restoring operation of nanoseconds to microseconds. Quick: four 250 ms warm-up
     * iterations, because an invalidation of 512 PTEs takes milliseconds per operation until C2
     * has compiled it (with three 100 ms warm-up iterations a CLEAR of 512 PTEs still took about a
     * millisecond in the third, at load average 15), and three of 200 ms measured.
     */
    AVERAGE_TIME(new Timing(4, 250, 3, 200), new Timing(5, 200, 5, 200)),
    /**
     * Average-time too, but slow to compile: an munmap with its mmap and 16 faults took 0.9 ms per
     * operation for the first 5,000 calls and 20 us after 60,000 (load average 10), so a warm-up
     * of about a second measures the interpreter. These get five seconds.
     */
    HOST_OPS(new Timing(10, 500, 3, 200), new Timing(10, 500, 5, 300)),
    /** Single-shot batches re-armed per iteration (RELEASE retires its mirrors). */
    BATCHED(Timing.singleShot(30, 30), Timing.singleShot(100, 100)),
    /** Single-shot replays of a whole trace, milliseconds each. */
    REPLAY(Timing.singleShot(1, 3), Timing.singleShot(2, 5)),
    /**
     * Single-shot calls of milliseconds (hmm-tests.c {@code benchmark_thp_migration}: migrations
     * of up to 64 MiB each way): the kernel test's warm-up and five timed calls. Full profile only.
     */
    MIGRATION(null, Timing.singleShot(3, 5));

    @SuppressWarnings("ImmutableEnumChecker") // Timing is a record of four ints: immutable, though not annotated so
    private final Timing quick;

    @SuppressWarnings("ImmutableEnumChecker") // as quick
    private final Timing full;

    TimingKind(Timing quick, Timing full) {
        this.quick = quick;
        this.full = full;
    }

    /** Whether the quick profile can run benchmarks of this kind. */
    public boolean inQuick() {
        return quick != null;
    }

    /** The quick profile's timing of this kind. */
    public Timing quick() {
        if (quick == null) {
            throw new IllegalStateException(this + " benchmarks run in the full profile only");
        }
        return quick;
    }

    /** The full profile's timing of this kind. */
    public Timing full() {
        return full;
    }
}

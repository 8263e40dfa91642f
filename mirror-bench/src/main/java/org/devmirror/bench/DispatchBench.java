package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.bench.workload.DispatchWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Dispatch scaling: the cost of one invalidation through the notifier core
 * (mn_itree_invalidate and mn_itree_inv_end) as the number of registered interval notifiers grows
 * from 1 to 1 Mi, when it hits one notifier and when it hits none. An interval tree should make
 * the miss cost grow with log n: the target is at most 3x from 1 Ki to 1 Mi notifiers.
 * Reported against {@link LookupReferenceBench}'s {@code TreeMap.floorEntry} over as many
 * entries.
 *
 * <p>Pitfalls avoided: the notifiers are inserted in {@code @Setup(Level.Trial)} (1 Mi inserts
 * take seconds, far beyond a measurement); the range objects are built once and reused, as the
 * host reuses its range, so no allocation is measured; the sequence after the invalidation is
 * returned so the dispatch cannot be dead-code eliminated. Run with {@code -prof gc}: dispatch must allocate 0 B/op.
 *
 * <p>Run: {@code ./devmirror bench --include DispatchBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = "-Xmx2g")
public class DispatchBench {
    @Param({"1", "1024", "65536", "1048576"})
    public int notifiers;

    private DispatchWorkload workload;

    @Setup(Level.Trial)
    public void register() {
        workload = new DispatchWorkload(notifiers);
    }

    @TearDown(Level.Trial)
    public void unregister() {
        workload.close();
    }

    /** An invalidation whose range lies inside one tracked interval: one callback. */
    @Benchmark
    public long hitOne() {
        return workload.invalidate(true);
    }

    /** An invalidation whose range lies in a gap: the tree probe, no callback, no odd period. */
    @Benchmark
    public long hitNone() {
        return workload.invalidate(false);
    }
}

package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.mm.Errno;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Contention: one host thread invalidating (CLEAR) a mirrored 2 MiB range while one device thread
 * faults the same 512 pages back in, on the machine's two cores. The invalidation zaps what the
 * fault committed; the fault collides with the invalidation (readRetry) and retries. Compare each
 * side with its uncontended figure ({@link DeviceFaultBench} {@code pages=512};
 * {@link InvalidateBench} CLEAR 2M).
 *
 * <p>Pitfalls avoided: asymmetric threads are expressed with {@code @Group}/{@code @GroupThreads},
 * as in JMH's sample 15, sharing one {@code Scope.Group} state, rather than two benchmarks run at
 * once; both methods return their result; with two cores and two threads nothing else of the run
 * competes, so run it alone on an otherwise idle machine for publishable numbers.
 *
 * <p>Run: {@code ./devmirror bench --include ContentionBench}.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
public class ContentionBench extends FaultBenchState {
    @Override
    protected int pages() {
        return 512;
    }

    @Benchmark
    @Group("invalidateVsFault")
    @GroupThreads(1)
    public long invalidate() {
        return workload.invalidateClear();
    }

    @Benchmark
    @Group("invalidateVsFault")
    @GroupThreads(1)
    public Errno fault() {
        return workload.fault();
    }
}

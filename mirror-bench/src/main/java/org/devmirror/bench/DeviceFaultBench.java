package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.bench.workload.FaultWorkload;
import org.devmirror.mm.Errno;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The device fault path over populated pages, 1 page and 512 pages (readBegin, hmm_range_fault
 * under the mmap read lock, driver lock, readRetry, commit of the device PTEs): see
 * {@link FaultWorkload}. Commit over populated pages must allocate 0 B/op ({@code -prof gc}).
 *
 * <p>Pitfalls avoided: the CPU pages and the tracked range exist before the measurement (the
 * first fault, in {@code @Setup(Level.Trial)}, inserts the interval notifier), so every measured
 * fault is the same steady-state work and needs no re-arm; the {@link Errno} is returned so the
 * call cannot be dropped; a fault that does not return OK would show as a different cost, so the
 * setup checks the first one.
 *
 * <p>Run: {@code ./devmirror bench --include DeviceFaultBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
public class DeviceFaultBench extends FaultBenchState {
    @Param({"1", "512"})
    public int pages;

    @Override
    protected int pages() {
        return pages;
    }

    @Benchmark
    public Errno fault() {
        return workload.fault();
    }
}

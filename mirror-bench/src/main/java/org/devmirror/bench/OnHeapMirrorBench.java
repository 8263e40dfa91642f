package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.bench.workload.InvalidationWorkload;
import org.devmirror.notifier.MmuNotifierEvent;
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
 * Reference: what a Java developer would write first, the on-heap device page table
 * ({@code OnHeapDevicePageTable}, a {@code TreeMap<Long, Long>} from page to entry) behind the
 * same event-aware policy, driver and notifier core, invalidated and restored exactly as in
 * {@link InvalidateBench}. The off-heap radix table's targets are stated against its net figure
 * ({@code OnHeapMirrorBench.net}: this minus {@link RearmBench} {@code table=onHeap}).
 *
 * <p>Pitfalls avoided: those of {@link InvalidateBench}, with the same operation and restore, so
 * that the only difference is the table. Its B/op is the on-heap table's boxing, not a target.
 *
 * <p>Run: {@code ./devmirror bench --include OnHeapMirrorBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class OnHeapMirrorBench extends InvalidationBenchState {
    @Param({"UNMAP", "CLEAR"})
    public String event;

    @Param({"4K", "2M"})
    public String size;

    @Override
    protected InvalidationWorkload newWorkload() {
        return new InvalidationWorkload(MmuNotifierEvent.valueOf(event), "aware", size, true, true, false, 1);
    }

    @Benchmark
    public long invalidate() {
        return workload.invalidateAndRestore(0);
    }
}

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
 * The share of {@link InvalidateBench} and {@link OnHeapMirrorBench} that is not the
 * invalidation: writing the armed device PTE values of one region back into the device page
 * table under the driver lock ({@link InvalidationWorkload#rewriteOnly}), exactly as their
 * restore does after a zap. The report subtracts this from every invalidation whose restore
 * rewrites PTEs (label {@code InvalidateBench.net} / {@code OnHeapMirrorBench.net}).
 *
 * <p>Pitfalls avoided: the writes are the same values to the same addresses, made the same way
 * (one {@code DevicePageTable.setBlock} per PTE table), as after a zap, so the entries copied are
 * the same; the difference is that here the entries were present before. For the off-heap table
 * that leaves one thing out of this share: after a zap that emptied the PTE table the restore
 * takes its table pages from the pool again (free-list pops; a whole-table block needs no
 * zeroing), so the net figure keeps those few pops. The count written is returned.
 *
 * <p>Run: {@code ./devmirror bench --include RearmBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class RearmBench extends InvalidationBenchState {
    @Param({"4K", "64K", "2M", "1G"})
    public String size;

    /** {@code offHeap}: the device page table of {@link InvalidateBench}; {@code onHeap}: that of {@link OnHeapMirrorBench}. */
    @Param({"offHeap", "onHeap"})
    public String table;

    @Override
    protected InvalidationWorkload newWorkload() {
        return new InvalidationWorkload(MmuNotifierEvent.CLEAR, "aware", size, true, true, "offHeap".equals(table), 1);
    }

    @Benchmark
    public long rewrite() {
        return workload.rewriteOnly(0);
    }
}

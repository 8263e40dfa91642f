package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.bench.workload.InvalidationFixture;
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
 * One host invalidation reaching several devices: {@code devices} devices (1 or 8), each with its
 * own mirror, driver lock, page table and interval notifier over the same populated 2 MiB range
 * of one address space, and one event-aware CLEAR of that range. The notifier core finds all
 * {@code devices} interval notifiers in one walk of the interval tree and calls each one's
 * {@code invalidate} (mm/mmu_notifier.c {@code mn_itree_invalidate}); each driver zaps its 512
 * PTEs and flushes its TLB. The report holds {@code devices=8} against {@code devices=1} of the
 * same run: eight drivers' work plus one walk is at most 8.5x one driver's.
 *
 * <p>Pitfall avoided: as {@link InvalidateBench}, the CLEAR zaps what it invalidates, so one
 * operation is the CLEAR and the restore of every device's 512 PTEs (written back under each
 * driver's lock, allocation-free, {@code InvalidationRestore}); the restore is proportional to the
 * devices, like the CLEAR, so the ratio of the two rows is the fan-out's.
 *
 * <p>Run: {@code ./devmirror bench --include FanOutBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class FanOutBench extends InvalidationBenchState {
    @Param({"1", "8"})
    public int devices;

    @Override
    protected InvalidationWorkload newWorkload() {
        return workload(devices);
    }

    /** The workload of {@code devices} devices mirroring one populated 2 MiB range; for the benchmark and its tests. */
    public static InvalidationWorkload workload(int devices) {
        return new InvalidationWorkload(
                new InvalidationFixture(MmuNotifierEvent.CLEAR, "aware", "2M", true, true, true, 1, devices, true));
    }

    /** One CLEAR reaching every device, then every device's restore. */
    @Benchmark
    public long clear() {
        return workload.invalidateAndRestore(0);
    }
}

package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.bench.workload.InvalidationWorkload;
import org.devmirror.notifier.MmuNotifierEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * RELEASE (the address space going away, {@code exit_mmap}): the same invalidation as
 * {@link InvalidateBench}, but it retires the mirror for good, so it cannot be restored in place.
 * One invocation invalidates {@link InvalidationWorkload#REGIONS} separately mirrored regions
 * once each, in single-shot mode ({@code @OperationsPerInvocation} divides), and
 * {@code @Setup(Level.Iteration)} opens new mirrors and faults them in, outside the timed
 * section.
 *
 * <p>Pitfall stated, not avoided: {@code -prof gc} counts everything allocated between the start
 * and the end of an iteration, which includes the {@code Level.Iteration} re-arm (new mirrors,
 * tracked ranges) and JMH's own per-iteration bookkeeping, divided by 16 operations. This
 * benchmark's B/op is therefore not the invalidation's; {@code WorkProbe} measures that (thread
 * allocated bytes around each invalidation only). RELEASE happens once per address space, so it
 * is not one of the hot paths the allocation target covers.
 *
 * <p>Run: {@code ./devmirror bench --include ReleaseInvalidateBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 100)
@Measurement(iterations = 100)
@Fork(3)
public class ReleaseInvalidateBench extends InvalidationBenchState {
    @Param({"aware", "blind"})
    public String policy;

    @Param({"4K", "64K", "2M", "1G"})
    public String size;

    @Param({"true", "false"})
    public boolean populated;

    @Setup(Level.Iteration)
    public void rearm() {
        workload.arm();
    }

    @Override
    protected InvalidationWorkload newWorkload() {
        return new InvalidationWorkload(MmuNotifierEvent.RELEASE, policy, size, populated, true, true);
    }

    @Benchmark
    @OperationsPerInvocation(InvalidationWorkload.REGIONS)
    public long invalidate() {
        return workload.invalidateAll();
    }
}

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
 * The baseline of {@link InvalidateBench}: the same SOFT_DIRTY invalidation of the same region,
 * timed the same way, where no device tracks anything (the notifier core finds no interval, the
 * device does no work): the floor of every tracked invalidation. The event-aware policy's SOFT_DIRTY
 * once skipped before the lock and was held to 1.2x this; it now marks soft-dirty at the end, and
 * its target is argued from that work (docs/perf.md).
 *
 * <p>Pitfalls avoided: as {@link InvalidateBench} (same mode, same operation: SOFT_DIRTY consumes
 * nothing, so neither side restores anything), so the two differ only in whether a mirror
 * listens. The address space has no subscriber at all: the notifier core counts the range active
 * and ends it, finding no interval (no odd period, no callback) and no classic notifier.
 *
 * <p>Run: {@code ./devmirror bench --include UntrackedInvalidateBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class UntrackedInvalidateBench extends InvalidationBenchState {
    @Param({"4K", "64K", "2M", "1G"})
    public String size;

    @Override
    protected InvalidationWorkload newWorkload() {
        return new InvalidationWorkload(MmuNotifierEvent.SOFT_DIRTY, "aware", size, true, false, true, 1);
    }

    @Benchmark
    public long invalidate() {
        return workload.invalidate(0);
    }
}

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
 * The invalidation hot path, per event type, for the event-aware and the blind policy, over 4 KiB,
 * 64 KiB, 2 MiB and 1 GiB (sparse) ranges, populated or not: the host raising one invalidation
 * through the notifier core until the device has done its work for it
 * ({@link InvalidationWorkload}). RELEASE, which retires the mirror, is
 * {@link ReleaseInvalidateBench}.
 *
 * <p>Pitfall avoided: zapping and dropping tracking consume the state being measured. Restoring it
 * in {@code @Setup(Level.Invocation)} would put timer reads around every sub-microsecond call,
 * and single-shot batches re-armed in {@code @Setup(Level.Iteration)} let JMH's per-iteration
 * bookkeeping and the re-arm land in {@code -prof gc}'s window, divided by a handful of
 * operations (hundreds of B/op that the invalidation does not allocate). So one operation is the
 * invalidation followed by {@link InvalidationWorkload#restore}, which puts back only what this
 * event and policy took away, without the fault path and without allocating: the tracked range
 * (an interval-tree insert) when it was dropped, the armed PTE values written straight into the
 * device page table when they were zapped. The PTE writes are timed alone by
 * {@link RearmBench}; the report subtracts that figure (label {@code InvalidateBench.net}) for
 * every combination whose restore rewrites PTEs. The tracked-range re-insert is not subtracted:
 * the net figure of UNMAP and of every blind invalidation includes it, so it overstates them by
 * one insert. In average-time mode the per-iteration bookkeeping divides over millions of
 * operations, so {@code gc.alloc.rate.norm} shows what one operation allocates (0, or a few
 * thousandths of a byte of bookkeeping). Exception: at 4 KiB and 64 KiB, dropping tracking
 * splits the 2 MiB tracked chunk, and the restore's merge of the pieces allocates in the driver;
 * those rows' B/op is the restore's, not the invalidation's ({@code WorkProbe} times the
 * invalidation alone).
 *
 * <p>Run: {@code ./devmirror bench --include InvalidateBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class InvalidateBench extends InvalidationBenchState {
    @Param({"UNMAP", "CLEAR", "PROTECTION_VMA", "PROTECTION_PAGE", "SOFT_DIRTY", "MIGRATE", "EXCLUSIVE"})
    public String event;

    @Param({"aware", "blind"})
    public String policy;

    @Param({"4K", "64K", "2M", "1G"})
    public String size;

    @Param({"true", "false"})
    public boolean populated;

    @Override
    protected InvalidationWorkload newWorkload() {
        return new InvalidationWorkload(MmuNotifierEvent.valueOf(event), policy, size, populated, true, true, 1);
    }

    /** One invalidation, then the restore of what it took away (see the class comment). */
    @Benchmark
    public long invalidate() {
        return workload.invalidateAndRestore(0);
    }
}

package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.bench.workload.InvalidationWorkload;
import org.devmirror.notifier.MmuNotifierEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * PROTECTION_PAGE with the event-aware policy, per device PTE, over a populated 2 MiB range (512
 * PTEs): at the start of the invalidation the device downgrades every PTE and flushes its TLB,
 * and at {@code invalidate_range_end} it re-reads the CPU PTE of every page it still maps
 * (the kernel-doc of {@code MMU_NOTIFY_PROTECTION_PAGE}: read the CPU page table in end). The CPU
 * page table is unchanged, so every page still maps the same frame writably and the re-read gives
 * WRITE back: the operation restores its own state, and no re-arm of any kind is in the
 * measurement. The target compares 512 of these with {@code FloorBench.fill bytes=4096}.
 *
 * <p>Pitfalls avoided: {@code @OperationsPerInvocation(512)} makes the score per PTE while each
 * invocation is a whole invalidation (timing one PTE at a time would time the timer); average
 * time over millions of PTEs lets {@code -prof gc} show the operation's own allocation.
 *
 * <p>Run: {@code ./devmirror bench --include ProtectionPageRereadBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class ProtectionPageRereadBench extends InvalidationBenchState {
    /** PTEs of a populated 2 MiB range with 4 KiB device entries. */
    public static final int PTES = 512;

    @Override
    protected InvalidationWorkload newWorkload() {
        return new InvalidationWorkload(MmuNotifierEvent.PROTECTION_PAGE, "aware", "2M", true, true, true, 1);
    }

    /** One PROTECTION_PAGE invalidation of 512 PTEs: downgrade, flush, re-read at the end. */
    @Benchmark
    @OperationsPerInvocation(PTES)
    public long reread() {
        return workload.invalidate(0);
    }
}

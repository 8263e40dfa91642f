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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An invalidation and then the device's next access to the range, per event, policy and size: what
 * a policy saves later is timed together with what it spends now. The event-aware policy keeps the
 * device's PTEs on SOFT_DIRTY, PROTECTION_PAGE and PROTECTION_VMA at the price of a re-read or a
 * downgrade; the blind one zaps them and the access faults them back in through the device fault
 * path ({@code hmm_range_fault}, the commit, the tracked-range insert). {@link InvalidateBench}
 * times the first half alone, with a restore that writes the PTEs back in one block instead of
 * the refault.
 *
 * <p>The same operation's device work is exact and needs no timing: {@code WorkProbe.endToEnd}
 * runs it once outside JMH and the cost model prices the counters as modelled device time; the
 * report draws both ({@code SuitePlots}).
 *
 * <p>Pitfall avoided: the access is a real device read through the mirror's TLB and page table,
 * so the state after each operation is the armed state again (every populated page mapped as
 * before), with no re-arm outside the measurement and no per-invocation setup. RELEASE retires
 * the mirror and has no next access; 1 GiB (sparse) would be 512 single-page reads and is left to
 * {@link InvalidateBench}.
 *
 * <p>Run: {@code ./devmirror bench --include EndToEndBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class EndToEndBench {
    @Param({"UNMAP", "CLEAR", "PROTECTION_VMA", "PROTECTION_PAGE", "SOFT_DIRTY", "MIGRATE", "EXCLUSIVE"})
    public String event;

    @Param({"aware", "blind"})
    public String policy;

    @Param({"4K", "64K", "2M"})
    public String size;

    private InvalidationWorkload workload;

    @Setup(Level.Trial)
    public void mirror() {
        workload = new InvalidationWorkload(MmuNotifierEvent.valueOf(event), policy, size, true, true, true, 1);
    }

    @TearDown(Level.Trial)
    public void close() {
        workload.close();
    }

    /** One invalidation of the populated range, then the device reading every page of it. */
    @Benchmark
    public long invalidateThenAccess() {
        long seq = workload.invalidate(0);
        return seq + workload.access(0);
    }
}

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
 * The event-aware SOFT_DIRTY of a tracked, populated 2 MiB range (512 device PTEs), by what the
 * device holds there: writable PTEs ({@code held=writable}), which the policy must mark soft-dirty
 * at {@code invalidate_range_end} because the device may write those pages without the CPU, or
 * only read-only PTEs ({@code held=readOnly}: a read-only VMA, so hmm_range_fault gave the device
 * no {@code HMM_PFN_WRITE}), where nothing can be written behind the CPU's back and the marking
 * finds nothing to do. {@link UntrackedInvalidateBench} at 2 MiB is the same invalidation with
 * nobody listening.
 *
 * <p>What the suite calls "the marking of 512 pages" is {@code held=writable} less the untracked
 * invalidation: the whole of the mirror's SOFT_DIRTY work (lock, {@code mmu_interval_set_seq},
 * the end callback's read of the 512 device PTEs and 512 CPU PTEs and the soft-dirty marks),
 * with the notifier core's own cost taken out. The invalidation is raised without clear_refs
 * having cleared anything, so the marks find their bits already set, as in
 * {@link InvalidateBench}; {@link SoftDirtyCycleBench} times the whole clear_refs cycle.
 *
 * <p>Pitfall avoided: the event-aware SOFT_DIRTY consumes nothing (it neither zaps nor drops the
 * tracked range), so the operation is the invalidation alone, repeated, with no restore to pay;
 * the set-up checks that, and fails rather than time a state that drifts.
 *
 * <p>Run: {@code ./devmirror bench --include SoftDirtyHeldBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class SoftDirtyHeldBench extends InvalidationBenchState {
    /** Writable device PTEs, which the policy marks. */
    public static final String WRITABLE = "writable";
    /** Read-only device PTEs only, where the policy has nothing to mark. */
    public static final String READ_ONLY = "readOnly";

    @Param({WRITABLE, READ_ONLY})
    public String held;

    @Override
    protected InvalidationWorkload newWorkload() {
        return workload(held);
    }

    /** The workload of {@code held} ({@link #WRITABLE} or {@link #READ_ONLY}); for the benchmark and its tests. */
    public static InvalidationWorkload workload(String held) {
        boolean writable = switch (held) {
            case WRITABLE -> true;
            case READ_ONLY -> false;
            default -> throw new IllegalArgumentException("held=" + held + " is not " + WRITABLE + " or " + READ_ONLY);
        };
        InvalidationWorkload w = new InvalidationWorkload(
                new InvalidationFixture(MmuNotifierEvent.SOFT_DIRTY, "aware", "2M", true, true, true, 1, 1, writable));
        if (w.restoreRewrites() || w.restoreRetracks()) {
            w.close();
            throw new IllegalStateException(
                    "the event-aware SOFT_DIRTY took PTEs or tracking away: it is timed without a restore");
        }
        return w;
    }

    /** One SOFT_DIRTY invalidation, start to end; it leaves the range as it found it. */
    @Benchmark
    public long invalidate() {
        return workload.invalidate(0);
    }
}

package org.devmirror.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.devmirror.bench.workload.InvalidationFixture;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Invalidations of disjoint ranges from {@code threads} threads at once: one address space, one
 * device, {@code threads} populated 2 MiB regions each mirrored by its own {@code Dmirror} (its own
 * interval notifier, driver lock and page table), and each thread raising event-aware CLEARs of its
 * own region and restoring it. What the threads share is what the kernel shares between them: the
 * address space's notifier subscriptions (the interval tree, its {@code invalidate_seq} and active
 * count, mm/mmu_notifier.c {@code mn_itree_inv_start_range}/{@code mn_itree_inv_end}) and the
 * device. Throughput (operations of all threads per microsecond), so the report's ratio of
 * {@code threads=N} to {@code threads=1} is the inverse of the speed-up; the target asks for 1.6x
 * the one-thread throughput at two threads.
 *
 * <p>{@link #hitNone} is the floor of that scaling: each thread raises a CLEAR of a page no
 * notifier covers, so what it does is what the kernel's protocol makes the threads share on every
 * invalidation, the subscriptions lock taken at the start and again at the end
 * ({@code mn_itree_inv_start_range}, {@code mn_itree_inv_end}) and the active count written under
 * it, besides the classic notifiers' calls, which find nothing to do. Its time per operation at
 * {@code threads=N} less its time at {@code threads=1} is what the shared cache line costs one
 * invalidation when N threads pass it around; no CLEAR can scale
 * better than that cost, added to its one-thread time, allows (docs/perf.md, "Threads").
 *
 * <p>The thread count is JMH's {@code threads} option, and {@code @Param threads} names it in the
 * results (JMH does not put its thread count into a result's parameters): {@code ./devmirror bench}
 * runs each value as its own JMH run with as many threads ({@code SuiteRunner}), from 1 up to
 * {@link Runtime#availableProcessors()} of the machine that runs it ({@link #threadCounts}). Run
 * by hand, pass both: {@code -p threads=2 -t 2}; the set-up refuses a run where they differ.
 *
 * <p>Pitfalls avoided: each thread has its own region and restore (claimed once per trial), so no
 * two threads contend for a driver lock or a PTE and what is measured is what the shared
 * notifier core costs them; the restore is the allocation-free one of {@link InvalidateBench}.
 *
 * <p>Run: {@code ./devmirror bench --include ThreadScalingBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class ThreadScalingBench {
    /** The parameter that is also JMH's thread count. */
    public static final String THREADS = "threads";

    /** The thread count of the run: JMH's {@code -t}, repeated here so that it labels the results. */
    @Param({"1", "2"})
    public int threads;

    private InvalidationWorkload workload;
    private final AtomicInteger nextRegion = new AtomicInteger();

    /** The region one thread invalidates and restores, claimed once per trial. */
    @State(Scope.Thread)
    public static class Region {
        int k;

        @Setup(Level.Trial)
        public void claim(ThreadScalingBench shared) {
            k = shared.nextRegion.getAndIncrement();
        }
    }

    /**
     * The thread counts of the scaling curve on this machine: 1 up to its available processors,
     * at least 1 and 2 (the target's) and at most {@link InvalidationFixture#REGIONS}, as strings.
     */
    public static List<String> threadCounts() {
        int max = Math.min(
                InvalidationFixture.REGIONS, Math.max(2, Runtime.getRuntime().availableProcessors()));
        List<String> out = new ArrayList<>();
        for (int t = 1; t <= max; t++) {
            out.add(Integer.toString(t));
        }
        return List.copyOf(out);
    }

    /** {@code threads} populated 2 MiB regions of one address space, each mirrored on one device; for the benchmark and its tests. */
    public static InvalidationWorkload workload(int threads) {
        return new InvalidationWorkload(MmuNotifierEvent.CLEAR, "aware", "2M", true, true, true, threads);
    }

    @Setup(Level.Trial)
    public void mirror(BenchmarkParams params) {
        if (params.getThreads() != threads) {
            throw new IllegalStateException("@Param threads=" + threads + " but JMH runs " + params.getThreads()
                    + " threads: pass -p threads=N -t N, or run it through ./devmirror bench");
        }
        workload = workload(threads);
    }

    @TearDown(Level.Trial)
    public void close() {
        workload.close();
    }

    /** One CLEAR of this thread's region and its restore. */
    @Benchmark
    public long clear(Region region) {
        return workload.invalidateAndRestore(region.k);
    }

    /** One CLEAR of a page in the gap after this thread's region, which no notifier covers. */
    @Benchmark
    public long hitNone(Region region) {
        workload.fixture().raiseInGap(region.k);
        return workload.subscriptions().sequence();
    }
}

package org.devmirror.gate.ab;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports, beside each iteration's wall-clock score, the CPU time the
 * benchmark's worker threads spent per operation ({@link ThreadMXBean#getThreadCpuTime}), as the
 * secondary metric {@value #METRIC} in nanoseconds per operation. Run a fork with
 * {@code -prof org.devmirror.gate.ab.ThreadCpuProfiler}.
 *
 * <p>Why: on a shared machine most of the noise in a wall-clock score is time the core spent on
 * someone else (a preempted worker's clock keeps running). A thread's CPU time does not count that
 * time, so for a single-threaded benchmark it is the same cost with less of the neighbour in it.
 * It still counts what a neighbour does to the worker while it runs: a colder cache, a busier
 * memory bus, a lower clock.
 *
 * <p>What it counts: the sum over the threads whose name JMH gives its workers ({@value
 * #WORKER_MARK}) of the CPU time between the profiler's two calls around the iteration, divided by
 * the operations JMH measured in it. The two calls bracket the whole iteration, so the workers'
 * time to start and stop it counts too: a few microseconds per iteration of hundreds of
 * milliseconds. More in the first and the last iteration of a fork: JMH runs the benchmark's
 * {@code @Setup(Level.Trial)} and {@code @TearDown(Level.Trial)} on the worker inside them, before
 * this profiler's {@code afterIteration}. The first is a warmup iteration; the last is measured,
 * and for {@code InvalidateBench}, whose teardown closes the host and its off-heap memory, it read
 * 34 ns per operation above its wall-clock time on a quiet machine (docs/gate.md, the CPU-clock
 * proof run). Both builds of a comparison pay it alike, but it dilutes their ratio, so the gate
 * runs one more measured iteration under this clock and leaves the last one out of the fork's
 * score ({@link ForkClock#unscoredIterations()}). A worker that JMH starts or ends inside
 * the iteration counts from or to the profiler's call that sees it.
 *
 * <h2>Assumptions and Guarantees</h2>
 * JMH calls {@link #beforeIteration} and {@link #afterIteration} in turn on one thread. Where the
 * JVM cannot measure thread CPU time the profiler reports nothing.
 */
public final class ThreadCpuProfiler implements InternalProfiler {
    /** The secondary metric's name in JMH's results. */
    public static final String METRIC = "cpu.time.norm";
    /** The part of a thread's name that marks a JMH worker. */
    static final String WORKER_MARK = "-jmh-worker-";

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    /** CPU time of each worker at the start of the iteration, by thread id. */
    private final Map<Long, Long> startNanos = new HashMap<>();

    public ThreadCpuProfiler() {
        if (threads.isThreadCpuTimeSupported() && !threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
    }

    @Override
    public String getDescription() {
        return "CPU time of the benchmark's worker threads per operation (ThreadMXBean), as " + METRIC;
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        startNanos.clear();
        if (threads.isThreadCpuTimeSupported()) {
            startNanos.putAll(workerCpuNanos());
        }
    }

    @Override
    public Collection<? extends Result<?>> afterIteration(
            BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
        if (!threads.isThreadCpuTimeSupported()) {
            return List.of();
        }
        long ops = result.getMetadata().getMeasuredOps();
        if (ops <= 0) {
            return List.of();
        }
        long spent = 0;
        for (Map.Entry<Long, Long> e : workerCpuNanos().entrySet()) {
            spent += e.getValue() - startNanos.getOrDefault(e.getKey(), 0L);
        }
        return List.of(new ScalarResult(METRIC, (double) spent / ops, "ns/op", AggregationPolicy.AVG));
    }

    /** CPU nanoseconds of every live JMH worker thread, by id; a thread that ended is left out. */
    Map<Long, Long> workerCpuNanos() {
        Map<Long, Long> out = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null || !info.getThreadName().contains(WORKER_MARK)) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu >= 0) {
                out.put(info.getThreadId(), cpu);
            }
        }
        return out;
    }
}

package org.devmirror.gate.ab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.IterationResultMetaData;
import org.openjdk.jmh.results.Result;

/**
 * The profiler counts the CPU time of JMH's worker threads between its two calls, per measured
 * operation: not the time a worker waited, and not another thread's work.
 */
class ThreadCpuProfilerTest {
    private static final long OPS = 1_000;

    @Test
    void countsTheWorkersCpuTimeAndNotAnotherThreadsNorTimeSpentWaiting() throws Exception {
        ThreadCpuProfiler profiler = new ThreadCpuProfiler();
        AtomicLong workerCpu = new AtomicLong();
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch measured = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread worker = new Thread(
                () -> {
                    started.countDown();
                    await(go);
                    long t0 = cpuNow();
                    burn(30);
                    sleep(60); // waiting costs no CPU: a wall clock would count it
                    workerCpu.set(cpuNow() - t0);
                    measured.countDown();
                    await(release); // a JMH worker outlives its iterations
                },
                "org.devmirror.bench.X.x-jmh-worker-1");
        Thread neighbour = new Thread(
                () -> {
                    started.countDown();
                    await(go);
                    burn(60);
                },
                "neighbour");
        worker.start();
        neighbour.start();
        started.await();
        profiler.beforeIteration(null, null);
        go.countDown();
        measured.await();
        neighbour.join();
        Collection<? extends Result<?>> results = profiler.afterIteration(
                null, null, new IterationResult(null, null, new IterationResultMetaData(OPS, OPS)));
        release.countDown();
        worker.join();

        assertEquals(1, results.size());
        Result<?> r = results.iterator().next();
        assertEquals(ThreadCpuProfiler.METRIC, r.getLabel());
        assertEquals("ns/op", r.getScoreUnit());
        // The worker's own measure of its CPU time, give or take its last moments after t0's read.
        double expected = (double) workerCpu.get() / OPS;
        assertEquals(expected, r.getScore(), expected * 0.1 + 2_000_000.0 / OPS, "ns/op");
        assertTrue(r.getScore() < 60_000_000.0 / OPS, "neither the sleep nor the neighbour counts: " + r.getScore());
    }

    @Test
    void anIterationWithoutMeasuredOperationsReportsNothing() {
        ThreadCpuProfiler profiler = new ThreadCpuProfiler();
        profiler.beforeIteration(null, null);
        assertTrue(
                profiler.afterIteration(null, null, new IterationResult(null, null, new IterationResultMetaData(0, 0)))
                        .isEmpty());
    }

    private static long cpuNow() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** Spins until this thread has used {@code millis} of CPU. */
    private static void burn(long millis) {
        long end = cpuNow() + millis * 1_000_000;
        long x = 0;
        while (cpuNow() < end) {
            x += System.nanoTime() & 1;
        }
        if (x == 42) {
            System.out.print(""); // keeps the loop from being removed
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

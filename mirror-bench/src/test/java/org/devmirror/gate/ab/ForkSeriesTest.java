package org.devmirror.gate.ab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeMap;
import org.devmirror.bench.report.BenchMetric;
import org.devmirror.bench.report.BenchResult;
import org.junit.jupiter.api.Test;

/** A round's score per benchmark is the median of its fork's iterations, in nanoseconds per operation. */
class ForkSeriesTest {

    private static BenchResult fork(String benchmark, String mode, String unit, double... iterations) {
        double mean = java.util.Arrays.stream(iterations).average().orElseThrow();
        return new BenchResult(
                benchmark,
                mode,
                new TreeMap<>(),
                new BenchMetric(mean, Double.NaN, unit, new double[][] {iterations}),
                new TreeMap<>());
    }

    @Test
    void aDisturbedShotDoesNotMoveTheForkScore() {
        // Four shots of 10 us and one a GC pause hit: the mean would be 208 us.
        BenchResult r = fork("org.devmirror.bench.InvalidateBench.invalidate", "ss", "us/op", 10, 10, 10, 1000, 10);

        assertEquals(10_000, ForkSeries.medianNanosPerOp(r), 1e-9);
    }

    @Test
    void throughputIsInvertedAfterTheMedian() {
        BenchResult r = fork("org.devmirror.bench.X.y", "thrpt", "ops/us", 1, 2, 4);

        assertEquals(500, ForkSeries.medianNanosPerOp(r), 1e-9);
    }

    /** One fork of {@code A.a} whose iterations read {@code wall} by JMH's clock and {@code cpu} by the worker's. */
    private static BenchResult cpuAndWallFork(double[] wall, double[] cpu) {
        TreeMap<String, BenchMetric> secondary = new TreeMap<>();
        secondary.put(ThreadCpuProfiler.METRIC, new BenchMetric(Double.NaN, Double.NaN, "ns/op", new double[][] {cpu}));
        return new BenchResult(
                "org.devmirror.bench.A.a",
                "avgt",
                new TreeMap<>(),
                new BenchMetric(Double.NaN, Double.NaN, "ns/op", new double[][] {wall}),
                secondary);
    }

    /** The score of {@code r} as a round of one fork under {@code clock}. */
    private static double score(ForkClock clock, BenchResult r) {
        ForkSeries s = new ForkSeries(clock);
        s.addRound(List.of(r));
        return s.nanosPerOp("A.a")[0];
    }

    @Test
    void theCpuClockScoresAForkByTheMedianOfItsCpuTimeIterations() {
        // Wall clock 500-900 ns (a neighbour held the core in two iterations), CPU time 410-430.
        BenchResult r = cpuAndWallFork(new double[] {500, 900, 800, 700}, new double[] {430, 410, 420, 425});

        assertEquals(420, score(ForkClock.THREAD_CPU, r));
        assertEquals(750, score(ForkClock.WALL, r));
    }

    @Test
    void theCpuClockLeavesOutTheLastIterationWhichAlsoCountsTheTrialTeardown() {
        // The last iteration read 60 ns/op more: the worker closed the host inside it.
        BenchResult r = cpuAndWallFork(new double[] {430, 410, 480}, new double[] {430, 410, 480});

        assertEquals(420, score(ForkClock.THREAD_CPU, r));
        assertEquals(430, score(ForkClock.WALL, r));
    }

    @Test
    void aCpuClockForkOfOneIterationIsScoredByIt() {
        assertEquals(415, score(ForkClock.THREAD_CPU, cpuAndWallFork(new double[] {500}, new double[] {415})));
    }

    @Test
    void aForkWithoutTheCpuMetricIsRejectedUnderTheCpuClock() {
        ForkSeries s = new ForkSeries(ForkClock.THREAD_CPU);

        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> s.addRound(List.of(fork("org.devmirror.bench.A.a", "avgt", "ns/op", 5))));

        assertTrue(e.getMessage().startsWith("A.a has no cpu.time.norm"), e.getMessage());
        assertEquals(0, s.rounds());
    }

    @Test
    void roundsPairBenchmarksByIndex() {
        ForkSeries s = new ForkSeries(ForkClock.WALL);
        s.addRound(List.of(
                fork("org.devmirror.bench.A.a", "avgt", "ns/op", 5, 7, 6),
                fork("org.devmirror.bench.B.b", "avgt", "ns/op", 1)));
        s.addRound(List.of(
                fork("org.devmirror.bench.A.a", "avgt", "ns/op", 8),
                fork("org.devmirror.bench.B.b", "avgt", "ns/op", 2)));

        assertEquals(2, s.rounds());
        assertArrayEquals(new double[] {6, 8}, s.nanosPerOp("A.a"));
        assertEquals("org.devmirror.bench.B.b", s.benchmarkOf("B.b"));
    }

    @Test
    void aRoundMissingABenchmarkIsRejectedAndNotAdded() {
        ForkSeries s = new ForkSeries(ForkClock.WALL);
        s.addRound(List.of(
                fork("org.devmirror.bench.A.a", "avgt", "ns/op", 5),
                fork("org.devmirror.bench.B.b", "avgt", "ns/op", 1)));

        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> s.addRound(List.of(fork("org.devmirror.bench.A.a", "avgt", "ns/op", 5))));

        assertTrue(e.getMessage().startsWith("round 1 measured [A.a] but earlier rounds measured"), e.getMessage());
        assertEquals(1, s.rounds());
        assertArrayEquals(new double[] {5}, s.nanosPerOp("A.a"));
    }
}

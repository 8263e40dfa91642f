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

    @Test
    void theCpuClockScoresAForkByTheMedianOfItsCpuTimeIterations() {
        // Wall clock 500-900 ns (a neighbour held the core in two iterations), CPU time 410-430.
        TreeMap<String, BenchMetric> secondary = new TreeMap<>();
        secondary.put(ThreadCpuProfiler.METRIC, new BenchMetric(420, Double.NaN, "ns/op", new double[][] {
            {430, 410, 420}
        }));
        BenchResult r = new BenchResult(
                "org.devmirror.bench.A.a",
                "avgt",
                new TreeMap<>(),
                new BenchMetric(733, Double.NaN, "ns/op", new double[][] {{500, 900, 800}}),
                secondary);
        ForkSeries cpu = new ForkSeries(ForkClock.THREAD_CPU);
        ForkSeries wall = new ForkSeries(ForkClock.WALL);
        cpu.addRound(List.of(r));
        wall.addRound(List.of(r));

        assertArrayEquals(new double[] {420}, cpu.nanosPerOp("A.a"));
        assertArrayEquals(new double[] {800}, wall.nanosPerOp("A.a"));
    }

    @Test
    void theCpuClockLeavesOutTheLastIterationWhichAlsoCountsTheTrialTeardown() {
        // The last iteration read 60 ns/op more: the worker closed the host inside it.
        TreeMap<String, BenchMetric> secondary = new TreeMap<>();
        secondary.put(ThreadCpuProfiler.METRIC, new BenchMetric(440, Double.NaN, "ns/op", new double[][] {
            {430, 410, 480}
        }));
        BenchResult r = new BenchResult(
                "org.devmirror.bench.A.a",
                "avgt",
                new TreeMap<>(),
                new BenchMetric(440, Double.NaN, "ns/op", new double[][] {{430, 410, 480}}),
                secondary);
        ForkSeries cpu = new ForkSeries(ForkClock.THREAD_CPU);
        ForkSeries wall = new ForkSeries(ForkClock.WALL);
        cpu.addRound(List.of(r));
        wall.addRound(List.of(r));

        assertArrayEquals(new double[] {420}, cpu.nanosPerOp("A.a"));
        assertArrayEquals(new double[] {430}, wall.nanosPerOp("A.a"));
    }

    @Test
    void aCpuClockForkOfOneIterationIsScoredByIt() {
        TreeMap<String, BenchMetric> secondary = new TreeMap<>();
        secondary.put(ThreadCpuProfiler.METRIC, new BenchMetric(415, Double.NaN, "ns/op", new double[][] {{415}}));
        ForkSeries cpu = new ForkSeries(ForkClock.THREAD_CPU);
        cpu.addRound(List.of(new BenchResult(
                "org.devmirror.bench.A.a",
                "avgt",
                new TreeMap<>(),
                new BenchMetric(500, Double.NaN, "ns/op", new double[][] {{500}}),
                secondary)));

        assertArrayEquals(new double[] {415}, cpu.nanosPerOp("A.a"));
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

package org.devmirror.bench.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.devmirror.json.JsonInputException;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;

/** Loading JMH 1.37 results from its JSON file and from its Runner API gives the same model. */
class JmhResultsTest {

    private static final String INVALIDATE = "org.devmirror.bench.InvalidateBench.invalidate";

    private static List<RunResult> twoBenchmarks() {
        Map<String, String> workload = new LinkedHashMap<>();
        workload.put("size", "2M"); // JMH keeps declaration order; the model sorts by name
        workload.put("event", "UNMAP");
        RunResult invalidate = JmhRunFixtures.averageTime(
                INVALIDATE, workload, new double[][] {{110, 112, 111}, {120, 118, 119}}, 0.0);
        RunResult fill = JmhRunFixtures.averageTime(
                "org.devmirror.bench.FloorBench.fill",
                Map.of("bytes", "4096"),
                new double[][] {{80, 81, 79}, {90, 91, 89}},
                null);
        return List.of(invalidate, fill);
    }

    @Test
    void jsonAndRunnerApiAgree() throws Exception {
        // Step 1: the same runs through both paths.
        List<RunResult> runs = twoBenchmarks();
        List<BenchResult> fromJson = JmhResults.parseJson(JmhRunFixtures.jmhJson(runs), "r.json");
        List<BenchResult> fromApi = JmhResults.fromRunResults(runs);

        // Step 2: equal, field by field.
        assertEquals(fromApi, fromJson);
    }

    @Test
    void averageTimeRunKeepsEveryField() throws Exception {
        BenchResult r = JmhResults.parseJson(JmhRunFixtures.jmhJson(twoBenchmarks()), "r.json")
                .get(0);

        assertEquals(INVALIDATE, r.benchmark());
        assertEquals("avgt", r.mode());
        assertEquals(List.of("event", "size"), List.copyOf(r.params().keySet()));
        assertEquals("InvalidateBench.invalidate event=UNMAP size=2M", r.label());
        assertEquals("ns/op", r.unit());
        assertEquals(115.0, r.score(), 1e-9);
        assertTrue(r.scoreError() > 0, "two forks of three iterations give an error estimate");
        assertArrayEquals(new double[] {110, 112, 111, 120, 118, 119}, r.samples(), 1e-9);
        assertArrayEquals(new double[] {111, 119}, r.forkScores(), 1e-9);
        assertEquals(0.0, r.allocBytesPerOp().getAsDouble());
        assertEquals(
                3, r.secondary(BenchResult.GC_ALLOC_RATE_NORM).orElseThrow().forkIterations()[1].length);
    }

    @Test
    void benchmarkWithoutGcProfilerHasNoAllocation() throws Exception {
        BenchResult fill = JmhResults.parseJson(JmhRunFixtures.jmhJson(twoBenchmarks()), "r.json")
                .get(1);

        assertTrue(fill.allocBytesPerOp().isEmpty());
        assertEquals("FloorBench.fill bytes=4096", fill.label());
    }

    @Test
    void sampleModeReadsHistogramMeans() throws Exception {
        // Two forks, two iterations each; JMH writes rawDataHistogram in sample mode.
        RunResult run = JmhRunFixtures.sampleTime("org.devmirror.bench.FaultBench.fault", new long[][][] {
            {{100, 100, 400}, {200}}, {{300, 300}, {50, 150}}
        });
        String json = JmhRunFixtures.jmhJson(List.of(run));
        assertTrue(json.contains("rawDataHistogram"));

        BenchResult fromJson = JmhResults.parseJson(json, "r.json").get(0);
        BenchResult fromApi = JmhResults.fromRunResults(List.of(run)).get(0);

        assertEquals("sample", fromJson.mode());
        assertArrayEquals(new double[] {200, 200, 300, 100}, fromJson.samples(), 1e-9);
        assertArrayEquals(fromApi.samples(), fromJson.samples(), 1e-9);
    }

    @Test
    void jmhNonFiniteStringsAreNumbers() throws Exception {
        // JMH prints NaN as a string: a single fork with a single iteration has no error estimate.
        String json = """
                [ { "benchmark": "a.B.c", "mode": "thrpt",
                    "primaryMetric": { "score": 2.5, "scoreError": "NaN", "scoreUnit": "ops/us",
                                       "rawData": [[2.5]] },
                    "secondaryMetrics": {} } ]""";

        BenchResult r = JmhResults.parseJson(json, "r.json").get(0);

        assertTrue(Double.isNaN(r.scoreError()));
        assertEquals(400.0, r.nanosPerOp().value(), 1e-9, "2.5 ops/us is 400 ns/op");
        assertTrue(Double.isNaN(r.nanosPerOp().error()));
    }

    @Test
    void wrongShapeNamesThePath() {
        String json = """
                [ { "benchmark": "a.B.c", "mode": "avgt",
                    "primaryMetric": { "score": "fast", "scoreError": 1, "scoreUnit": "ns/op", "rawData": [] } } ]""";

        JsonInputException e = assertThrows(JsonInputException.class, () -> JmhResults.parseJson(json, "r.json"));

        assertEquals("$[0].primaryMetric.score", e.path());
        assertTrue(e.getMessage().contains("found string \"fast\""), e.getMessage());
    }

    @Test
    void missingMemberIsNamed() {
        JsonInputException e = assertThrows(
                JsonInputException.class,
                () -> JmhResults.parseJson("[{\"benchmark\": \"a.B.c\", \"mode\": \"avgt\"}]", "r.json"));

        assertEquals("r.json: $[0]: missing member \"primaryMetric\"", e.getMessage());
    }

    @Test
    void truncatedFileReportsPosition() {
        String json = JmhRunFixtures.jmhJson(twoBenchmarks());
        String truncated = json.substring(0, json.lastIndexOf(']')); // the closing bracket is lost

        JsonInputException e = assertThrows(JsonInputException.class, () -> JmhResults.parseJson(truncated, "r.json"));

        assertEquals("Unexpected end-of-input: expected close marker for Array", e.problem());
        long lastLine = truncated.chars().filter(c -> c == '\n').count() + 1;
        assertEquals(lastLine, e.line(), "the end of the input is where it broke");
    }
}

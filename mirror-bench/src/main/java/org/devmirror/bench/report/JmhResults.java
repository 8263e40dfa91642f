package org.devmirror.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.devmirror.json.JsonField;
import org.devmirror.json.JsonInputException;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * Builds {@link BenchResult}s from what JMH 1.37 produces: the JSON file of {@code -rf json} or
 * the {@link RunResult}s its Runner API returns. Both paths yield equal results for the same run.
 *
 * <p>The JSON shape follows JMH's {@code JSONResultFormat}: an array of objects with
 * {@code benchmark}, {@code mode}, optional {@code params} (values are strings),
 * {@code primaryMetric} and {@code secondaryMetrics}, each metric holding {@code score},
 * {@code scoreError}, {@code scoreUnit} and {@code rawData} ({@code [fork][iteration]}). Two JMH
 * particulars are honoured: non-finite numbers are written as the strings {@code "NaN"},
 * {@code "+INF"} and {@code "-INF"}; and in {@code sample} mode the primary metric carries
 * {@code rawDataHistogram} ({@code [fork][iteration][[value, count], ...]}) instead, whose
 * iteration score is the histogram's mean, as JMH computes it. Unknown members are ignored.
 */
public final class JmhResults {
    private JmhResults() {}

    /** Reads a JMH JSON result file. */
    public static List<BenchResult> readJson(Path file) throws IOException, JsonInputException {
        return parseJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** Parses the text of a JMH JSON result file. */
    public static List<BenchResult> parseJson(String text, String source) throws JsonInputException {
        List<BenchResult> results = new ArrayList<>();
        for (JsonField entry : JsonField.root(text, source).elements()) {
            results.add(readResult(entry));
        }
        return results;
    }

    /** Converts the results of JMH's {@code Runner.run()}, in their iteration order. */
    public static List<BenchResult> fromRunResults(Collection<RunResult> runResults) {
        List<BenchResult> results = new ArrayList<>(runResults.size());
        for (RunResult run : runResults) {
            BenchmarkParams bp = run.getParams();
            TreeMap<String, String> params = new TreeMap<>();
            for (String key : bp.getParamsKeys()) {
                params.put(key, bp.getParam(key));
            }
            Result<?> primary = run.getPrimaryResult();
            List<double[]> primaryRaw = new ArrayList<>();
            for (BenchmarkResult fork : run.getBenchmarkResults()) {
                primaryRaw.add(fork.getIterationResults().stream()
                        .mapToDouble(it -> it.getPrimaryResult().getScore())
                        .toArray());
            }
            TreeMap<String, BenchMetric> secondary = new TreeMap<>();
            // JMH declares the map with the raw type Result; read each value through Result<?>.
            for (String name : run.getSecondaryResults().keySet()) {
                Result<?> r = run.getSecondaryResults().get(name);
                secondary.put(name, metric(r, secondaryRaw(run, name)));
            }
            results.add(new BenchResult(
                    bp.getBenchmark(),
                    bp.getMode().shortLabel(),
                    params,
                    metric(primary, primaryRaw.toArray(double[][]::new)),
                    secondary));
        }
        return results;
    }

    private static double[][] secondaryRaw(RunResult run, String name) {
        List<double[]> forks = new ArrayList<>();
        for (BenchmarkResult fork : run.getBenchmarkResults()) {
            List<Double> scores = new ArrayList<>();
            for (IterationResult iteration : fork.getIterationResults()) {
                Result<?> r = iteration.getSecondaryResults().get(name);
                if (r != null) {
                    scores.add(r.getScore());
                }
            }
            forks.add(scores.stream().mapToDouble(Double::doubleValue).toArray());
        }
        return forks.toArray(double[][]::new);
    }

    private static BenchMetric metric(Result<?> r, double[][] raw) {
        return new BenchMetric(r.getScore(), r.getScoreError(), r.getScoreUnit(), raw);
    }

    private static BenchResult readResult(JsonField entry) throws JsonInputException {
        String benchmark = entry.field("benchmark").asString();
        String mode = entry.field("mode").asString();
        TreeMap<String, String> params = new TreeMap<>();
        var paramsField = entry.optionalField("params");
        if (paramsField.isPresent()) {
            for (Map.Entry<String, JsonField> p : paramsField.get().members().entrySet()) {
                params.put(p.getKey(), p.getValue().asString());
            }
        }
        JsonField primaryJson = entry.field("primaryMetric");
        double[][] primaryRaw = primaryJson.optionalField("rawDataHistogram").isPresent()
                ? histogramMeans(primaryJson.field("rawDataHistogram"))
                : rawData(primaryJson);
        BenchMetric primary = readMetric(primaryJson, primaryRaw);
        TreeMap<String, BenchMetric> secondary = new TreeMap<>();
        var secondaryField = entry.optionalField("secondaryMetrics");
        if (secondaryField.isPresent()) {
            for (Map.Entry<String, JsonField> m : secondaryField.get().members().entrySet()) {
                secondary.put(m.getKey(), readMetric(m.getValue(), rawData(m.getValue())));
            }
        }
        return new BenchResult(benchmark, mode, params, primary, secondary);
    }

    private static BenchMetric readMetric(JsonField metric, double[][] raw) throws JsonInputException {
        return new BenchMetric(
                jmhNumber(metric.field("score")),
                jmhNumber(metric.field("scoreError")),
                metric.field("scoreUnit").asString(),
                raw);
    }

    private static double[][] rawData(JsonField metric) throws JsonInputException {
        var raw = metric.optionalField("rawData");
        if (raw.isEmpty()) {
            return new double[0][];
        }
        List<JsonField> forks = raw.get().elements();
        double[][] out = new double[forks.size()][];
        for (int f = 0; f < forks.size(); f++) {
            List<JsonField> iterations = forks.get(f).elements();
            out[f] = new double[iterations.size()];
            for (int i = 0; i < iterations.size(); i++) {
                out[f][i] = jmhNumber(iterations.get(i));
            }
        }
        return out;
    }

    /** Each iteration's histogram {@code [[value, count], ...]} reduced to its mean. */
    private static double[][] histogramMeans(JsonField histogram) throws JsonInputException {
        List<JsonField> forks = histogram.elements();
        double[][] out = new double[forks.size()][];
        for (int f = 0; f < forks.size(); f++) {
            List<JsonField> iterations = forks.get(f).elements();
            out[f] = new double[iterations.size()];
            for (int i = 0; i < iterations.size(); i++) {
                double sum = 0;
                long count = 0;
                for (JsonField bucket : iterations.get(i).elements()) {
                    List<JsonField> pair = bucket.elements();
                    if (pair.size() != 2) {
                        throw bucket.error("expected a [value, count] pair, found " + pair.size() + " elements");
                    }
                    long n = pair.get(1).asLong();
                    if (n < 0) {
                        throw pair.get(1).error("negative sample count " + n);
                    }
                    sum += jmhNumber(pair.get(0)) * n;
                    count += n;
                }
                out[f][i] = count == 0 ? Double.NaN : sum / count;
            }
        }
        return out;
    }

    /** A number as JMH writes it: a JSON number, or one of the strings NaN, +INF, -INF. */
    private static double jmhNumber(JsonField c) throws JsonInputException {
        if (c.isString()) {
            String s = c.asString();
            return switch (s) {
                case "NaN" -> Double.NaN;
                case "+INF" -> Double.POSITIVE_INFINITY;
                case "-INF" -> Double.NEGATIVE_INFINITY;
                default ->
                    throw c.error(
                            "expected a number or one of \"NaN\", \"+INF\", \"-INF\", found string \"" + s + "\"");
            };
        }
        return c.asDouble();
    }
}

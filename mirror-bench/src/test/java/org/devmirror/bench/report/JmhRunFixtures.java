package org.devmirror.bench.report;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.AverageTimeResult;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.IterationResultMetaData;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.SampleTimeResult;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.WorkloadParams;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.SampleBuffer;

/**
 * JMH 1.37 result objects built without running a benchmark, and their JSON as JMH's own
 * {@code JSONResultFormat} writes it: the loader is tested against the real writer, not against
 * a hand-written imitation of its output.
 */
final class JmhRunFixtures {
    private JmhRunFixtures() {}

    static BenchmarkParams params(String benchmark, Mode mode, Map<String, String> workload, int forks) {
        WorkloadParams wp = new WorkloadParams();
        int order = 0;
        for (Map.Entry<String, String> e : workload.entrySet()) {
            wp.put(e.getKey(), e.getValue(), order++);
        }
        IterationParams warmup = new IterationParams(IterationType.WARMUP, 2, TimeValue.seconds(1), 1);
        IterationParams measurement = new IterationParams(IterationType.MEASUREMENT, 3, TimeValue.seconds(1), 1);
        return new BenchmarkParams(
                benchmark,
                benchmark + "_generated",
                true,
                1,
                new int[] {1},
                List.of(),
                forks,
                0,
                warmup,
                measurement,
                mode,
                wp,
                TimeUnit.NANOSECONDS,
                1,
                "/usr/bin/java",
                List.of("-Xmx1g"),
                "25",
                "OpenJDK 64-Bit Server VM",
                "25+36",
                "1.37",
                TimeValue.minutes(10));
    }

    /**
     * An average-time run: {@code nanos[f][i]} is iteration {@code i} of fork {@code f}, and
     * {@code allocBytes} (when not null) the {@code gc.alloc.rate.norm} of every iteration.
     */
    static RunResult averageTime(String benchmark, Map<String, String> workload, double[][] nanos, Double allocBytes) {
        BenchmarkParams bp = params(benchmark, Mode.AverageTime, workload, nanos.length);
        List<BenchmarkResult> forks = new ArrayList<>();
        for (double[] fork : nanos) {
            List<IterationResult> iterations = new ArrayList<>();
            for (double ns : fork) {
                IterationResult ir =
                        new IterationResult(bp, bp.getMeasurement(), new IterationResultMetaData(1000, 1000));
                // 1000 operations taking 1000 * ns nanoseconds: the iteration's score is ns ns/op.
                ir.addResult(new AverageTimeResult(
                        ResultRole.PRIMARY, "", 1000, Math.round(ns * 1000), TimeUnit.NANOSECONDS));
                if (allocBytes != null) {
                    ir.addResult(new ScalarResult("gc.alloc.rate.norm", allocBytes, "B/op", AggregationPolicy.AVG));
                }
                iterations.add(ir);
            }
            forks.add(new BenchmarkResult(bp, iterations));
        }
        return new RunResult(bp, forks);
    }

    /** A sample-time run: {@code samples[f][i]} are the sampled latencies (ns) of iteration {@code i} of fork {@code f}. */
    static RunResult sampleTime(String benchmark, long[][][] samples) {
        BenchmarkParams bp = params(benchmark, Mode.SampleTime, Map.of(), samples.length);
        List<BenchmarkResult> forks = new ArrayList<>();
        for (long[][] fork : samples) {
            List<IterationResult> iterations = new ArrayList<>();
            for (long[] iteration : fork) {
                SampleBuffer buffer = new SampleBuffer();
                for (long s : iteration) {
                    buffer.add(s);
                }
                IterationResult ir = new IterationResult(
                        bp, bp.getMeasurement(), new IterationResultMetaData(iteration.length, iteration.length));
                ir.addResult(new SampleTimeResult(ResultRole.PRIMARY, "", buffer, TimeUnit.NANOSECONDS));
                iterations.add(ir);
            }
            forks.add(new BenchmarkResult(bp, iterations));
        }
        return new RunResult(bp, forks);
    }

    /** The text JMH's {@code -rf json} writes for {@code runs}. */
    static String jmhJson(Collection<RunResult> runs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(runs);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}

package org.devmirror.bench.suite;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH output for {@code ./devmirror bench}: JMH's own log goes to a file (through
 * {@code delegate}) and the console gets one line per benchmark when it ends, with its score, so
 * that a run of many minutes shows where it is without JMH's page of text per fork.
 */
final class ProgressOutput implements OutputFormat {
    private final OutputFormat delegate;
    private final PrintStream console;
    private final int expected;
    private int finished;
    private long benchmarkStartNanos;

    /**
     * @param delegate JMH's normal output, writing its log
     * @param console  where the progress lines go
     * @param expected how many benchmarks the run will execute, for "[k/n]"
     */
    ProgressOutput(OutputFormat delegate, PrintStream console, int expected) {
        this.delegate = delegate;
        this.console = console;
        this.expected = expected;
    }

    /** Benchmarks finished so far in every run this output has seen. */
    int finished() {
        return finished;
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        benchmarkStartNanos = System.nanoTime();
        delegate.startBenchmark(params);
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        delegate.endBenchmark(result);
        finished++;
        BenchmarkParams p = result.getParams();
        StringBuilder label = new StringBuilder(simpleName(p.getBenchmark()));
        for (String key : p.getParamsKeys()) {
            label.append(' ').append(key).append('=').append(p.getParam(key));
        }
        Result<?> primary = result.getPrimaryResult();
        Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
        console.printf(
                Locale.ROOT,
                "[%d/%d] %-64s %12.3f \u00b1 %9.3f %-6s%s  (%.1f s)%n",
                finished,
                expected,
                label,
                primary.getScore(),
                primary.getScoreError(),
                primary.getScoreUnit(),
                alloc == null ? "" : String.format(Locale.ROOT, "  %.1f B/op", alloc.getScore()),
                (System.nanoTime() - benchmarkStartNanos) / 1e9);
        console.flush();
    }

    private static String simpleName(String benchmark) {
        int method = benchmark.lastIndexOf('.');
        int type = method <= 0 ? -1 : benchmark.lastIndexOf('.', method - 1);
        return benchmark.substring(type + 1);
    }

    @Override
    public void iteration(BenchmarkParams benchParams, IterationParams params, int iteration) {
        delegate.iteration(benchParams, params, iteration);
    }

    @Override
    public void iterationResult(
            BenchmarkParams benchParams, IterationParams params, int iteration, IterationResult data) {
        delegate.iterationResult(benchParams, params, iteration, data);
    }

    @Override
    public void startRun() {
        delegate.startRun();
    }

    @Override
    public void endRun(Collection<RunResult> result) {
        delegate.endRun(result);
    }

    @Override
    public void print(String s) {
        delegate.print(s);
    }

    @Override
    public void println(String s) {
        delegate.println(s);
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void verbosePrintln(String s) {
        delegate.verbosePrintln(s);
    }

    @Override
    public void write(int b) {
        delegate.write(b);
    }

    @Override
    public void write(byte[] b) throws IOException {
        delegate.write(b);
    }
}

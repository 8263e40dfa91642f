package org.devmirror.bench.suite;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.devmirror.bench.ReplayBench;
import org.devmirror.bench.ThreadScalingBench;
import org.devmirror.bench.workload.InjectedWork;
import org.devmirror.trace.ShippedTraces;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the suite through JMH's Runner API: one JMH run per {@link BenchSelection} of the profile,
 * each in forked JVMs of the JDK running this one, with {@code -prof gc}; JMH's log goes to
 * {@code jmh.log} in the output directory and one progress line per benchmark to the console.
 *
 * <p>A selection with a {@value ThreadScalingBench#THREADS} parameter (the thread scaling
 * benchmark's) runs as one JMH run per value, with JMH's thread count set to that value, so the
 * value labels the result of a run with as many threads.
 */
public final class SuiteRunner {
    /**
     * Heap for the forks (1 Mi interval notifiers and TreeMap entries need about a gigabyte), and
     * the oracle's checkers off ({@link ForkJvm}).
     *
     * <p>The young generation is fixed at 64 MiB ({@code -Xmn64m}) because G1 otherwise grows it
     * while a benchmark that allocates runs, and every region it grows into is memory the process
     * touches for the first time. Where the host backs a virtual machine's memory lazily (the
     * Firecracker guest this suite was measured on) such a first touch costs microseconds per
     * page: an munmap with nothing subscribed then took 8 us per operation for a second and
     * 31 us for the next three, or the on-heap mirror's CLEAR of 2 MiB 230 us against 28 us, in
     * the same fork, and fell back after the next collection. With the young generation fixed,
     * its 64 MiB are touched within the first half second of warm-up and reused from then
     * on: the same benchmarks held 5.2 us and 28 us from the first second to the last iteration
     * (docs/perf.md, "First touches"). {@code -XX:+AlwaysPreTouch} steadied them as well but
     * took 4 seconds per fork to touch the 2 GiB heap.
     */
    static final List<String> FORK_JVM_ARGS = Stream.concat(
                    Stream.of("-Xms2g", "-Xmx2g", "-Xmn64m", "--enable-native-access=ALL-UNNAMED"),
                    ForkJvm.CHECKERS_OFF.stream())
            .toList();

    private final BenchProfile profile;
    private final Map<String, List<String>> params;
    private final Pattern include;
    private final PrintStream console;

    /**
     * @param include a regular expression found in the benchmark name
     *                ({@code org.devmirror.bench.Class.method}) of every benchmark to run
     */
    public SuiteRunner(BenchProfile profile, Pattern include, PrintStream console) {
        this(profile, include, Map.of(), console);
    }

    /**
     * @param params {@code @Param} values that override both the annotations and the profile's
     *               choices, by parameter name (the command's {@code --param}), for a documented subset
     */
    public SuiteRunner(BenchProfile profile, Pattern include, Map<String, List<String>> params, PrintStream console) {
        this.params = Map.copyOf(params);
        this.profile = profile;
        this.include = include;
        this.console = console;
    }

    /** How many benchmark runs (method and parameter combination) the suite will execute. */
    public int plannedRuns() {
        int runs = 0;
        for (BenchSelection s : selections()) {
            runs += planned(s);
        }
        return runs;
    }

    /**
     * The profile's selections, less any that the command line's {@code --param} made the same as
     * an earlier one (same benchmarks, same parameter values): the quick profile times
     * {@code InvalidateBench} twice with different parameters, which {@code --param} can make equal.
     */
    private List<BenchSelection> selections() {
        List<BenchSelection> out = new ArrayList<>();
        Set<List<Object>> seen = new HashSet<>();
        for (BenchSelection s : profile.selections()) {
            if (seen.add(List.of(s.benchmarks(), paramsOf(s)))) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Runs every included benchmark, logging JMH's output to {@code log}, and returns the results
     * in run order.
     */
    public List<RunResult> run(Path log) throws IOException, RunnerException {
        int expected = plannedRuns();
        List<RunResult> results = new ArrayList<>();
        try (OutputStream logOut = Files.newOutputStream(log);
                PrintStream logStream = new PrintStream(logOut, true, StandardCharsets.UTF_8)) {
            OutputFormat jmhLog = OutputFormatFactory.createFormatInstance(logStream, VerboseMode.NORMAL);
            ProgressOutput progress = new ProgressOutput(jmhLog, console, expected);
            for (BenchSelection s : selections()) {
                if (planned(s) > 0) {
                    for (Map<String, List<String>> p : byThreadCount(paramsOf(s))) {
                        results.addAll(new Runner(options(s, p).build(), progress).run());
                    }
                }
            }
        }
        return results;
    }

    /**
     * The selection's {@code @Param} overrides with the command line's on top, over the shipped
     * traces ({@link ShippedTraces}) as the replay benchmark's {@code trace} values.
     */
    private Map<String, List<String>> paramsOf(BenchSelection selection) {
        Map<String, List<String>> merged = new java.util.LinkedHashMap<>();
        Path traces = tracesDirectory();
        if (traces != null && selection.benchmarks().contains(ReplayBench.class.getSimpleName())) {
            merged.put("trace", shippedTraceNames(traces));
        }
        merged.putAll(selection.params());
        merged.putAll(params);
        return merged;
    }

    private static List<String> shippedTraceNames(Path traces) {
        try {
            return ShippedTraces.names(traces);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the shipped traces in " + traces, e);
        }
    }

    /** Writes {@code results} as JMH's JSON result file. */
    public static void writeJson(Collection<RunResult> results, Path file) throws IOException {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(results);
        }
    }

    /**
     * {@code params} as the parameters of one JMH run each: one per value of
     * {@value ThreadScalingBench#THREADS} when it has that parameter, else {@code params} alone.
     */
    static List<Map<String, List<String>>> byThreadCount(Map<String, List<String>> params) {
        List<String> counts = params.get(ThreadScalingBench.THREADS);
        if (counts == null) {
            return List.of(params);
        }
        List<Map<String, List<String>>> out = new ArrayList<>();
        for (String t : counts) {
            Map<String, List<String>> one = new java.util.LinkedHashMap<>(params);
            one.put(ThreadScalingBench.THREADS, List.of(t));
            out.add(one);
        }
        return out;
    }

    /** The JMH options of {@code selection} with {@code params}; JMH's thread count is their {@value ThreadScalingBench#THREADS}, else 1. */
    ChainedOptionsBuilder options(BenchSelection selection, Map<String, List<String>> params) {
        List<String> threads = params.get(ThreadScalingBench.THREADS);
        if (threads != null && threads.size() != 1) {
            throw new IllegalArgumentException("threads=" + threads + ": one JMH run has one thread count");
        }
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(includeRegex(selection.benchmarks()))
                .jvm(Path.of(System.getProperty("java.home"), "bin", "java").toString())
                .jvmArgsAppend(forkJvmArgs())
                .forks(profile.forks())
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .threads(threads == null ? 1 : Integer.parseInt(threads.getFirst()));
        BenchSelection.Timing t = selection.timing();
        o.warmupIterations(t.warmupIterations()).measurementIterations(t.measurementIterations());
        if (!t.isSingleShot()) {
            o.warmupTime(TimeValue.milliseconds(t.warmupMillis()))
                    .measurementTime(TimeValue.milliseconds(t.measurementMillis()));
        }
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            o.param(p.getKey(), p.getValue().toArray(String[]::new));
        }
        return o;
    }

    /** The fork JVM arguments, passing on the test-only injection switch when it is set. */
    static String[] forkJvmArgs() {
        List<String> args = new ArrayList<>(FORK_JVM_ARGS);
        Path traces = tracesDirectory();
        if (traces != null) {
            args.add("-D" + ReplayBench.TRACES_PROPERTY + "=" + traces);
        }
        if (InjectedWork.ACTIVE != InjectedWork.NONE) {
            args.add("-D" + InjectedWork.PROPERTY + "=" + InjectedWork.ACTIVE.propertyValue());
        }
        return args.toArray(String[]::new);
    }

    /**
     * The shipped traces for {@code ReplayBench}, as an absolute path: {@code examples/traces}
     * under the working directory, else next to the jar's project ({@code mirror-bench/target/..}
     * up two levels); {@code null} when neither exists (the benchmark then says so).
     */
    public static Path tracesDirectory() {
        Path cwd = Path.of("examples", "traces").toAbsolutePath();
        if (Files.isDirectory(cwd)) {
            return cwd;
        }
        try {
            Path jar = Path.of(SuiteRunner.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path root = jar.getParent() == null ? null : jar.getParent().getParent();
            Path traces = root == null || root.getParent() == null
                    ? null
                    : root.getParent().resolve("examples").resolve("traces");
            return traces != null && Files.isDirectory(traces) ? traces : null;
        } catch (java.net.URISyntaxException | SecurityException e) {
            return null;
        }
    }

    /**
     * One regex JMH finds in the benchmark names of {@code benchmarks} (simple class names, or
     * {@code Class.methodPrefix}) that the user's {@code --include} also matches: a lookahead for
     * the user's expression, then the benchmarks.
     */
    String includeRegex(List<String> benchmarks) {
        List<String> alternatives = new ArrayList<>();
        for (String b : benchmarks) {
            alternatives.add(Pattern.quote(b) + (b.indexOf('.') < 0 ? "\\." : ""));
        }
        return "^(?=.*(?:" + include.pattern() + "))" + Pattern.quote(BenchSuite.PACKAGE + ".") + "(?:"
                + String.join("|", alternatives) + ")";
    }

    private int planned(BenchSelection selection) {
        Pattern p = Pattern.compile(includeRegex(selection.benchmarks()));
        Map<String, List<String>> overrides = paramsOf(selection);
        int runs = 0;
        for (BenchmarkListEntry e : BenchmarkList.defaultList().getAll(SILENT, List.of())) {
            if (!p.matcher(e.getUsername()).find()) {
                continue;
            }
            int combos = 1;
            Map<String, String[]> params = e.getParams().orElse(Map.of());
            for (Map.Entry<String, String[]> param : params.entrySet()) {
                List<String> o = overrides.get(param.getKey());
                combos *= o != null ? o.size() : param.getValue().length;
            }
            runs += combos;
        }
        return runs;
    }

    private static final OutputFormat SILENT = OutputFormatFactory.createFormatInstance(
            new PrintStream(OutputStream.nullOutputStream()), VerboseMode.SILENT);
}

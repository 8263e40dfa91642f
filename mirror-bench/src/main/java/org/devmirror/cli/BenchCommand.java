package org.devmirror.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.devmirror.bench.report.BenchReport;
import org.devmirror.bench.report.BenchResult;
import org.devmirror.bench.report.JmhResults;
import org.devmirror.bench.report.MachineInfo;
import org.devmirror.bench.report.TargetOutcome;
import org.devmirror.bench.suite.BenchProfile;
import org.devmirror.bench.suite.BenchSuite;
import org.devmirror.bench.suite.NetResults;
import org.devmirror.bench.suite.ReplayWorkTable;
import org.devmirror.bench.suite.SuitePlots;
import org.devmirror.bench.suite.SuiteRunner;
import org.devmirror.device.driver.PolicyResolver;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./devmirror bench [--quick | --full] [--include REGEX] [--param NAME=V1,V2]... [--out DIR]}: runs the benchmark
 * suite in forked JVMs (which inherit this JVM's class path, so {@code --param policy=CLASS} runs
 * a policy class the launcher's {@code --classpath} added) and writes JMH's JSON ({@code results.json}), JMH's log
 * ({@code jmh.log}), {@code report.md} (targets, tables with the ratio to each benchmark's
 * reference) and the plots as PNG and SVG. Without {@code --full} it runs the quick profile.
 *
 * <p>Exit status (docs/exit-codes.md): 0 when the suite ran (a missed target is reported, not an
 * error: the figures of a noisy shared machine are for reading); 2 for bad input (an invalid
 * regex, no benchmark matching it); 1 when a benchmark failed or another JMH run holds JMH's lock;
 * 3 for an internal error.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Runs the JMH benchmark suite and writes results.json, report.md and plots.")
public final class BenchCommand implements Callable<Integer> {

    static final class ProfileChoice {
        @Option(names = "--quick", description = "Under 5 minutes on 2 cores: one fork, short iterations (default).")
        boolean quick;

        @Option(names = "--full", description = "The publishable run: every parameter, 3 forks, longer iterations.")
        boolean full;
    }

    @CommandLine.ArgGroup(exclusive = true)
    ProfileChoice profileChoice;

    @Option(
            names = "--include",
            paramLabel = "REGEX",
            defaultValue = ".*",
            description = "Run only benchmarks whose name (org.devmirror.bench.Class.method) contains a match.")
    String include;

    @Option(
            names = "--param",
            paramLabel = "NAME=V1,V2",
            description = "Run only these @Param values (repeatable), e.g. --param size=4K,2M: a documented subset;"
                    + " --param policy=all runs every shipped policy.")
    Map<String, String> params;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default target/bench/<timestamp>).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        BenchProfile profile = profileChoice != null && profileChoice.full ? BenchProfile.FULL : BenchProfile.QUICK;
        Pattern includePattern;
        try {
            includePattern = Pattern.compile(include);
        } catch (PatternSyntaxException e) {
            throw new BadInputException(
                    "devmirror bench: --include " + include + " is not a regular expression: " + e.getDescription());
        }
        Map<String, List<String>> paramValues = new LinkedHashMap<>();
        if (params != null) {
            for (Map.Entry<String, String> p : params.entrySet()) {
                List<String> values = List.of(p.getValue().split(","));
                if (p.getKey().isBlank() || values.isEmpty() || values.stream().anyMatch(String::isBlank)) {
                    throw new BadInputException(
                            "devmirror bench: --param " + p.getKey() + "=" + p.getValue() + " is not NAME=V1,V2,...");
                }
                paramValues.put(p.getKey(), values);
            }
        }
        if (paramValues.containsKey("policy")) {
            // The forks inherit this JVM's class path (the launcher's --classpath): a name that does
            // not resolve here fails in every fork, so refuse it before the first one starts. 'all'
            // becomes every shipped name, which is what the forks receive.
            List<String> names = new ArrayList<>();
            for (String name : paramValues.get("policy")) {
                try {
                    PolicyResolver.resolveAll("--param policy", name);
                } catch (IllegalArgumentException e) {
                    throw new BadInputException("devmirror bench: " + e.getMessage());
                }
                names.addAll(
                        name.equals(PolicyResolver.ALL)
                                ? PolicyResolver.shipped().keySet()
                                : List.of(name));
            }
            paramValues.put("policy", List.copyOf(names));
        }
        SuiteRunner runner = new SuiteRunner(profile, includePattern, paramValues, System.out);
        int planned = runner.plannedRuns();
        if (planned == 0) {
            throw new BadInputException("devmirror bench: no benchmark matches --include " + include);
        }
        Path dir = out != null
                ? out
                : Path.of(
                        "target",
                        "bench",
                        LocalDateTime.now(ZoneId.systemDefault())
                                .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        System.out.printf(
                "devmirror bench: %s profile, %d benchmark runs, output in %s%n",
                profile.name().toLowerCase(Locale.ROOT), planned, dir.toAbsolutePath());

        List<RunResult> runResults;
        try {
            runResults = runner.run(dir.resolve("jmh.log"));
        } catch (RunnerException e) {
            if (String.valueOf(e.getMessage()).contains("JMH lock")) {
                // Another JMH run on this machine holds JMH's lock file: an expected situation on a
                // shared machine, not a crash, so say what to do instead of printing a stack trace.
                err.println("devmirror bench: another JMH run holds its lock (" + e.getMessage() + ").");
                err.println("  Wait for it to finish, or run next to it with DEVMIRROR_JAVA_OPTS=-Djmh.ignoreLock=true"
                        + " (both runs then disturb each other's timings).");
                return 1;
            }
            throw e;
        }
        SuiteRunner.writeJson(runResults, dir.resolve("results.json"));
        List<BenchResult> results = NetResults.withNet(JmhResults.fromRunResults(runResults));
        BenchReport report = new BenchReport(
                MachineInfo.current(LocalDate.now(ZoneId.systemDefault())),
                results,
                BenchSuite.references(),
                BenchSuite.targets());
        Path md = report.write(dir.resolve("report.md"));
        String replay = ReplayWorkTable.markdown(results, ReplayWorkTable.tracesDirectory());
        if (!replay.isEmpty()) {
            Files.writeString(md, replay, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        }
        List<String> plots = new SuitePlots(results).write(dir);

        System.out.println();
        System.out.println("Targets:");
        int met = 0;
        int missed = 0;
        int undecided = 0;
        for (TargetOutcome o : report.targetOutcomes()) {
            System.out.printf("  %-13s %-70s %s%n", o.status(), o.target().description(), o.shown());
            switch (o.status()) {
                case MET -> met++;
                case MISSED -> missed++;
                case UNDECIDED -> undecided++;
                case NOT_MEASURED -> {}
            }
        }
        System.out.printf(
                "%d benchmark results; targets: %d met, %d missed, %d undecided, %d not measured; plots: %s%n",
                results.size(),
                met,
                missed,
                undecided,
                report.targetOutcomes().size() - met - missed - undecided,
                plots.isEmpty() ? "none" : String.join(", ", plots));
        System.out.println("Report: " + md.toAbsolutePath());
        return 0;
    }
}

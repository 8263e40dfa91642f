package org.devmirror.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.devmirror.bench.suite.SuiteRunner;
import org.devmirror.compare.ComparisonReport;
import org.devmirror.compare.PolicyComparison;
import org.devmirror.compare.PolicyComparison.NamedTrace;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.input.InputFile;
import org.devmirror.replay.ReplayLimitException;
import org.devmirror.replay.ReplayModel;
import org.devmirror.trace.ShippedTraces;
import org.devmirror.trace.StraceReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./devmirror compare [--policy all|LIST] [--cost-profile NAME|FILE] [--out DIR] [TRACE...]}:
 * replays every trace (default: every shipped trace, {@link ShippedTraces}) under every policy
 * (default: every shipped policy, {@link PolicyResolver#shipped()}) with the oracle on, and writes
 * {@code DIR/report.md} and its plot ({@link ComparisonReport}); prints the report's first table.
 * A TRACE is a file, or the name of a shipped trace. Every trace is read and every policy resolved
 * before the first replay: bad input anywhere exits 2 and nothing runs. Exit status 0 when the
 * oracle stayed clean under every policy on every trace, 1 when it caught one (the report marks
 * that policy unsafe), 2 for bad input, 3 for an internal error (docs/exit-codes.md).
 */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description =
                "Replay traces under every policy and report which costs the device least (modelled device time).")
public final class CompareCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(
            arity = "0..*",
            paramLabel = "TRACE",
            description = "strace files or shipped trace names (default: every trace in examples/traces)")
    private List<String> traces = new ArrayList<>();

    @Option(
            names = "--policy",
            defaultValue = "all",
            paramLabel = "all|LIST",
            description = "all (every shipped policy) or a comma-separated list of policy names or classes"
                    + " (default: ${DEFAULT-VALUE})")
    private String policy;

    @Mixin
    private CostProfileOption costProfile;

    @Option(
            names = "--out",
            defaultValue = "target/compare",
            paramLabel = "DIR",
            description = "output directory for report.md and the plot (default: ${DEFAULT-VALUE})")
    private Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        CostProfile profile = costProfile.resolve("devmirror compare");
        Map<String, InvalidationPolicy> policies = policies();
        List<NamedTrace> named = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, Path> t : traceFiles().entrySet()) {
            try {
                StraceReader.Trace read = StraceReader.readAll(t.getValue());
                if (read.stats().straceLines() == 0) {
                    errors.add(t.getValue() + ": no strace line in its "
                            + read.stats().lines() + " line(s); compare reads"
                            + " the output of strace -f -e trace=memory,process (docs/replay.md)");
                }
                named.add(new NamedTrace(t.getKey(), read));
            } catch (IOException e) {
                errors.add("devmirror compare: "
                        + InputFile.cannotRead(t.getValue(), e).getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new BadInputException(errors);
        }
        PolicyComparison comparison;
        try {
            comparison = PolicyComparison.run(named, policies, profile, ReplayModel.defaults());
        } catch (ReplayLimitException e) {
            throw new BadInputException("devmirror compare: a trace went beyond a replay limit at line " + e.line()
                    + ": " + e.getMessage());
        }
        Path report = ComparisonReport.write(comparison, out);
        stdout.print(ComparisonReport.decisionTable(comparison).render());
        stdout.println("report: " + report);
        stdout.flush();
        boolean clean = comparison.traces().stream()
                .allMatch(t -> comparison.policies().stream()
                        .allMatch(p -> comparison.result(t, p).oracleClean()));
        return clean ? DevmirrorCommand.EXIT_OK : DevmirrorCommand.EXIT_FAILED;
    }

    /** The policies by report name, in the order named: {@code all} stands for every shipped one. */
    private Map<String, InvalidationPolicy> policies() {
        Map<String, InvalidationPolicy> out = new LinkedHashMap<>();
        try {
            for (String name : policy.split(",", -1)) {
                Map<String, InvalidationPolicy> named = name.equals("all")
                        ? PolicyResolver.shipped()
                        : Map.of(name, PolicyResolver.resolve("--policy", name));
                for (Map.Entry<String, InvalidationPolicy> e : named.entrySet()) {
                    if (out.containsValue(e.getValue()) || out.put(e.getKey(), e.getValue()) != null) {
                        throw new IllegalArgumentException(
                                "--policy " + policy + " names " + e.getKey() + " twice; name each policy once");
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new BadInputException("devmirror compare: " + e.getMessage());
        }
        return out;
    }

    /** The trace files by report name: the shipped ones by default, else each argument (a file, or a shipped name). */
    private Map<String, Path> traceFiles() {
        Path shipped = SuiteRunner.tracesDirectory();
        Map<String, Path> files = new LinkedHashMap<>();
        if (traces.isEmpty()) {
            if (shipped == null) {
                throw new BadInputException("devmirror compare: no TRACE given and no examples/traces directory here"
                        + " or next to the devmirror jar");
            }
            try {
                ShippedTraces.names(shipped).forEach(n -> files.put(n, ShippedTraces.file(shipped, n)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the shipped traces in " + shipped, e);
            }
            return files;
        }
        for (String t : traces) {
            Path file = Path.of(t);
            String name = file.getFileName() == null ? t : file.getFileName().toString();
            if (!Files.exists(file)
                    && shipped != null
                    && !t.contains("/")
                    && Files.isRegularFile(ShippedTraces.file(shipped, t))) {
                file = ShippedTraces.file(shipped, t);
                name = t;
            } else if (name.endsWith(ShippedTraces.EXTENSION) && name.length() > ShippedTraces.EXTENSION.length()) {
                name = name.substring(0, name.length() - ShippedTraces.EXTENSION.length());
            }
            if (files.putIfAbsent(name, file) != null) {
                throw new BadInputException(
                        "devmirror compare: " + t + " names trace " + name + " a second time; name each trace once");
            }
        }
        return files;
    }
}

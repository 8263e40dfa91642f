package org.devmirror.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The {@code report.md} of a benchmark run: a machine header, the targets table, and one table
 * per benchmark class with score, error, bytes per operation and the cost ratio to each
 * benchmark's reference measured in the same run.
 *
 * <p>Ratios are of nanoseconds per operation ({@link BenchResult#nanosPerOp()}) with the error
 * propagated by {@link Estimate#ratioTo}. A benchmark whose reference is mapped but did not run
 * (for instance filtered out by {@code --include}) says so in its ratio cell rather than being
 * silently shown without one.
 */
public final class BenchReport {
    private final MachineInfo machine;
    private final List<BenchResult> results;
    private final ReferenceMapping references;
    private final List<Target> targets;

    public BenchReport(
            MachineInfo machine, List<BenchResult> results, ReferenceMapping references, List<Target> targets) {
        if (machine == null || results == null || references == null || targets == null) {
            throw new IllegalArgumentException("machine, results, references and targets are required; null: "
                    + (machine == null ? "machine " : "") + (results == null ? "results " : "")
                    + (references == null ? "references " : "") + (targets == null ? "targets" : ""));
        }
        this.machine = machine;
        this.results = List.copyOf(results);
        this.references = references;
        this.targets = List.copyOf(targets);
    }

    /** Every target evaluated against this run, in the order given. */
    public List<TargetOutcome> targetOutcomes() {
        List<TargetOutcome> out = new ArrayList<>(targets.size());
        for (Target t : targets) {
            out.add(t.evaluate(results));
        }
        return out;
    }

    /**
     * The cost ratio of {@code result} to its mapped reference; empty when it has no reference
     * or the reference did not run.
     */
    public Optional<Estimate> ratioToReference(BenchResult result) {
        return references
                .referenceOf(result.label())
                .flatMap(this::find)
                .map(ref -> result.nanosPerOp().ratioTo(ref.nanosPerOp()));
    }

    /** The report as Markdown. */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder("# devmirror benchmark report\n\n");
        md.append(new MarkdownTable("Machine", "")
                .row("CPU", machine.cpuModel())
                .row("Cores", Integer.toString(machine.cores()))
                .row("JDK", machine.jdk())
                .row("OS", machine.os())
                .row("Date", machine.date().toString())
                .render());
        if (!targets.isEmpty()) {
            md.append("\n## Targets\n\n");
            MarkdownTable t = new MarkdownTable("Target", "Expression", "Measured>", "Status");
            for (TargetOutcome o : targetOutcomes()) {
                t.row(o.target().description(), o.target().expression(), o.shown(), statusText(o.status()));
            }
            md.append(t.render());
        }
        md.append("\n## Results\n\n")
                .append("Ratio: nanoseconds per operation of the benchmark over those of its reference, ")
                .append("measured in the same run; errors are JMH's 99.9% half-widths, propagated.\n");
        for (Map.Entry<String, List<BenchResult>> group : byClass().entrySet()) {
            md.append("\n### ").append(group.getKey()).append("\n\n");
            MarkdownTable t =
                    new MarkdownTable("Benchmark", "Mode", "Score>", "Error>", "Unit", "B/op>", "Reference", "Ratio>");
            for (BenchResult r : group.getValue()) {
                OptionalDouble alloc = r.allocBytesPerOp();
                Optional<String> ref = references.referenceOf(r.label());
                String ratio = ref.isEmpty()
                        ? ""
                        : ratioToReference(r).map(ReportNumbers::format).orElse("reference did not run");
                t.row(
                        r.label(),
                        r.mode(),
                        ReportNumbers.format(r.score()),
                        ReportNumbers.format(r.scoreError()),
                        r.unit(),
                        alloc.isPresent() ? ReportNumbers.format(alloc.getAsDouble()) : "",
                        ref.orElse(""),
                        ratio);
            }
            md.append(t.render());
        }
        return md.toString();
    }

    /** Writes {@link #toMarkdown()} to {@code file}, creating its directory, and returns the file. */
    public Path write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Files.writeString(file, toMarkdown(), StandardCharsets.UTF_8);
        return file;
    }

    private Map<String, List<BenchResult>> byClass() {
        Map<String, List<BenchResult>> groups = new LinkedHashMap<>();
        for (BenchResult r : results) {
            String label = r.label();
            int space = label.indexOf(' ');
            String method = space < 0 ? label : label.substring(0, space);
            int dot = method.lastIndexOf('.');
            groups.computeIfAbsent(dot < 0 ? method : method.substring(0, dot), k -> new ArrayList<>())
                    .add(r);
        }
        return groups;
    }

    private Optional<BenchResult> find(String label) {
        for (BenchResult r : results) {
            if (r.label().equals(label)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private static String statusText(TargetOutcome.Status s) {
        return switch (s) {
            case MET -> "met";
            case MISSED -> "**missed**";
            case UNDECIDED -> "undecided (error ≥ 30%)";
            case NOT_MEASURED -> "not measured";
        };
    }
}

package org.devmirror.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.devmirror.bench.report.MarkdownTable;
import org.devmirror.bench.report.plot.BarSeries;
import org.devmirror.bench.report.plot.Plot;
import org.devmirror.device.cost.CostComponent;
import org.devmirror.device.cost.DeviceTime;
import org.devmirror.observe.CostProfileFile;
import org.devmirror.observe.DeviceWork;
import org.devmirror.replay.ReplayModel;
import org.devmirror.replay.ReplayResult;
import tools.jackson.databind.JsonNode;

/**
 * The report of a {@link PolicyComparison}: {@code report.md}, whose first table answers "which
 * policy for this workload" (per trace, every policy's modelled device time with the best marked,
 * its faults, TLB invalidations and oracle checks and violations), then the time by component,
 * the counts it was priced from, the plot of modelled device time per policy per trace
 * ({@value #PLOT}{@code .png} and {@code .svg}), and every parameter of the profile used.
 */
public final class ComparisonReport {
    /** The base name of the plot files. */
    public static final String PLOT = "device-time";
    /** The report's file name. */
    public static final String REPORT = "report.md";

    private ComparisonReport() {}

    /** Writes {@value #REPORT} and the plot into {@code dir} (created); returns the report's path. */
    public static Path write(PolicyComparison c, Path dir) throws IOException {
        Files.createDirectories(dir);
        plot(c).write(dir, PLOT);
        Path report = dir.resolve(REPORT);
        Files.writeString(report, markdown(c), StandardCharsets.UTF_8);
        return report;
    }

    /** The text of {@value #REPORT}. */
    public static String markdown(PolicyComparison c) {
        StringBuilder md = new StringBuilder("# Which policy for this workload\n\n");
        md.append("Modelled device time under the `")
                .append(c.profile().name())
                .append("` cost profile (")
                .append(c.profile().basis())
                .append("), every trace replayed under every policy with the oracle on. ")
                .append("**best**: the least device time among the policies the oracle found clean; a policy with ")
                .append("oracle violations is unsafe and never best. vs best: device time over the best's.\n\n");
        md.append(decisionTable(c).render());
        md.append("\n![Modelled device time per policy per trace](")
                .append(PLOT)
                .append(".png)\n");
        md.append("\n## Device time by component (ms)\n\n");
        md.append(componentTable(c).render());
        md.append("\n## The counts it was priced from\n\n");
        md.append("Exact counts from the replays. Work units: the unweighted sum of PTEs zapped, downgraded and ")
                .append("re-read, TLB flushes and pages faulted, kept for comparison with older reports; it weighs a ")
                .append("device fault like a PTE write, so it can rank policies the wrong way round.\n\n");
        md.append(countTable(c).render());
        md.append("\n## Cost profile `").append(c.profile().name()).append("`\n\n");
        md.append("Every parameter (docs/cost-model.md gives the source of each); as a file for ")
                .append("`--cost-profile FILE`, this is the JSON below.\n\n");
        MarkdownTable params = new MarkdownTable("Parameter", "Value>");
        for (Map.Entry<String, JsonNode> e : CostProfileFile.toJson(c.profile()).properties()) {
            params.row(
                    "`" + e.getKey() + "`",
                    e.getValue().isString()
                            ? e.getValue().stringValue()
                            : e.getValue().toString());
        }
        md.append(params.render());
        md.append("\n```json\n")
                .append(org.devmirror.json.Json.write(CostProfileFile.toJson(c.profile())))
                .append("```\n");
        ReplayModel m = c.model();
        md.append("\nReplay model: ")
                .append(m.devices())
                .append(" device(s), seed ")
                .append(m.seed())
                .append(", ")
                .append(m.ranges().label())
                .append(" ranges, ")
                .append(m.touchesPerCall())
                .append(" device touches per call, ")
                .append("touch fraction ")
                .append(m.touchFraction())
                .append(" (docs/replay.md).\n");
        return md.toString();
    }

    /** The first table: per trace, one row per policy (the command prints it too). */
    public static MarkdownTable decisionTable(PolicyComparison c) {
        MarkdownTable t = new MarkdownTable(
                "Trace",
                "Policy",
                "Device time ms>",
                "vs best>",
                "Faults>",
                "TLB invalidations>",
                "Oracle checks>",
                "Violations>",
                "Verdict");
        for (String trace : c.traces()) {
            String best = c.best(trace);
            double bestNs = best == null ? 0 : c.time(trace, best).totalNs();
            boolean first = true;
            for (String policy : c.policies()) {
                ReplayResult r = c.result(trace, policy);
                double ns = c.time(trace, policy).totalNs();
                String verdict = policy.equals(best)
                        ? "**best**"
                        : r.oracleClean() ? "" : "unsafe: " + r.oracleViolations() + " violation(s)";
                String time = millis(ns);
                t.row(
                        first ? trace : "",
                        policy,
                        policy.equals(best) ? "**" + time + "**" : time,
                        ratio(ns, bestNs),
                        Long.toString(r.work().faults()),
                        Long.toString(r.work().totalTlbFlushes()),
                        Long.toString(r.oracleChecks()),
                        Long.toString(r.oracleViolations()),
                        verdict);
                first = false;
            }
        }
        return t;
    }

    private static MarkdownTable componentTable(PolicyComparison c) {
        List<String> columns = new ArrayList<>(List.of("Trace", "Policy"));
        for (CostComponent k : CostComponent.values()) {
            columns.add(k.label() + ">");
        }
        columns.add("Dominant");
        MarkdownTable t = new MarkdownTable(columns.toArray(String[]::new));
        for (String trace : c.traces()) {
            for (String policy : c.policies()) {
                DeviceTime time = c.time(trace, policy);
                List<String> row = new ArrayList<>(List.of(trace, policy));
                for (CostComponent k : CostComponent.values()) {
                    row.add(millis(time.ns(k)));
                }
                row.add(time.totalNs() == 0 ? "" : time.dominant().label());
                t.row(row.toArray(String[]::new));
            }
        }
        return t;
    }

    private static MarkdownTable countTable(PolicyComparison c) {
        MarkdownTable t = new MarkdownTable(
                "Trace",
                "Policy",
                "Invalidations>",
                "PTEs zapped>",
                "Re-read>",
                "Downgraded>",
                "Pages faulted>",
                "Refaults>",
                "Fault retries>",
                "Pages to device>",
                "Pages back>",
                "Queue evictions>",
                "Work units>");
        for (String trace : c.traces()) {
            for (String policy : c.policies()) {
                ReplayResult r = c.result(trace, policy);
                DeviceWork w = r.work();
                t.row(
                        trace,
                        policy,
                        n(w.totalInvalidations()),
                        n(w.totalZapped()),
                        n(w.totalReread()),
                        n(w.totalDowngraded()),
                        n(w.pagesFaulted()),
                        n(r.refaults()),
                        n(w.faultRetries()),
                        n(w.pagesMigratedToDevice()),
                        n(w.pagesMigratedToSystem()),
                        n(w.queueEvictions()),
                        n(w.totalWork()));
            }
        }
        return t;
    }

    /** Grouped bars: a group per trace, a bar per policy; logarithmic when every bar is above zero. */
    static Plot plot(PolicyComparison c) {
        List<BarSeries> series = new ArrayList<>();
        boolean positive = true;
        for (String policy : c.policies()) {
            double[] ms = new double[c.traces().size()];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = c.time(c.traces().get(i), policy).totalNs() / 1e6;
                positive &= ms[i] > 0;
            }
            series.add(new BarSeries(policy, ms));
        }
        Plot.Scale scale = positive ? Plot.Scale.LOG : Plot.Scale.LINEAR;
        return Plot.groupedBars(
                "Modelled device time per policy (" + c.profile().name() + ")",
                "trace",
                "modelled device time (ms" + (positive ? ", log" : "") + ")",
                scale,
                c.traces(),
                series);
    }

    private static String millis(double ns) {
        return String.format(Locale.ROOT, "%.3f", ns / 1e6);
    }

    private static String ratio(double ns, double bestNs) {
        return bestNs == 0 ? (ns == 0 ? "1.00" : "") : String.format(Locale.ROOT, "%.2f", ns / bestNs);
    }

    private static String n(long v) {
        return Long.toString(v);
    }
}

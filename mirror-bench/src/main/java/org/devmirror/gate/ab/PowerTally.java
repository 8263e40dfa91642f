package org.devmirror.gate.ab;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.devmirror.bench.report.MarkdownTable;
import org.devmirror.bench.report.plot.LineSeries;
import org.devmirror.bench.report.plot.Plot;
import org.devmirror.gate.stats.BootstrapRatioOfMedians;
import org.devmirror.gate.stats.Verdict;

/**
 * The power experiment's trials ({@link PowerExperiment}) per injected size: how often the gate
 * failed (the catch rate; for A/A runs, the false-alarm rate), how often the first run flagged,
 * how often it could not tell, the slowdown the gate actually saw, the noise's minimum detectable
 * effect and the time per gate run; as a Markdown table and as the power curve.
 *
 * <p>A rate from a few runs is uncertain, so each comes with its 95% Wilson score interval
 * (Wilson 1927): unlike the normal approximation it stays inside [0, 1] and is not zero-width at
 * 0 of 10 or 10 of 10, which is where a gate's rates live.
 */
public final class PowerTally {
    /** z(0.975), for the 95% Wilson interval. */
    private static final double Z = 1.959963984540054;

    /**
     * One size's tally.
     *
     * @param size          the injected size
     * @param runs          gate runs
     * @param failed        runs whose gate failed (a confirmed REGRESSION)
     * @param flagged       runs whose first run said REGRESSION (before the rerun)
     * @param inconclusive  runs whose confirmed verdict was INCONCLUSIVE
     * @param noChange      runs whose confirmed verdict was NO_CHANGE
     * @param medianRatio   the median ratio the first runs saw: the slowdown really injected
     * @param medianMde     the median minimum detectable effect of the first runs
     * @param medianMinutes the median wall-clock minutes of one gate run
     */
    public record Row(
            PowerExperiment.Size size,
            int runs,
            int failed,
            int flagged,
            int inconclusive,
            int noChange,
            double medianRatio,
            double medianMde,
            double medianMinutes) {

        /** The share of runs that failed the gate. */
        public double failRate() {
            return (double) failed / runs;
        }

        /** The 95% Wilson interval of {@link #failRate}, as {lower, upper}. */
        public double[] failRateInterval() {
            return wilson(failed, runs);
        }
    }

    private PowerTally() {}

    /** One row per size, by increasing size. */
    public static List<Row> tally(List<PowerExperiment.Trial> trials) {
        Map<Integer, List<PowerExperiment.Trial>> bySize = new TreeMap<>();
        for (PowerExperiment.Trial t : trials) {
            bySize.computeIfAbsent(t.size().percent(), k -> new ArrayList<>()).add(t);
        }
        List<Row> rows = new ArrayList<>();
        for (List<PowerExperiment.Trial> ts : bySize.values()) {
            int failed = 0;
            int flagged = 0;
            int inconclusive = 0;
            int noChange = 0;
            double[] ratios = new double[ts.size()];
            double[] mdes = new double[ts.size()];
            double[] minutes = new double[ts.size()];
            for (int i = 0; i < ts.size(); i++) {
                PowerExperiment.Trial t = ts.get(i);
                failed += t.verdict() == Verdict.REGRESSION ? 1 : 0;
                flagged += t.first() == Verdict.REGRESSION ? 1 : 0;
                inconclusive += t.verdict() == Verdict.INCONCLUSIVE ? 1 : 0;
                noChange += t.verdict() == Verdict.NO_CHANGE ? 1 : 0;
                ratios[i] = t.ratio();
                mdes[i] = t.mde();
                minutes[i] = t.seconds() / 60;
            }
            rows.add(new Row(
                    ts.get(0).size(),
                    ts.size(),
                    failed,
                    flagged,
                    inconclusive,
                    noChange,
                    BootstrapRatioOfMedians.median(ratios),
                    BootstrapRatioOfMedians.median(mdes),
                    BootstrapRatioOfMedians.median(minutes)));
        }
        return rows;
    }

    /** The tally as a Markdown table. */
    public static String table(List<Row> rows) {
        MarkdownTable t = new MarkdownTable(
                "Injected",
                "Runs>",
                "Gate failed>",
                "95% interval>",
                "First run flagged>",
                "INCONCLUSIVE>",
                "NO_CHANGE>",
                "Median ratio seen>",
                "Median MDE>",
                "Minutes per run>");
        for (Row r : rows) {
            double[] ci = r.failRateInterval();
            t.row(
                    r.size().label(),
                    Integer.toString(r.runs()),
                    String.format(Locale.ROOT, "%d (%.0f%%)", r.failed(), 100 * r.failRate()),
                    String.format(Locale.ROOT, "[%.0f%%, %.0f%%]", 100 * ci[0], 100 * ci[1]),
                    Integer.toString(r.flagged()),
                    Integer.toString(r.inconclusive()),
                    Integer.toString(r.noChange()),
                    String.format(Locale.ROOT, "%.3f", r.medianRatio()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * r.medianMde()),
                    String.format(Locale.ROOT, "%.1f", r.medianMinutes()));
        }
        return t.render();
    }

    /**
     * The power curve: the share of gate runs that failed against the injected size (0: the A/A
     * false-alarm rate), with the lower and upper ends of the Wilson intervals as their own lines.
     */
    public static Plot.PlotFiles plot(List<Row> rows, Path dir, String baseName) throws IOException {
        double[] x = new double[rows.size()];
        double[] rate = new double[rows.size()];
        double[] low = new double[rows.size()];
        double[] high = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            double[] ci = r.failRateInterval();
            x[i] = r.size().percent();
            rate[i] = 100 * r.failRate();
            low[i] = 100 * ci[0];
            high[i] = 100 * ci[1];
        }
        return Plot.lines(
                        "Timing gate: runs failed against injected slowdown",
                        "injected slowdown (%)",
                        "gate runs failed (%)",
                        Plot.Scale.LINEAR,
                        Plot.Scale.LINEAR,
                        List.of(
                                new LineSeries("gate failed", x, rate),
                                new LineSeries("95% interval, lower", x, low),
                                new LineSeries("95% interval, upper", x, high)))
                .write(dir, baseName);
    }

    /** The 95% Wilson score interval of {@code k} successes in {@code n} trials. */
    static double[] wilson(int k, int n) {
        if (n < 1 || k < 0 || k > n) {
            throw new IllegalArgumentException("k=" + k + ", n=" + n + " is not a count of successes in trials");
        }
        double p = (double) k / n;
        double z2 = Z * Z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denominator;
        double half = Z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }
}

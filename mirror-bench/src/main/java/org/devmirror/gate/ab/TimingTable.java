package org.devmirror.gate.ab;

import java.util.Locale;
import org.devmirror.bench.report.MarkdownTable;
import org.devmirror.gate.stats.Comparison;
import org.devmirror.gate.stats.Verdict;

/**
 * The table {@code ./devmirror gate --ab} prints: per benchmark, what it was normalised by, the
 * two builds' median normalised scores, their ratio with its confidence interval, the
 * Mann-Whitney p-value, the threshold, the minimum detectable effect at this run's noise and the
 * forks per side that would resolve the threshold ({@link org.devmirror.gate.stats.PowerAnalysis}),
 * the first run's verdict and the confirmed one.
 */
public final class TimingTable {
    private TimingTable() {}

    /** The outcome as a Markdown table, one row per benchmark. */
    public static String render(TimingGate.Outcome outcome) {
        MarkdownTable t = new MarkdownTable(
                "Benchmark",
                "Normalised by",
                "Base>",
                "Candidate>",
                "Ratio>",
                "95% CI>",
                "p>",
                "Threshold>",
                "MDE>",
                "Forks to resolve>",
                "First run",
                "Rerun",
                "Verdict");
        for (TimingGate.Row r : outcome.rows()) {
            Comparison c = r.first();
            t.row(
                    c.benchmark(),
                    r.reference().orElse("(raw ns)"),
                    number(c.baseMedian()),
                    number(c.candidateMedian()),
                    String.format(Locale.ROOT, "%.3f", c.ratio()),
                    String.format(
                            Locale.ROOT,
                            "[%.3f, %.3f]",
                            c.interval().lower(),
                            c.interval().upper()),
                    String.format(Locale.ROOT, "%.4f", c.pValue()),
                    String.format(Locale.ROOT, "%.0f%%", 100 * c.threshold()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * c.power().mde()),
                    forks(c.power().forksToResolve()),
                    c.verdict().name(),
                    r.rerun()
                            .map(again -> again.verdict().name() + String.format(Locale.ROOT, " (%.3f)", again.ratio()))
                            .orElse(""),
                    r.gating() ? r.verdict().name() : "reference");
        }
        return t.render();
    }

    /**
     * The lines under the table: for the gating benchmarks the run could not resolve, how many forks
     * per side would resolve their thresholds at the noise this run saw.
     */
    public static String summary(TimingGate.Outcome outcome, int forks) {
        int inconclusive = 0;
        int needed = 0;
        for (TimingGate.Row r : outcome.rows()) {
            if (r.gating() && r.verdict() == Verdict.INCONCLUSIVE) {
                inconclusive++;
                needed = Math.max(needed, r.first().power().forksToResolve());
            }
        }
        if (inconclusive == 0) {
            return String.format(
                    Locale.ROOT, "gate: every benchmark resolved its threshold with %d forks per side.%n", forks);
        }
        return String.format(
                Locale.ROOT,
                "gate: %d benchmark(s) INCONCLUSIVE: at the noise seen, resolving every"
                        + " threshold needs %s forks per side (this run had %d; --forks N), or a quieter machine.%n",
                inconclusive,
                forks(needed),
                forks);
    }

    private static String forks(int n) {
        return n == Integer.MAX_VALUE ? "unbounded" : Integer.toString(n);
    }

    /** Four significant digits, whatever the magnitude (normalised scores or raw nanoseconds). */
    private static String number(double v) {
        return new java.math.BigDecimal(v)
                .round(new java.math.MathContext(4))
                .stripTrailingZeros()
                .toPlainString();
    }
}

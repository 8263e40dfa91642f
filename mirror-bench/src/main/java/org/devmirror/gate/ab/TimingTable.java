package org.devmirror.gate.ab;

import java.util.Locale;
import org.devmirror.bench.report.MarkdownTable;
import org.devmirror.gate.stats.Comparison;
import org.devmirror.gate.stats.Verdict;

/**
 * The table {@code ./devmirror gate --ab} prints: per benchmark, what it was normalised by, the
 * two builds' median normalised scores, their ratio with its confidence interval, the
 * Mann-Whitney p-value, the threshold, the first run's verdict and the confirmed one.
 */
public final class TimingTable {
    private TimingTable() {}

    /** The outcome as a Markdown table, one row per benchmark. */
    public static String render(TimingGate.Outcome outcome) {
        MarkdownTable t = new MarkdownTable("Benchmark", "Normalised by", "Base>", "Candidate>", "Ratio>",
                "95% CI>", "p>", "Threshold>", "First run", "Rerun", "Verdict");
        for (TimingGate.Row r : outcome.rows()) {
            Comparison c = r.first();
            t.row(c.benchmark(),
                    r.reference().orElse("(raw ns)"),
                    number(c.baseMedian()),
                    number(c.candidateMedian()),
                    String.format(Locale.ROOT, "%.3f", c.ratio()),
                    String.format(Locale.ROOT, "[%.3f, %.3f]", c.interval().lower(), c.interval().upper()),
                    String.format(Locale.ROOT, "%.4f", c.pValue()),
                    String.format(Locale.ROOT, "%.0f%%", 100 * c.threshold()),
                    c.verdict().name(),
                    r.rerun().map(again -> again.verdict().name()
                            + String.format(Locale.ROOT, " (%.3f)", again.ratio())).orElse(""),
                    r.gating() ? r.verdict().name() : "reference");
        }
        return t.render();
    }

    /** Four significant digits, whatever the magnitude (normalised scores or raw nanoseconds). */
    private static String number(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }
}

package org.devmirror.gate.stats;

/**
 * The timing gate's comparison of one benchmark between a base and a candidate build: one row
 * of the table {@code ./devmirror gate --ab} prints.
 *
 * @param benchmark       the benchmark's label
 * @param baseMedian      median of the base build's normalised fork scores
 * @param candidateMedian median of the candidate build's normalised fork scores
 * @param ratio           the ratio of medians, {@code candidateMedian / baseMedian} (above 1: slower)
 * @param interval        bootstrap confidence interval of {@link #ratio}
 * @param pValue          the two-sided p-value of the Mann-Whitney U test of the two samples
 * @param threshold       the smallest relative change this benchmark may report
 * @param power           what this run could detect at its own noise
 * @param verdict         what the gate concludes
 */
public record Comparison(
        String benchmark,
        double baseMedian,
        double candidateMedian,
        double ratio,
        ConfidenceInterval interval,
        double pValue,
        double threshold,
        PowerAnalysis.Power power,
        Verdict verdict) {}

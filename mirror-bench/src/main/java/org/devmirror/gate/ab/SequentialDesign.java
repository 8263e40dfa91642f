package org.devmirror.gate.ab;

import org.devmirror.gate.stats.GateSettings;

/**
 * When the timing gate looks at its data: after {@code firstLook} rounds, and while some gating
 * benchmark is still {@code INCONCLUSIVE}, again every {@code step} rounds up to {@code lastLook}.
 * A run whose verdicts are clear at the first look stops there; a noisy one buys forks only for as
 * long as it needs them. {@code firstLook == lastLook} is the fixed design: one look.
 *
 * <h2>Alpha spending</h2>
 * Looking again until something is significant would raise the false-alarm rate with every look.
 * The design spends the gate's alpha evenly over its {@code K} possible looks (Bonferroni): each
 * look tests at {@code alpha / K}, with a {@code 1 - alpha / K} interval, so the chance that some
 * look of an A/A run is significant is at most {@code K * alpha / K = alpha}, whatever the looks'
 * correlation. The minimum detectable effect of each look is stated at its own {@code alpha / K}.
 * Bonferroni is conservative against group-sequential boundaries such as Pocock's or O'Brien and
 * Fleming's, which use the looks' correlation to spend less, but it needs no assumption about the
 * distribution of the scores, which the gate's rank test and bootstrap avoid too. Stopping early for
 * {@code NO_CHANGE} (futility) spends nothing: it can only lower the false-alarm rate.
 *
 * @param firstLook rounds before the first look, at least the gate's minimum forks
 * @param lastLook  the most rounds the run may reach
 * @param step      rounds added between looks
 */
public record SequentialDesign(int firstLook, int lastLook, int step) {

    public SequentialDesign {
        if (firstLook < 1 || lastLook < firstLook || step < 1) {
            throw new IllegalArgumentException("firstLook=" + firstLook + ", lastLook=" + lastLook + ", step=" + step
                    + ": need 1 <= firstLook <= lastLook and step >= 1");
        }
    }

    /** One look after {@code forks} rounds: the gate's fixed design. */
    public static SequentialDesign fixed(int forks) {
        return new SequentialDesign(forks, forks, 1);
    }

    /** The number of looks the design may take, {@code K}. */
    public int looks() {
        return 1 + (lastLook - firstLook + step - 1) / step;
    }

    /** The rounds of the look after one at {@code rounds}. */
    public int nextLook(int rounds) {
        return Math.min(rounds + step, lastLook);
    }

    /** {@code settings} with alpha and the interval's level spent over {@link #looks}. */
    public GateSettings perLook(GateSettings settings) {
        int k = looks();
        if (k == 1) {
            return settings;
        }
        return new GateSettings(
                settings.alpha() / k,
                1 - (1 - settings.level()) / k,
                settings.resamples(),
                settings.minForks(),
                settings.seed());
    }
}

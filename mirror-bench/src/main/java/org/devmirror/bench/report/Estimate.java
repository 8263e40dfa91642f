package org.devmirror.bench.report;

/**
 * A measured value with its error half-width (JMH's {@code scoreError}: half the width of the
 * 99.9% confidence interval), and the ratio of two such values with the error propagated.
 *
 * <p>The ratio's error uses first-order propagation for independent errors: for {@code r = a / b}
 * the relative error is {@code sqrt((ea/a)^2 + (eb/b)^2)}. It is an approximation that holds when
 * both relative errors are small (a few per cent); the report shows it so a reader can tell a
 * ratio of 1.4 +- 0.02 from one of 1.4 +- 0.5. A {@code NaN} error (JMH reports one for a single
 * fork with a single iteration) propagates as {@code NaN}: unknown, not zero.
 */
public record Estimate(double value, double error) {

    public Estimate {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value=" + value + " is not finite");
        }
        if (error < 0 || Double.isInfinite(error)) {
            throw new IllegalArgumentException("error=" + error + " must be finite and non-negative, or NaN");
        }
    }

    /** {@code this / denominator} with the error propagated. */
    public Estimate ratioTo(Estimate denominator) {
        if (denominator.value == 0) {
            throw new IllegalArgumentException("denominator value=0; the ratio is undefined");
        }
        double r = value / denominator.value;
        double relA = value == 0 ? 0 : error / value;
        double relB = denominator.error / denominator.value;
        return new Estimate(r, Math.abs(r) * Math.sqrt(relA * relA + relB * relB));
    }

    /** {@code 1 / this} with the error propagated: the relative error is unchanged. */
    public Estimate reciprocal() {
        if (value == 0) {
            throw new IllegalArgumentException("value=0 has no reciprocal");
        }
        double r = 1 / value;
        return new Estimate(r, Math.abs(r) * (error / Math.abs(value)));
    }

    /** {@code this * factor} for an exact factor (such as a unit conversion). */
    public Estimate scale(double factor) {
        return new Estimate(value * factor, error * Math.abs(factor));
    }
}

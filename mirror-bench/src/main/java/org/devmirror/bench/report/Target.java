package org.devmirror.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * A performance target of the suite, stated on quantities measured in one run so that machine
 * noise cancels: either a bound on the cost ratio of two benchmarks, or a bound on the bytes every
 * matching benchmark allocates per operation. {@link #evaluate} says where a run stands.
 *
 * <p>Costs are nanoseconds per operation ({@link BenchResult#nanosPerOp()}), so a throughput
 * benchmark can be compared with an average-time one. A target is met when the point estimate
 * satisfies the bound; the report prints the error next to it so a reader sees how close a call
 * it was.
 */
public sealed interface Target {

    /** How the target reads in the report, e.g. "UNMAP of a populated 2 MiB range". */
    String description();

    /** The target as a formula over benchmark labels. */
    String expression();

    /** Where {@code results} stand against this target. */
    TargetOutcome evaluate(List<BenchResult> results);

    /** {@code cost(subject) / cost(reference) <= factor}: "at most 1.5x fill of 4 KiB". */
    static Target atMostTimes(String description, String subject, String reference, double factor) {
        return new CostRatio(description, subject, 1, reference, Bound.AT_MOST, factor);
    }

    /**
     * {@code scale * cost(subject) / cost(reference) <= factor}, for a subject measured per part
     * of what the reference does: "512 PTE re-reads at most 3x fill of 4 KiB" with a per-PTE score.
     */
    static Target atMostTimesScaled(String description, String subject, double scale, String reference, double factor) {
        return new CostRatio(description, subject, scale, reference, Bound.AT_MOST, factor);
    }

    /** {@code cost(reference) / cost(subject) >= factor}: "at least 20x faster than the on-heap mirror". */
    static Target fasterBy(String description, String subject, String reference, double factor) {
        return new CostRatio(description, reference, 1, subject, Bound.AT_LEAST, factor);
    }

    /** Every benchmark whose label matches {@code labelRegex} allocates at most {@code bytes} per operation. */
    static Target allocationAtMost(String description, String labelRegex, double bytes) {
        return new Allocation(description, Pattern.compile(labelRegex), bytes);
    }

    /** Which side of the bound a measured value must lie on. */
    enum Bound {
        AT_MOST("\u2264"),
        AT_LEAST("\u2265");

        private final String symbol;

        Bound(String symbol) {
            this.symbol = symbol;
        }

        boolean holds(double measured, double bound) {
            return this == AT_MOST ? measured <= bound : measured >= bound;
        }
    }

    /** {@code numeratorScale * cost(numerator) / cost(denominator)} bounded by {@code bound}. */
    record CostRatio(
            String description,
            String numerator,
            double numeratorScale,
            String denominator,
            Bound relation,
            double bound)
            implements Target {

        public CostRatio {
            if (!(numeratorScale > 0) || Double.isInfinite(numeratorScale)) {
                throw new IllegalArgumentException("numeratorScale=" + numeratorScale + " must be positive and finite");
            }
            if (!(bound > 0) || Double.isInfinite(bound)) {
                throw new IllegalArgumentException("bound=" + bound + " must be a positive finite ratio");
            }
        }

        @Override
        public String expression() {
            String scale = numeratorScale == 1 ? "" : ReportNumbers.format(numeratorScale) + " \u00d7 ";
            return scale + "`" + numerator + "` / `" + denominator + "` " + relation.symbol + " "
                    + ReportNumbers.format(bound);
        }

        @Override
        public TargetOutcome evaluate(List<BenchResult> results) {
            BenchResult num = find(results, numerator);
            BenchResult den = find(results, denominator);
            if (num == null || den == null) {
                return TargetOutcome.notMeasured(this, "missing " + (num == null ? numerator : denominator));
            }
            if (!(num.nanosPerOp().value() > 0) || !(den.nanosPerOp().value() > 0)) {
                // A net figure (a difference of two measurements) at or below zero: within noise.
                return TargetOutcome.notMeasured(
                        this,
                        "not positive: " + (num.nanosPerOp().value() > 0 ? denominator : numerator)
                                + " (a difference within noise)");
            }
            Estimate ratio = num.nanosPerOp().scale(numeratorScale).ratioTo(den.nanosPerOp());
            return new TargetOutcome(
                    this,
                    OptionalDouble.of(ratio.value()),
                    ReportNumbers.format(ratio),
                    relation.holds(ratio.value(), bound) ? TargetOutcome.Status.MET : TargetOutcome.Status.MISSED);
        }

        private static BenchResult find(List<BenchResult> results, String label) {
            for (BenchResult r : results) {
                if (r.label().equals(label)) {
                    return r;
                }
            }
            return null;
        }
    }

    /** The largest {@code gc.alloc.rate.norm} among matching benchmarks is at most {@code maxBytesPerOp}. */
    record Allocation(String description, Pattern labels, double maxBytesPerOp) implements Target {

        public Allocation {
            if (!(maxBytesPerOp >= 0) || Double.isInfinite(maxBytesPerOp)) {
                throw new IllegalArgumentException(
                        "maxBytesPerOp=" + maxBytesPerOp + " must be finite and non-negative");
            }
        }

        @Override
        public String expression() {
            return "B/op of `" + labels.pattern() + "` \u2264 " + ReportNumbers.format(maxBytesPerOp);
        }

        @Override
        public TargetOutcome evaluate(List<BenchResult> results) {
            double worst = Double.NEGATIVE_INFINITY;
            String worstLabel = null;
            int matched = 0;
            for (BenchResult r : results) {
                OptionalDouble alloc = r.allocBytesPerOp();
                if (labels.matcher(r.label()).matches() && alloc.isPresent()) {
                    matched++;
                    if (alloc.getAsDouble() > worst) {
                        worst = alloc.getAsDouble();
                        worstLabel = r.label();
                    }
                }
            }
            if (matched == 0) {
                return TargetOutcome.notMeasured(this, "no matching benchmark ran with -prof gc");
            }
            String measured = String.format(
                    Locale.ROOT, "max %s B/op (`%s`, %d benchmarks)", ReportNumbers.format(worst), worstLabel, matched);
            return new TargetOutcome(
                    this,
                    OptionalDouble.of(worst),
                    measured,
                    worst <= maxBytesPerOp ? TargetOutcome.Status.MET : TargetOutcome.Status.MISSED);
        }
    }
}

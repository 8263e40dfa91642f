package org.devmirror.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * A performance target of the suite, stated on quantities measured in one run so that machine
 * noise cancels: a bound on the cost ratio of two benchmarks (either side may be the difference of
 * two benchmarks, such as an invalidation less the same invalidation nobody listens to), a bound
 * in nanoseconds on one benchmark's cost, or a bound on the bytes every matching benchmark
 * allocates per operation. {@link #evaluate} says where a run stands.
 *
 * <p>Costs are nanoseconds per operation ({@link BenchResult#nanosPerOp()}), so a throughput
 * benchmark can be compared with an average-time one. A cost target is met or missed by its point
 * estimate when the run's 99.9% error of the value is under
 * {@link TargetOutcome#DECISIVE_RELATIVE_ERROR} of it, and undecided otherwise
 * ({@link TargetOutcome#decide}); the report prints the error next to it.
 *
 * <p>An absolute bound ({@link #atMostNanos}) does not cancel the machine: it holds on one CPU and
 * not on a slower or busier one, so the suite states one only where the bound itself is absolute.
 */
public sealed interface Target {

    /** How the target reads in the report, e.g. "UNMAP of a populated 2 MiB range". */
    String description();

    /** The target as a formula over benchmark labels. */
    String expression();

    /** Where {@code results} stand against this target. */
    TargetOutcome evaluate(List<BenchResult> results);

    /** The benchmark labels a run must measure for this target; none for an allocation target (a pattern). */
    List<String> measuredLabels();

    /** {@code cost(subject) / cost(reference) <= factor}: "at most 1.5x fill of 4 KiB". */
    static Target atMostTimes(String description, String subject, String reference, double factor) {
        return new CostRatio(description, Cost.of(subject), Cost.of(reference), Bound.AT_MOST, factor);
    }

    /**
     * {@code scale * cost(subject) / cost(reference) <= factor}, for a subject measured per part
     * of what the reference does: "512 PTE re-reads at most 3x fill of 4 KiB" with a per-PTE score.
     */
    static Target atMostTimesScaled(String description, String subject, double scale, String reference, double factor) {
        return new CostRatio(description, new Cost(subject, null, scale), Cost.of(reference), Bound.AT_MOST, factor);
    }

    /**
     * {@code (cost(subject) - cost(minus)) / cost(reference) <= factor}: the share of an operation
     * that {@code minus} does not do, against a reference, e.g. "the marking of a SOFT_DIRTY
     * (tracked less untracked) at most 2x fill of 4 KiB".
     */
    static Target atMostTimesDifference(
            String description, String subject, String minus, String reference, double factor) {
        return new CostRatio(description, new Cost(subject, minus, 1), Cost.of(reference), Bound.AT_MOST, factor);
    }

    /** {@code cost(reference) / cost(subject) >= factor}: "at least 20x faster than the on-heap mirror". */
    static Target fasterBy(String description, String subject, String reference, double factor) {
        return new CostRatio(description, Cost.of(reference), Cost.of(subject), Bound.AT_LEAST, factor);
    }

    /**
     * {@code scale * cost(subject) <= nanos}: an absolute bound, such as "a device fault of one
     * page in at most 120 ns", or, with {@code scale = 1 / 512}, "at most 100 ns per populated
     * page" of an operation over 512 of them. See the class comment on why this is fragile.
     */
    static Target atMostNanos(String description, String subject, double scale, double nanos) {
        return new CostBound(description, new Cost(subject, null, scale), nanos);
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

    /**
     * {@code scale * (cost(label) - cost(minus))}, or {@code scale * cost(label)} when {@code minus}
     * is null: one side of a target, in nanoseconds per operation. The difference's error is the
     * two errors added in quadrature (independent benchmarks).
     *
     * @param label the benchmark label whose cost is taken
     * @param minus the label whose cost is subtracted, or null
     * @param scale an exact positive factor (a unit or a per-part conversion)
     */
    record Cost(String label, String minus, double scale) {
        public Cost {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("label=" + label + " must name a benchmark");
            }
            if (!(scale > 0) || Double.isInfinite(scale)) {
                throw new IllegalArgumentException("scale=" + scale + " must be positive and finite");
            }
        }

        static Cost of(String label) {
            return new Cost(label, null, 1);
        }

        /** The cost as the report prints it in a target's expression. */
        String expression() {
            String s = scale == 1 ? "" : ReportNumbers.format(scale) + " \u00d7 ";
            return minus == null ? s + "`" + label + "`" : s + "(`" + label + "` \u2212 `" + minus + "`)";
        }

        /** The labels this cost reads. */
        List<String> labels() {
            return minus == null ? List.of(label) : List.of(label, minus);
        }

        /**
         * Why this cost cannot be taken from {@code results} (a missing label, or a value at or
         * below zero: a difference of two measurements within noise), or null when it can.
         */
        String whyNotMeasured(List<BenchResult> results) {
            for (String l : labels()) {
                if (find(results, l) == null) {
                    return "missing " + l;
                }
            }
            return unscaled(results).value() > 0
                    ? null
                    : "not positive: " + (minus == null ? label : label + " \u2212 " + minus)
                            + " (a difference within noise)";
        }

        /** The cost in {@code results}; only when {@link #whyNotMeasured} is null. */
        Estimate in(List<BenchResult> results) {
            return unscaled(results).scale(scale);
        }

        private Estimate unscaled(List<BenchResult> results) {
            Estimate cost = find(results, label).nanosPerOp();
            if (minus == null) {
                return cost;
            }
            Estimate m = find(results, minus).nanosPerOp();
            return new Estimate(
                    cost.value() - m.value(), Math.sqrt(cost.error() * cost.error() + m.error() * m.error()));
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

    /** {@code cost(numerator) / cost(denominator)} bounded by {@code bound}. */
    record CostRatio(String description, Cost numerator, Cost denominator, Bound relation, double bound)
            implements Target {

        public CostRatio {
            if (!(bound > 0) || Double.isInfinite(bound)) {
                throw new IllegalArgumentException("bound=" + bound + " must be a positive finite ratio");
            }
        }

        @Override
        public List<String> measuredLabels() {
            List<String> out = new ArrayList<>(numerator.labels());
            out.addAll(denominator.labels());
            return List.copyOf(out);
        }

        @Override
        public String expression() {
            return numerator.expression() + " / " + denominator.expression() + " " + relation.symbol + " "
                    + ReportNumbers.format(bound);
        }

        @Override
        public TargetOutcome evaluate(List<BenchResult> results) {
            String why = numerator.whyNotMeasured(results);
            if (why == null) {
                why = denominator.whyNotMeasured(results);
            }
            if (why != null) {
                return TargetOutcome.notMeasured(this, why);
            }
            Estimate ratio = numerator.in(results).ratioTo(denominator.in(results));
            return new TargetOutcome(
                    this,
                    OptionalDouble.of(ratio.value()),
                    ReportNumbers.format(ratio),
                    TargetOutcome.decide(ratio, relation.holds(ratio.value(), bound)));
        }
    }

    /** {@code cost <= nanos}: an absolute bound in nanoseconds per operation. */
    record CostBound(String description, Cost cost, double nanos) implements Target {

        public CostBound {
            if (!(nanos > 0) || Double.isInfinite(nanos)) {
                throw new IllegalArgumentException("nanos=" + nanos + " must be positive and finite");
            }
        }

        @Override
        public List<String> measuredLabels() {
            return cost.labels();
        }

        @Override
        public String expression() {
            return cost.expression() + " \u2264 " + ReportNumbers.format(nanos) + " ns";
        }

        @Override
        public TargetOutcome evaluate(List<BenchResult> results) {
            String why = cost.whyNotMeasured(results);
            if (why != null) {
                return TargetOutcome.notMeasured(this, why);
            }
            Estimate e = cost.in(results);
            return new TargetOutcome(
                    this,
                    OptionalDouble.of(e.value()),
                    ReportNumbers.format(e) + " ns",
                    TargetOutcome.decide(e, e.value() <= nanos));
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
        public List<String> measuredLabels() {
            return List.of();
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

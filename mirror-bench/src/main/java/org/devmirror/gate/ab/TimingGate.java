package org.devmirror.gate.ab;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.devmirror.gate.stats.BootstrapRatioOfMedians;
import org.devmirror.gate.stats.Comparison;
import org.devmirror.gate.stats.Confirmation;
import org.devmirror.gate.stats.ThresholdRule;
import org.devmirror.gate.stats.TimingComparator;
import org.devmirror.gate.stats.Verdict;

/**
 * The timing half of the performance gate, {@code ./devmirror gate --ab}: runs two builds
 * interleaved ({@link InterleavedRun}), normalises each benchmark's fork scores by its reference
 * benchmark's scores of the same forks ({@link ForkNormalisation}), compares them
 * ({@link TimingComparator} with a {@link ThresholdRule}), reruns every benchmark that came out a
 * {@link Verdict#REGRESSION}, and fails only when the rerun agrees ({@link Confirmation}).
 *
 * <p>Reference benchmarks (those some measured benchmark is normalised by) are compared in raw
 * nanoseconds and reported, but never fail the gate: both builds run the same reference code, so
 * a difference there is the machine, and it is already divided out of everything else. A
 * benchmark without a measured reference is compared in raw nanoseconds and does gate.
 *
 * <p>Not thread-safe; one gate run at a time.
 */
public final class TimingGate {

    /**
     * The gate's conclusion for one benchmark.
     *
     * @param first     the comparison of the first run
     * @param rerun     the comparison of the confirmation rerun, when the first was a regression
     * @param reference the label it was normalised by, or empty when compared in raw nanoseconds
     * @param gating    whether its verdict may fail the gate (false for reference benchmarks)
     * @param verdict   the confirmed verdict: a regression or improvement only when both runs agree
     */
    public record Row(
            Comparison first,
            Optional<Comparison> rerun,
            Optional<String> reference,
            boolean gating,
            Verdict verdict) {}

    /** Every benchmark's row, in the order JMH ran them. */
    public record Outcome(List<Row> rows) {

        public Outcome {
            rows = List.copyOf(rows);
        }

        /** Whether some gating benchmark's regression was confirmed. */
        public boolean failed() {
            return rows.stream().anyMatch(r -> r.gating() && r.verdict() == Verdict.REGRESSION);
        }
    }

    private final InterleavedRun run;
    private final TimingComparator comparator;
    private final ThresholdRule thresholds;
    private final GateReferences references;
    private final PrintWriter progress;

    public TimingGate(
            ForkRunner runner,
            TimingComparator comparator,
            ThresholdRule thresholds,
            GateReferences references,
            PrintWriter progress) {
        this.run = new InterleavedRun(runner, progress);
        this.comparator = comparator;
        this.thresholds = thresholds;
        this.references = references;
        this.progress = progress;
    }

    /** Compares {@code candidate} with {@code base} over {@code forks} forks per side, plus the reruns. */
    public Outcome run(BuildUnderTest base, BuildUnderTest candidate, ForkPlan plan, int forks) throws IOException {
        return run(base, candidate, plan, SequentialDesign.fixed(forks));
    }

    /**
     * Compares {@code candidate} with {@code base}, looking at the data as {@code design} says
     * (extending while a gating benchmark is {@code INCONCLUSIVE}), plus the reruns, which follow the
     * same design.
     */
    public Outcome run(BuildUnderTest base, BuildUnderTest candidate, ForkPlan plan, SequentialDesign design)
            throws IOException {
        if (design.firstLook() < comparator.settings().minForks()) {
            throw new IllegalArgumentException("forks=" + design.firstLook() + " is below the gate's minimum of "
                    + comparator.settings().minForks() + " per side");
        }
        TimingComparator perLook =
                design.looks() == 1 ? comparator : new TimingComparator(design.perLook(comparator.settings()));
        ForkPlan withReferences = switch (plan.clock()) {
            case WALL -> plan.withInclude(references.includeWithReferences(plan.include()));
            // The CPU clock already leaves out what a same-fork reference cancels (the time a
            // neighbour held the core); dividing by the reference would only add the
            // reference's own noise (docs/gate.md, section 5), so none is measured.
            case THREAD_CPU -> plan;
        };
        progress.printf(
                "gate: %d interleaved rounds of %s against %s, include=%s%n",
                design.firstLook(), candidate.name(), base.name(), withReferences.include());
        Looked firstLooked = sequential(base, candidate, withReferences, design, perLook);
        InterleavedRun.Samples first = firstLooked.samples();
        List<Row> rows = firstLooked.rows();

        Set<String> suspects = new LinkedHashSet<>();
        for (Row r : rows) {
            if (r.gating() && Confirmation.needsRerun(r.first())) {
                suspects.add(first.base().benchmarkOf(r.first().benchmark()));
                r.reference().ifPresent(ref -> suspects.add(first.base().benchmarkOf(ref)));
            }
        }
        if (suspects.isEmpty()) {
            return new Outcome(rows);
        }
        progress.printf(
                "gate: confirming %d suspected regression(s) with a rerun%n",
                rows.stream()
                        .filter(r -> r.gating() && Confirmation.needsRerun(r.first()))
                        .count());
        InterleavedRun.Samples second = sequential(
                        base, candidate, plan.withInclude(exactly(suspects)), design, perLook)
                .samples();
        List<Row> confirmed = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (r.gating() && Confirmation.needsRerun(r.first())) {
                Comparison again = compare(second, r.first().benchmark(), r.reference(), perLook);
                confirmed.add(new Row(
                        r.first(), Optional.of(again), r.reference(), true, Confirmation.confirm(r.first(), again)));
            } else {
                confirmed.add(r);
            }
        }
        return new Outcome(confirmed);
    }

    /** The samples of a run and their rows at its last look. */
    private record Looked(InterleavedRun.Samples samples, List<Row> rows) {}

    /** Rounds until no gating benchmark is {@code INCONCLUSIVE} at a look, or the design's last look. */
    private Looked sequential(
            BuildUnderTest base,
            BuildUnderTest candidate,
            ForkPlan plan,
            SequentialDesign design,
            TimingComparator perLook)
            throws IOException {
        InterleavedRun.Samples s = run.run(base, candidate, plan, design.firstLook());
        List<Row> rows = compareAll(s, perLook);
        while (s.base().rounds() < design.lastLook()) {
            long open = rows.stream()
                    .filter(r -> r.gating() && r.verdict() == Verdict.INCONCLUSIVE)
                    .count();
            if (open == 0) {
                break;
            }
            int next = design.nextLook(s.base().rounds());
            progress.printf(
                    java.util.Locale.ROOT,
                    "gate: %d benchmark(s) INCONCLUSIVE after %d rounds; extending to %d"
                            + " (alpha %.4f per look over %d looks)%n",
                    open,
                    s.base().rounds(),
                    next,
                    perLook.settings().alpha(),
                    design.looks());
            run.extend(s, base, candidate, plan, next);
            rows = compareAll(s, perLook);
        }
        return new Looked(s, rows);
    }

    /** One row per benchmark measured, before any rerun, judged by {@code by}. */
    private List<Row> compareAll(InterleavedRun.Samples samples, TimingComparator by) {
        Set<String> labels = samples.base().labels();
        if (!labels.equals(samples.candidate().labels())) {
            throw new IllegalStateException("base measured " + labels + " but candidate measured "
                    + samples.candidate().labels() + "; both builds must hold the same benchmarks");
        }
        Set<String> referenceLabels = new LinkedHashSet<>();
        ForkClock clock = samples.base().clock();
        for (String label : labels) {
            reference(label, labels, clock).ifPresent(referenceLabels::add);
        }
        List<Row> rows = new ArrayList<>();
        for (String label : labels) {
            Optional<String> ref = reference(label, labels, clock);
            Comparison c = compare(samples, label, ref, by);
            boolean gating = !referenceLabels.contains(label) && !references.isReference(label);
            rows.add(new Row(c, Optional.empty(), ref, gating, c.verdict()));
        }
        return rows;
    }

    /**
     * The reference {@code label} is normalised by, when it was measured in the same forks and the
     * forks were scored by the wall clock.
     */
    private Optional<String> reference(String label, Set<String> measured, ForkClock clock) {
        return switch (clock) {
            case WALL -> references.normalisation().referenceOf(label).filter(measured::contains);
            case THREAD_CPU -> Optional.empty();
        };
    }

    private Comparison compare(
            InterleavedRun.Samples s, String label, Optional<String> reference, TimingComparator by) {
        double[] baseNanos = s.base().nanosPerOp(label);
        double[] candidateNanos = s.candidate().nanosPerOp(label);
        double threshold = thresholds.thresholdFor(label, BootstrapRatioOfMedians.median(baseNanos));
        if (reference.isEmpty()) {
            return by.compare(label, baseNanos, candidateNanos, threshold);
        }
        double[] base = ForkNormalisation.divide(baseNanos, s.base().nanosPerOp(reference.get()));
        double[] candidate =
                ForkNormalisation.divide(candidateNanos, s.candidate().nanosPerOp(reference.get()));
        return by.compare(label, base, candidate, threshold);
    }

    /** A JMH include regex matching exactly these fully qualified benchmark methods. */
    static String exactly(Set<String> benchmarks) {
        StringBuilder sb = new StringBuilder("^(?:");
        boolean firstOne = true;
        for (String b : benchmarks) {
            if (!firstOne) {
                sb.append('|');
            }
            sb.append(Pattern.quote(b));
            firstOne = false;
        }
        return sb.append(")$").toString();
    }
}

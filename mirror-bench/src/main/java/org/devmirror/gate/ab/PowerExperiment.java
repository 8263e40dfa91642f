package org.devmirror.gate.ab;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.devmirror.gate.stats.Verdict;

/**
 * The gate's power experiment, {@code ./devmirror gate --ab JAR --power-runs N}: many complete
 * gate runs (first run and, when it flags, the confirmation rerun) of one build against itself,
 * with the candidate's forks slowed by the calibrated injection {@code -Ddevmirror.inject=slow:P}
 * for each size P, and with {@code slow:0} for A/A. The base's forks run {@code slow:0} too: the
 * injection's clock reads are then on both sides, and only its wait tells the sides apart. Each run is a trial; {@link PowerTally} turns them
 * into the catch rate per size, the false-alarm rate of A/A runs and the power curve.
 *
 * <p>Sizes are interleaved: run 1 of every size, then run 2 of every size, and so on, so that a
 * machine that grows busier during the hours of the experiment affects every size alike instead of
 * the sizes measured last. Each trial is appended to {@code trials.tsv} as soon as it ends, so an
 * interrupted experiment keeps what it measured.
 *
 * <p>Not thread-safe; one experiment at a time.
 */
public final class PowerExperiment {
    /** The injection's property, set on both sides: the clock reads of {@code slow:P} cost alike there. */
    private static final String INJECT = "-Ddevmirror.inject=slow:";

    /**
     * The base's JVM arguments: {@code slow:0}, which reads the clock as {@code slow:P} does and
     * waits nothing, so the sides differ by the wait alone (at a 400 ns operation the clock reads
     * alone are a tenth of it, and would add that much to every size).
     */
    static final List<String> BASE_JVM_ARGS = List.of(INJECT + 0);

    /** The header line of {@code trials.tsv}. */
    static final String TSV_HEADER = "size\trun\tfirst\tverdict\tratio\tmde\tforks_to_resolve\tseconds";

    /**
     * One injected size.
     *
     * @param percent the slowdown injected into the candidate, in percent of the operation's own
     *                time; 0 for an A/A run
     */
    public record Size(int percent) {

        public Size {
            if (percent < 0 || percent > 1000) {
                throw new IllegalArgumentException("size=" + percent + "% is not in 0..1000");
            }
        }

        /**
         * The candidate's JVM arguments for this size: {@code slow:P}, which for A/A is
         * {@code slow:0}, the clock reads without the wait, as on the base's side.
         */
        List<String> candidateJvmArgs() {
            return List.of(INJECT + percent);
        }

        /** How tables and file names call it: {@code A/A} or {@code +20%}. */
        public String label() {
            return percent == 0 ? "A/A" : "+" + percent + "%";
        }
    }

    /**
     * One gate run of the experiment.
     *
     * @param size           the injected size
     * @param run            the run's number, from 1
     * @param first          the first run's verdict on the timed benchmark
     * @param verdict        the gate's confirmed verdict on it (a REGRESSION fails the gate)
     * @param ratio          the first run's ratio of medians: the slowdown the gate saw
     * @param mde            the first run's minimum detectable effect
     * @param forksToResolve forks per side the first run's noise would need to resolve the threshold
     * @param seconds        the wall-clock time of the whole gate run, rerun included
     */
    public record Trial(
            Size size,
            int run,
            Verdict first,
            Verdict verdict,
            double ratio,
            double mde,
            int forksToResolve,
            double seconds) {

        /** This trial as a line of {@code trials.tsv}. */
        String tsv() {
            return String.format(
                    Locale.ROOT,
                    "%d\t%d\t%s\t%s\t%.5f\t%.5f\t%d\t%.1f",
                    size.percent(),
                    run,
                    first,
                    verdict,
                    ratio,
                    mde,
                    forksToResolve,
                    seconds);
        }

        /** A trial from a line of {@code trials.tsv}. */
        static Trial parse(String line) {
            String[] f = line.split("\t", -1);
            if (f.length != 8) {
                throw new IllegalArgumentException("'" + line + "' has " + f.length + " fields; trials.tsv has 8");
            }
            return new Trial(
                    new Size(Integer.parseInt(f[0])),
                    Integer.parseInt(f[1]),
                    Verdict.valueOf(f[2]),
                    Verdict.valueOf(f[3]),
                    Double.parseDouble(f[4]),
                    Double.parseDouble(f[5]),
                    Integer.parseInt(f[6]),
                    Double.parseDouble(f[7]));
        }
    }

    private final Function<String, TimingGate> gates;
    private final PrintWriter progress;

    /**
     * @param gates    a gate for the trial of the given name (e.g. {@code plus20-run03}), which
     *                 names where its forks' files go
     * @param progress where a line per trial goes
     */
    public PowerExperiment(Function<String, TimingGate> gates, PrintWriter progress) {
        this.gates = gates;
        this.progress = progress;
    }

    /**
     * Runs {@code runs} gate runs of {@code build} against itself for each size, appending each
     * trial to {@code trialsTsv}.
     *
     * @param plan what each fork runs; it must time exactly one gating benchmark, the one injected
     */
    public List<Trial> run(
            BuildUnderTest build, ForkPlan plan, SequentialDesign design, List<Size> sizes, int runs, Path trialsTsv)
            throws IOException {
        if (runs < 1) {
            throw new IllegalArgumentException("runs=" + runs + " must be at least 1");
        }
        if (sizes.isEmpty()) {
            throw new IllegalArgumentException("sizes is empty; the experiment needs at least one size");
        }
        Files.createDirectories(trialsTsv.toAbsolutePath().getParent());
        Files.writeString(trialsTsv, TSV_HEADER + "\n", StandardCharsets.UTF_8);
        BuildUnderTest base = new BuildUnderTest("base", build.classpath(), build.jvmArgs()).withJvmArgs(BASE_JVM_ARGS);
        List<Trial> trials = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            for (Size size : sizes) {
                BuildUnderTest candidate = new BuildUnderTest("candidate", build.classpath(), build.jvmArgs())
                        .withJvmArgs(size.candidateJvmArgs());
                String name = String.format(
                        Locale.ROOT, "%s-run%02d", size.percent() == 0 ? "aa" : "plus" + size.percent(), run);
                long t0 = System.nanoTime();
                TimingGate.Outcome o = gates.apply(name).run(base, candidate, plan, design);
                Trial t = trial(size, run, o, (System.nanoTime() - t0) / 1e9);
                trials.add(t);
                Files.writeString(trialsTsv, t.tsv() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                progress.printf(
                        Locale.ROOT,
                        "power: %s run %d/%d: %s (first %s), ratio %.3f, MDE %.1f%%, %.0f s%n",
                        size.label(),
                        run,
                        runs,
                        t.verdict(),
                        t.first(),
                        t.ratio(),
                        100 * t.mde(),
                        t.seconds());
            }
        }
        return trials;
    }

    /** The trial of the outcome's one gating benchmark. */
    static Trial trial(Size size, int run, TimingGate.Outcome o, double seconds) {
        List<TimingGate.Row> gating =
                o.rows().stream().filter(TimingGate.Row::gating).toList();
        if (gating.size() != 1) {
            throw new IllegalArgumentException("the power experiment times exactly one gating benchmark (the one"
                    + " slow:P slows), but this run timed " + gating.size() + ": narrow --include and --param");
        }
        TimingGate.Row r = gating.get(0);
        return new Trial(
                size,
                run,
                r.first().verdict(),
                r.verdict(),
                r.first().ratio(),
                r.first().power().mde(),
                r.first().power().forksToResolve(),
                seconds);
    }

    /** The trials of a {@code trials.tsv} this class wrote (complete or interrupted). */
    public static List<Trial> read(Path trialsTsv) throws IOException {
        List<String> lines = Files.readAllLines(trialsTsv, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(TSV_HEADER)) {
            throw new IllegalArgumentException(trialsTsv + " does not start with the header of trials.tsv");
        }
        List<Trial> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                out.add(Trial.parse(line));
            }
        }
        return out;
    }
}

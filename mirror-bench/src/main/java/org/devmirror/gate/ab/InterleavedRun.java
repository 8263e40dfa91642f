package org.devmirror.gate.ab;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * Runs two builds' forks alternately, base then candidate, round after round: A B A B ...
 *
 * <p>Why interleave: a shared machine's speed drifts over minutes (a neighbour's build, thermal
 * and frequency changes). Running all of A and then all of B would turn that drift into a
 * difference between the builds; alternating spreads it evenly over both sides, and
 * {@link ForkNormalisation} cancels what the two forks of a round still share.
 */
public final class InterleavedRun {

    /** The two builds' fork scores after {@code rounds} rounds. */
    public record Samples(ForkSeries base, ForkSeries candidate) {}

    private final ForkRunner runner;
    private final PrintWriter progress;

    public InterleavedRun(ForkRunner runner, PrintWriter progress) {
        this.runner = runner;
        this.progress = progress;
    }

    /** Runs {@code rounds} rounds of one base fork then one candidate fork. */
    public Samples run(BuildUnderTest base, BuildUnderTest candidate, ForkPlan plan, int rounds)
            throws IOException {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds=" + rounds + " must be at least 1");
        }
        ForkSeries a = new ForkSeries();
        ForkSeries b = new ForkSeries();
        for (int round = 0; round < rounds; round++) {
            long t0 = System.nanoTime();
            a.addRound(runner.runFork(base, plan, round));
            b.addRound(runner.runFork(candidate, plan, round));
            progress.printf("gate: round %d/%d done (%s, %s) in %.0f s%n", round + 1, rounds, base.name(),
                    candidate.name(), (System.nanoTime() - t0) / 1e9);
        }
        return new Samples(a, b);
    }
}

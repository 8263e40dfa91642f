package org.devmirror.gate.ab;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * Runs two builds' forks alternately, round after round, in counterbalanced order: A B, B A, A B,
 * B A ... (each round is one fork of each build).
 *
 * <p>Why interleave: a shared machine's speed drifts over minutes (a neighbour's build, thermal
 * and frequency changes). Running all of A and then all of B would turn that drift into a
 * difference between the builds; alternating spreads it evenly over both sides, and
 * {@link ForkNormalisation} cancels what the two forks of a round still share.
 *
 * <p>Why swap the order every other round: the second fork of a round starts right after a JVM
 * exited (its page cache warm, the CPU's frequency where the first left it, a neighbour's burst
 * that began during the first), so "second" is a condition of its own. With A always first, a
 * position effect would read as a difference between the builds; alternating the order (an ABBA
 * design) gives each build the same number of first and second places, so a position effect
 * adds spread to both sides equally instead of a bias to one.
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

    /** Runs {@code rounds} rounds of one fork of each build: base first in even rounds, candidate first in odd ones. */
    public Samples run(BuildUnderTest base, BuildUnderTest candidate, ForkPlan plan, int rounds) throws IOException {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds=" + rounds + " must be at least 1");
        }
        Samples s = new Samples(new ForkSeries(plan.clock()), new ForkSeries(plan.clock()));
        extend(s, base, candidate, plan, rounds);
        return s;
    }

    /**
     * Adds rounds to {@code s}, numbered on from those it holds, until it holds {@code rounds}: a
     * sequential gate's next look.
     */
    public void extend(Samples s, BuildUnderTest base, BuildUnderTest candidate, ForkPlan plan, int rounds)
            throws IOException {
        ForkSeries a = s.base();
        ForkSeries b = s.candidate();
        for (int round = a.rounds(); round < rounds; round++) {
            long t0 = System.nanoTime();
            if (round % 2 == 0) {
                a.addRound(runner.runFork(base, plan, round));
                b.addRound(runner.runFork(candidate, plan, round));
            } else {
                b.addRound(runner.runFork(candidate, plan, round));
                a.addRound(runner.runFork(base, plan, round));
            }
            progress.printf(
                    "gate: round %d/%d done (%s, %s) in %.0f s%n",
                    round + 1, rounds, base.name(), candidate.name(), (System.nanoTime() - t0) / 1e9);
        }
    }
}

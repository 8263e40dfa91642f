package org.devmirror.gate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.devmirror.bench.report.BenchResult;

/**
 * The fork scores of one build gathered over the rounds of an interleaved run: for each benchmark
 * label, its nanoseconds per operation in round 0, 1, 2, ... Fork {@code i} of every benchmark
 * comes from the same JVM, which is what lets {@link ForkNormalisation} pair a benchmark with its
 * reference by index.
 *
 * <p>Not thread-safe; one runner fills it round by round.
 */
public final class ForkSeries {
    private final Map<String, List<Double>> nanosByLabel = new LinkedHashMap<>();
    private final Map<String, String> benchmarkByLabel = new LinkedHashMap<>();
    private int rounds;

    /**
     * Adds one round: the results of one fork, each holding exactly one fork's score. Every round
     * must measure the same benchmarks, or forks could not be paired.
     */
    public void addRound(List<BenchResult> fork) {
        Map<String, Double> round = new LinkedHashMap<>();
        for (BenchResult r : fork) {
            double[] nanos = r.forkNanosPerOp();
            if (nanos.length != 1) {
                throw new IllegalArgumentException(r.label() + " holds " + nanos.length
                        + " forks; a round holds exactly one fork of each benchmark");
            }
            if (round.put(r.label(), nanos[0]) != null) {
                throw new IllegalArgumentException(r.label() + " appears twice in one round");
            }
            benchmarkByLabel.putIfAbsent(r.label(), r.benchmark());
        }
        if (rounds > 0 && !round.keySet().equals(nanosByLabel.keySet())) {
            throw new IllegalArgumentException("round " + rounds + " measured " + round.keySet()
                    + " but earlier rounds measured " + nanosByLabel.keySet());
        }
        for (Map.Entry<String, Double> e : round.entrySet()) {
            nanosByLabel.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        rounds++;
    }

    public int rounds() {
        return rounds;
    }

    /** The labels measured, in the order JMH first ran them. */
    public Set<String> labels() {
        return Collections.unmodifiableSet(nanosByLabel.keySet());
    }

    /** The fully qualified benchmark method behind {@code label}. */
    public String benchmarkOf(String label) {
        String b = benchmarkByLabel.get(label);
        if (b == null) {
            throw new IllegalArgumentException("label=" + label + " was not measured");
        }
        return b;
    }

    /** Nanoseconds per operation of {@code label}, one value per round. */
    public double[] nanosPerOp(String label) {
        List<Double> v = nanosByLabel.get(label);
        if (v == null) {
            throw new IllegalArgumentException("label=" + label + " was not measured");
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }
}

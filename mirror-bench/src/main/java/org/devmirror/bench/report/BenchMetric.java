package org.devmirror.bench.report;

import java.util.Arrays;

/**
 * One metric of one benchmark in one run: JMH's primary score or a secondary metric such as
 * {@code gc.alloc.rate.norm}, with the per-iteration values of every measurement fork.
 *
 * <p>{@code forkIterations[f][i]} is the score of measurement iteration {@code i} of fork
 * {@code f}, as JMH's {@code rawData} holds it. A fork's score is the mean of its iterations,
 * which is how JMH itself aggregates iterations into a fork's result in every mode.
 */
@SuppressWarnings("ArrayRecordComponent") // equals and hashCode are overridden to compare the array contents
public record BenchMetric(double score, double scoreError, String unit, double[][] forkIterations) {

    public BenchMetric {
        if (unit == null) {
            throw new IllegalArgumentException("unit=null; every metric has a unit");
        }
        if (forkIterations == null) {
            throw new IllegalArgumentException("forkIterations=null; pass an empty array when JMH printed no raw data");
        }
        forkIterations = deepCopy(forkIterations);
    }

    @Override
    public double[][] forkIterations() {
        return deepCopy(forkIterations);
    }

    /** The number of measurement forks with raw data. */
    public int forkCount() {
        return forkIterations.length;
    }

    /** Each fork's score: the mean of its iterations. A fork without iterations has score NaN. */
    public double[] forkScores() {
        double[] scores = new double[forkIterations.length];
        for (int f = 0; f < forkIterations.length; f++) {
            double[] iterations = forkIterations[f];
            double sum = 0;
            for (double v : iterations) {
                sum += v;
            }
            scores[f] = iterations.length == 0 ? Double.NaN : sum / iterations.length;
        }
        return scores;
    }

    /** Every iteration of every fork, fork by fork. */
    public double[] iterationSamples() {
        return Arrays.stream(forkIterations).flatMapToDouble(Arrays::stream).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BenchMetric m
                && Double.compare(score, m.score) == 0
                && Double.compare(scoreError, m.scoreError) == 0
                && unit.equals(m.unit)
                && Arrays.deepEquals(forkIterations, m.forkIterations);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * Double.hashCode(score) + Double.hashCode(scoreError)) + unit.hashCode())
                + Arrays.deepHashCode(forkIterations);
    }

    @Override
    public String toString() {
        return "BenchMetric[score=" + score + ", scoreError=" + scoreError + ", unit=" + unit + ", forkIterations="
                + Arrays.deepToString(forkIterations) + "]";
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] copy = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            if (a[i] == null) {
                throw new IllegalArgumentException("forkIterations[" + i + "]=null");
            }
            copy[i] = a[i].clone();
        }
        return copy;
    }
}

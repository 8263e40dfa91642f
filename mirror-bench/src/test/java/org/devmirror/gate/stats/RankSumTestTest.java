package org.devmirror.gate.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.statistics.inference.MannWhitneyUTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gate's rank-sum test, Commons Statistics' {@code MannWhitneyUTest} as
 * {@link TimingComparator#RANK_SUM_TEST} configures it, reproduces the published critical values
 * and the SciPy reference p-values that devmirror's own implementation was checked against before
 * the library replaced it: the same data, the same verdicts at alpha = 0.05.
 */
class RankSumTestTest {

    /** Samples of size n each, no ties, arranged so that U of x is exactly u. */
    private static double[][] samplesWithU(int n, int u) {
        double[] x = new double[n];
        double[] y = new double[n];
        for (int j = 0; j < n; j++) {
            y[j] = j;
        }
        // x[i] beats c[i] of the y values: place it just above y[c[i] - 1], or below all of them;
        // the offset i/100 keeps x values distinct, so the sample has no ties.
        int left = u;
        for (int i = n - 1; i >= 0; i--) {
            int c = Math.min(n, left);
            left -= c;
            x[i] = c > 0 ? c - 0.5 + i / 100.0 : -1 - i;
        }
        return new double[][] {x, y};
    }

    /**
     * Two-tailed critical values of U at alpha = 0.05 for equal sample sizes, as printed in the
     * standard tables (e.g. Zar, Biostatistical Analysis, table B.11): U at or below the critical
     * value is significant, one above it is not.
     */
    @ParameterizedTest(name = "n={0}: critical U={1}")
    @CsvSource({"5, 2", "6, 5", "7, 8", "8, 13", "9, 17", "10, 23"})
    void exactTestReproducesCriticalValueTable(int n, int critical) {
        double[][] atCritical = samplesWithU(n, critical);
        double[][] above = samplesWithU(n, critical + 1);

        MannWhitneyUTest.Result significant = TimingComparator.RANK_SUM_TEST.test(atCritical[0], atCritical[1]);
        MannWhitneyUTest.Result notSignificant = TimingComparator.RANK_SUM_TEST.test(above[0], above[1]);

        assertEquals(critical, significant.getStatistic());
        assertFalse(significant.hasTiedValues(), "no ties: the exact distribution applies");
        assertTrue(significant.getPValue() <= 0.05, "p=" + significant.getPValue());
        assertTrue(notSignificant.getPValue() > 0.05, "p=" + notSignificant.getPValue());
    }

    @Test
    void completeSeparationOfThreeAgainstThree() {
        // U = 0: only 1 of the C(6,3) = 20 arrangements is as extreme in each direction: p = 2/20.
        MannWhitneyUTest.Result r = TimingComparator.RANK_SUM_TEST.test(new double[] {1, 2, 3}, new double[] {4, 5, 6});

        assertEquals(0, r.getStatistic());
        assertEquals(0.1, r.getPValue(), 1e-15);
    }

    @Test
    void exactMatchesScipyReference() {
        // SciPy 1.17: mannwhitneyu([19,22,16,29,24], [20,11,17,12], method="exact") -> U=17, p=1/9.
        MannWhitneyUTest.Result r =
                TimingComparator.RANK_SUM_TEST.test(new double[] {19, 22, 16, 29, 24}, new double[] {20, 11, 17, 12});

        assertEquals(17, r.getStatistic());
        assertEquals(0.1111111111111111, r.getPValue(), 1e-12);
        // The exact p-value for 9 against 9 at the n=9 critical value, also from SciPy.
        double[][] s = samplesWithU(9, 17);
        assertEquals(
                0.039983545865898806,
                TimingComparator.RANK_SUM_TEST.test(s[0], s[1]).getPValue(),
                1e-12);
    }

    @Test
    void tiesUseNormalApproximationWithTieCorrection() {
        // SciPy 1.17: mannwhitneyu(x, y, method="asymptotic") -> U=16, p=0.032965992470121094.
        double[] x = {1.1, 2.2, 2.2, 3.3, 4.4, 4.4, 5.5, 6.0, 7.0};
        double[] y = {2.2, 4.4, 5.5, 5.5, 8.0, 9.0, 9.5, 10.0, 11.0};

        MannWhitneyUTest.Result r = TimingComparator.RANK_SUM_TEST.test(x, y);

        assertTrue(r.hasTiedValues(), "ties: the normal approximation with tie correction applies");
        assertEquals(16, r.getStatistic());
        assertEquals(0.032965992470121094, r.getPValue(), 1e-6);
    }

    @Test
    void identicalSamplesShowNoDifference() {
        double[] a = {5, 5, 5, 5};

        assertEquals(8, TimingComparator.RANK_SUM_TEST.test(a, a.clone()).getStatistic());
        assertEquals(1.0, TimingComparator.rankSumPValue(a, a.clone()), "no variance: no evidence of a difference");
    }

    @Test
    void nanAndEmptySamplesAreRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> TimingComparator.RANK_SUM_TEST.test(new double[] {1, Double.NaN}, new double[] {2}));
        assertThrows(
                IllegalArgumentException.class,
                () -> TimingComparator.RANK_SUM_TEST.test(new double[] {1}, new double[0]));
    }
}

package org.devmirror.gate;

/**
 * The standard normal upper tail {@code P(Z > z)}, via the complementary error function.
 *
 * <p>{@code erfc} uses the Chebyshev-fitted approximation of Press et al., Numerical Recipes
 * (2nd ed., section 6.2, {@code erfcc}), whose relative error is below 1.2e-7 everywhere: far
 * finer than any decision made with a p-value.
 */
final class StandardNormal {
    private StandardNormal() {}

    static double upperTail(double z) {
        return 0.5 * erfc(z / Math.sqrt(2));
    }

    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277))))))));
        double r = t * Math.exp(poly);
        return x >= 0 ? r : 2 - r;
    }
}

package org.devmirror.gate;

/**
 * The outcome of a two-sided Mann-Whitney U test of samples {@code x} and {@code y}.
 *
 * @param ux     U of {@code x}: the number of pairs {@code (xi, yj)} with {@code xi > yj}, ties
 *               counting one half; {@code ux + uy = nx * ny}
 * @param uy     U of {@code y}
 * @param pValue the two-sided p-value
 * @param exact  {@code true} when the p-value is from the exact null distribution,
 *               {@code false} when from the normal approximation
 */
public record MannWhitneyResult(double ux, double uy, double pValue, boolean exact) {}

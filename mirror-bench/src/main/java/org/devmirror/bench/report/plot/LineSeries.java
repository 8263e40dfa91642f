package org.devmirror.bench.report.plot;

/**
 * One series of a line chart: points {@code (x[i], y[i])} joined in order, with an optional error
 * half-width per point.
 *
 * @param name    the legend entry, e.g. "UNMAP, event-aware" or "fill floor"
 * @param x       the x coordinates
 * @param y       the y coordinates, one per x
 * @param yErrors one error per point, or {@code null} for no error bars
 */
@SuppressWarnings(
        "ArrayRecordComponent") // its arrays are read by index and the record is never compared or hashed, so array
// identity in equals() does not matter
public record LineSeries(String name, double[] x, double[] y, double[] yErrors) {

    public LineSeries {
        PlotChecks.requireName(name);
        x = PlotChecks.finite("x", x).clone();
        y = PlotChecks.finite("y", y).clone();
        if (x.length != y.length) {
            throw new IllegalArgumentException(
                    "x.length=" + x.length + " but y.length=" + y.length + " in series \"" + name + "\"");
        }
        if (x.length == 0) {
            throw new IllegalArgumentException("series \"" + name + "\" has no points");
        }
        if (yErrors != null) {
            yErrors = PlotChecks.errors(y.length, yErrors).clone();
        }
    }

    /** A series without error bars. */
    public LineSeries(String name, double[] x, double[] y) {
        this(name, x, y, null);
    }

    @Override
    public double[] x() {
        return x.clone();
    }

    @Override
    public double[] y() {
        return y.clone();
    }

    @Override
    public double[] yErrors() {
        return yErrors == null ? null : yErrors.clone();
    }
}

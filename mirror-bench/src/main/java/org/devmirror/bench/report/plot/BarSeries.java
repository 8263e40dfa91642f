package org.devmirror.bench.report.plot;

/**
 * One series of a bar chart: a value per category of the chart, in the chart's category order,
 * with an optional error half-width per value (drawn as an error bar).
 *
 * @param name   the legend entry, e.g. "event-aware"
 * @param values one value per category
 * @param errors one error per category, or {@code null} for no error bars
 */
@SuppressWarnings(
        "ArrayRecordComponent") // its arrays are read by index and the record is never compared or hashed, so array
// identity in equals() does not matter
public record BarSeries(String name, double[] values, double[] errors) {

    public BarSeries {
        PlotChecks.requireName(name);
        values = PlotChecks.finite("values", values).clone();
        if (errors != null) {
            errors = PlotChecks.errors(values.length, errors).clone();
        }
    }

    /** A series without error bars. */
    public BarSeries(String name, double[] values) {
        this(name, values, null);
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    @Override
    public double[] errors() {
        return errors == null ? null : errors.clone();
    }
}

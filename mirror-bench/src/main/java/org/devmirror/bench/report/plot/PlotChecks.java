package org.devmirror.bench.report.plot;

/** Argument checks shared by the plot types; XChart's own failures on bad data are obscure. */
final class PlotChecks {
    private PlotChecks() {}

    static void requireName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name=" + name + " must be a non-blank legend entry");
        }
    }

    static double[] finite(String what, double[] values) {
        if (values == null) {
            throw new IllegalArgumentException(what + "=null");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(what + "[" + i + "]=" + values[i] + " is not finite");
            }
        }
        return values;
    }

    static double[] errors(int length, double[] errors) {
        if (errors.length != length) {
            throw new IllegalArgumentException(
                    "errors.length=" + errors.length + " but there are " + length + " values");
        }
        for (int i = 0; i < errors.length; i++) {
            if (!(errors[i] >= 0) || Double.isInfinite(errors[i])) {
                throw new IllegalArgumentException(
                        "errors[" + i + "]=" + errors[i] + " must be finite and non-negative");
            }
        }
        return errors;
    }

    static void requirePositive(String axis, String series, double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] <= 0) {
                throw new IllegalArgumentException(
                        series + ": " + axis + "[" + i + "]=" + values[i] + " cannot be drawn on a logarithmic axis");
            }
        }
    }
}

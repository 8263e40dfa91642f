package org.devmirror.bench.report;

import java.util.Locale;

/** Number formatting shared by the report tables: about four significant digits, locale-free. */
final class ReportNumbers {
    private ReportNumbers() {}

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+inf" : "-inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }

    /** {@code value ± error}, or just the value when the error is unknown. */
    static String format(Estimate e) {
        return Double.isNaN(e.error()) ? format(e.value()) : format(e.value()) + " \u00b1 " + format(e.error());
    }
}

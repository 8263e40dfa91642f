package org.devmirror.device.cost;

import java.util.Arrays;
import java.util.Locale;

/**
 * Modelled device time, in nanoseconds, broken down by {@link CostComponent}.
 *
 * @param profile the profile that priced it (its name goes into reports)
 * @param ns      nanoseconds per component, indexed by {@link CostComponent#ordinal()}; the record
 *                keeps its own copy
 */
// EnumOrdinal: ns is indexed by ordinal() and never leaves the process. ArrayRecordComponent: the record
// copies ns and overrides equals, hashCode and toString to use its contents.
@SuppressWarnings({"EnumOrdinal", "ArrayRecordComponent"})
public record DeviceTime(String profile, double[] ns) {
    /** Copies {@code ns} and checks it has one finite, non-negative value per component. */
    public DeviceTime {
        if (ns.length != CostComponent.values().length) {
            throw new IllegalArgumentException("ns.length=" + ns.length + " must be " + CostComponent.values().length);
        }
        ns = ns.clone();
        for (CostComponent c : CostComponent.values()) {
            double v = ns[c.ordinal()];
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(c.label() + "=" + v + " must be finite and non-negative");
            }
        }
    }

    /** A copy of the per-component nanoseconds. */
    @Override
    public double[] ns() {
        return ns.clone();
    }

    /** Nanoseconds spent on {@code component}. */
    public double ns(CostComponent component) {
        return ns[component.ordinal()];
    }

    /** Total modelled device time in nanoseconds. */
    public double totalNs() {
        double total = 0;
        for (double v : ns) {
            total += v;
        }
        return total;
    }

    /** The component with the largest share (the first of equals), for a one-line verdict. */
    public CostComponent dominant() {
        CostComponent best = CostComponent.values()[0];
        for (CostComponent c : CostComponent.values()) {
            if (ns(c) > ns(best)) {
                best = c;
            }
        }
        return best;
    }

    /** "1.234 ms (fault 1.100 ms, walk 12.3 us, ...)": the total and every non-zero component. */
    public String format() {
        StringBuilder out = new StringBuilder(human(totalNs()));
        String sep = " (";
        for (CostComponent c : CostComponent.values()) {
            if (ns(c) > 0) {
                out.append(sep).append(c.label()).append(' ').append(human(ns(c)));
                sep = ", ";
            }
        }
        return sep.equals(", ") ? out.append(')').toString() : out.toString();
    }

    /** A duration with a unit chosen so that it reads with 3-4 significant digits. */
    public static String human(double ns) {
        if (ns >= 1e9) {
            return String.format(Locale.ROOT, "%.3f s", ns / 1e9);
        } else if (ns >= 1e6) {
            return String.format(Locale.ROOT, "%.3f ms", ns / 1e6);
        } else if (ns >= 1e3) {
            return String.format(Locale.ROOT, "%.1f us", ns / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f ns", ns);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceTime t && profile.equals(t.profile) && Arrays.equals(ns, t.ns);
    }

    @Override
    public int hashCode() {
        return 31 * profile.hashCode() + Arrays.hashCode(ns);
    }

    @Override
    public String toString() {
        return profile + ": " + format();
    }
}

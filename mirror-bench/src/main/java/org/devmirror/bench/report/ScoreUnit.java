package org.devmirror.bench.report;

/**
 * A JMH score unit: either time per operation ({@code ns/op}, {@code us/op}, ...) or operations
 * per time ({@code ops/ms}, ...), with the time unit labels of JMH's {@code TimeValue}
 * ({@code ns, us, ms, s, min, hr, day}).
 *
 * @param nanosPerTimeUnit how many nanoseconds one unit of the time part is
 * @param perOperation     {@code true} for time/op, {@code false} for ops/time
 */
record ScoreUnit(double nanosPerTimeUnit, boolean perOperation) {

    static ScoreUnit parse(String unit) {
        if (unit.endsWith("/op")) {
            return new ScoreUnit(nanos(unit, unit.substring(0, unit.length() - 3)), true);
        }
        if (unit.startsWith("ops/")) {
            return new ScoreUnit(nanos(unit, unit.substring(4)), false);
        }
        throw new IllegalArgumentException("unit=" + unit + " is neither time/op nor ops/time");
    }

    private static double nanos(String unit, String time) {
        return switch (time) {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "min" -> 60e9;
            case "hr" -> 3600e9;
            case "day" -> 86400e9;
            default -> throw new IllegalArgumentException("unit=" + unit + " has an unknown time unit '" + time + "'");
        };
    }

    double toNanosPerOp(double score) {
        return perOperation ? score * nanosPerTimeUnit : nanosPerTimeUnit / score;
    }

    Estimate toNanosPerOp(Estimate score) {
        return perOperation ? score.scale(nanosPerTimeUnit) : score.reciprocal().scale(nanosPerTimeUnit);
    }
}

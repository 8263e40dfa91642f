package org.devmirror.bench.probe;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeSet;
import org.devmirror.bench.report.MarkdownTable;

/**
 * Every difference between a recorded {@link Baseline} and the values measured now, one row per
 * changed value: what {@code ./devmirror gate} prints when it fails, and what
 * {@code --update-baseline} shows before recording.
 *
 * <p>Deterministic values cannot be noisy, so there is no tolerance: a counter of 512 that became
 * 513 is a row. A value present on one side only shows {@code absent} on the other.
 *
 * @param changes the changed values, ordered by check then metric
 */
public record BaselineDiff(List<Change> changes) {

    /** The metric name of the allocation value in {@link Change#metric()}. */
    public static final String ALLOC_METRIC = "allocBytesPerOp";
    /** The metric name used when a check without any value is added or removed. */
    public static final String CHECK_METRIC = "(check)";
    /** What a side without the value shows. */
    public static final String ABSENT = "absent";

    /**
     * One changed value.
     *
     * @param check    the benchmark or check name
     * @param metric   {@link #ALLOC_METRIC}, {@code counters.<name>}, or {@link #CHECK_METRIC}
     * @param baseline the recorded value, or {@link #ABSENT}
     * @param now      the measured value, or {@link #ABSENT}
     */
    public record Change(String check, String metric, String baseline, String now) {}

    public BaselineDiff {
        changes = List.copyOf(changes);
    }

    static BaselineDiff between(Baseline recorded, Baseline now) {
        List<Change> changes = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(recorded.checks().keySet());
        names.addAll(now.checks().keySet());
        for (String check : names) {
            BaselineEntry was = recorded.checks().get(check);
            BaselineEntry is = now.checks().get(check);
            if ((was == null || isEmpty(was)) && (is == null || isEmpty(is))) {
                if ((was == null) != (is == null)) {
                    changes.add(new Change(
                            check, CHECK_METRIC, was == null ? ABSENT : "present", is == null ? ABSENT : "present"));
                }
                continue;
            }
            String a = alloc(was);
            String b = alloc(is);
            if (!a.equals(b)) {
                changes.add(new Change(check, ALLOC_METRIC, a, b));
            }
            TreeSet<String> counters = new TreeSet<>();
            if (was != null) {
                counters.addAll(was.counters().keySet());
            }
            if (is != null) {
                counters.addAll(is.counters().keySet());
            }
            for (String counter : counters) {
                String x = counter(was, counter);
                String y = counter(is, counter);
                if (!x.equals(y)) {
                    changes.add(new Change(check, "counters." + counter, x, y));
                }
            }
        }
        return new BaselineDiff(changes);
    }

    /** Whether nothing changed. */
    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** The changes as a Markdown table with columns check, metric, baseline, now. */
    public String toTable() {
        MarkdownTable t = new MarkdownTable("Check", "Metric", "Baseline>", "Now>");
        for (Change c : changes) {
            t.row(c.check(), c.metric(), c.baseline(), c.now());
        }
        return t.render();
    }

    private static boolean isEmpty(BaselineEntry e) {
        return e.allocBytesPerOp().isEmpty() && e.counters().isEmpty();
    }

    private static String alloc(BaselineEntry e) {
        if (e == null) {
            return ABSENT;
        }
        OptionalDouble a = e.allocBytesPerOp();
        return a.isPresent()
                ? BigDecimal.valueOf(a.getAsDouble()).stripTrailingZeros().toPlainString()
                : ABSENT;
    }

    private static String counter(BaselineEntry e, String name) {
        if (e == null) {
            return ABSENT;
        }
        Map<String, Long> c = e.counters();
        Long v = c.get(name);
        return v == null ? ABSENT : Long.toString(v);
    }
}

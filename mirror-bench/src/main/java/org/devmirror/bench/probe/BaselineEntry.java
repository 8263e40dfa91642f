package org.devmirror.bench.probe;

import java.util.Collections;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The deterministic values recorded for one benchmark or check in {@code perf/baseline.json}:
 * bytes allocated per operation and work counters per operation (PTEs written, tree nodes
 * visited, TLB flushes, retries). They do not depend on the machine's speed, so any difference
 * from the recorded value is a change in behaviour.
 *
 * @param allocBytesPerOp bytes allocated per operation, when the check measures allocation
 * @param counters        work counters by name, sorted
 */
public record BaselineEntry(OptionalDouble allocBytesPerOp, SortedMap<String, Long> counters) {

    public BaselineEntry {
        if (allocBytesPerOp == null) {
            throw new IllegalArgumentException("allocBytesPerOp=null; use OptionalDouble.empty()");
        }
        if (allocBytesPerOp.isPresent()) {
            double a = allocBytesPerOp.getAsDouble();
            if (!(a >= 0) || Double.isInfinite(a)) {
                throw new IllegalArgumentException("allocBytesPerOp=" + a + " must be finite and non-negative");
            }
        }
        TreeMap<String, Long> copy = new TreeMap<>();
        for (Map.Entry<String, Long> c : counters.entrySet()) {
            if (c.getKey() == null || c.getKey().isBlank()) {
                throw new IllegalArgumentException("counter name=" + c.getKey() + " must be non-blank");
            }
            if (c.getValue() == null || c.getValue() < 0) {
                throw new IllegalArgumentException(
                        "counter " + c.getKey() + "=" + c.getValue() + " must be non-negative");
            }
            copy.put(c.getKey(), c.getValue());
        }
        counters = Collections.unmodifiableSortedMap(copy);
    }

    /** An entry with allocation and counters. */
    public static BaselineEntry of(double allocBytesPerOp, Map<String, Long> counters) {
        return new BaselineEntry(OptionalDouble.of(allocBytesPerOp), new TreeMap<>(counters));
    }

    /** An entry with counters only. */
    public static BaselineEntry countersOnly(Map<String, Long> counters) {
        return new BaselineEntry(OptionalDouble.empty(), new TreeMap<>(counters));
    }
}

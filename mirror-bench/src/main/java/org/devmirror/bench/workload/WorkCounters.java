package org.devmirror.bench.workload;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Named work counters accumulated from a workload (PTEs written and zapped, tree nodes visited,
 * TLB flushes, retries). Not used on a hot path: the workloads keep primitive counters and add
 * them here when asked.
 */
public final class WorkCounters {
    private final TreeMap<String, Long> values = new TreeMap<>();

    /** Adds {@code n} to counter {@code name}. */
    public void add(String name, long n) {
        values.merge(name, n, Long::sum);
    }

    /** A copy of the counters, by name. */
    public SortedMap<String, Long> snapshot() {
        return new TreeMap<>(values);
    }
}

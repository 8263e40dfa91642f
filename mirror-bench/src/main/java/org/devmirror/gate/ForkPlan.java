package org.devmirror.gate;

import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * How each fork of the timing gate runs JMH: which benchmarks, how long it warms up and
 * measures, and where. Each fork is one JVM running {@code org.openjdk.jmh.Main} with
 * {@code -f 1}, so one fork of every included benchmark; the gate gets its many forks by running
 * many such JVMs, alternating the two builds.
 *
 * <p>Short iterations are enough: the gate compares medians over at least 9 forks per side, so
 * the fork-to-fork spread (JIT decisions, code alignment, a neighbour's build) dominates the
 * noise, not the length of one measurement.
 *
 * @param include              JMH's benchmark regex
 * @param warmupIterations     warmup iterations per fork
 * @param warmupMillis         milliseconds per warmup iteration
 * @param measureIterations    measurement iterations per fork
 * @param measureMillis        milliseconds per measurement iteration
 * @param params               JMH {@code -p name=v1,v2} restrictions of {@code @Param} values,
 *                             by parameter name (empty: every value the suite declares)
 * @param cpu                  the CPU to pin each fork to with {@code taskset -c}, if any
 * @param javaBinary           the {@code java} binary that starts each fork; JMH's own fork
 *                             inherits it and the JVM arguments
 */
public record ForkPlan(String include, int warmupIterations, int warmupMillis, int measureIterations,
                       int measureMillis, SortedMap<String, String> params, OptionalInt cpu, Path javaBinary) {

    public ForkPlan {
        if (include == null || include.isBlank()) {
            throw new IllegalArgumentException("include=" + include + " must be a benchmark regex");
        }
        Pattern.compile(include);
        if (warmupIterations < 0) {
            throw new IllegalArgumentException("warmupIterations=" + warmupIterations + " must be non-negative");
        }
        if (measureIterations < 1) {
            throw new IllegalArgumentException("measureIterations=" + measureIterations + " must be at least 1");
        }
        if (warmupMillis < 1 || measureMillis < 1) {
            throw new IllegalArgumentException("warmupMillis=" + warmupMillis + ", measureMillis=" + measureMillis
                    + " must be at least 1");
        }
        if (cpu == null) {
            throw new IllegalArgumentException("cpu=null; use OptionalInt.empty() for no pinning");
        }
        if (cpu.isPresent() && cpu.getAsInt() < 0) {
            throw new IllegalArgumentException("cpu=" + cpu.getAsInt() + " must be a CPU number");
        }
        if (javaBinary == null) {
            throw new IllegalArgumentException("javaBinary=null");
        }
        for (Map.Entry<String, String> p : params.entrySet()) {
            if (p.getKey().isBlank() || p.getValue().isBlank()) {
                throw new IllegalArgumentException("param " + p.getKey() + "=" + p.getValue()
                        + " needs a name and at least one value");
            }
        }
        params = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(params));
    }

    /** The {@code java} binary of the JVM running the gate. */
    public static Path currentJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** This plan with another benchmark regex (the confirmation rerun narrows it). */
    public ForkPlan withInclude(String regex) {
        return new ForkPlan(regex, warmupIterations, warmupMillis, measureIterations, measureMillis, params, cpu,
                javaBinary);
    }
}

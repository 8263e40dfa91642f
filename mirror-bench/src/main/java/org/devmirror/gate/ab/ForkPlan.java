package org.devmirror.gate.ab;

import java.nio.file.Path;
import java.util.Collections;
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
 * <p>Warmup and measurement default to each benchmark's own annotations, which the suite tunes
 * per mode (a few 200 ms iterations for average time, hundreds of single shots for the
 * invalidation benchmarks); any of them can be overridden. Short forks are enough: the gate
 * compares medians over at least 9 forks per side, so the fork-to-fork spread (JIT decisions,
 * code alignment, a neighbour's build) dominates the noise, not the length of one measurement.
 *
 * @param include           JMH's benchmark regex
 * @param warmupIterations  warmup iterations per fork ({@code -wi}), or the benchmark's own
 * @param measureIterations scored measurement iterations per fork ({@code -i}, plus the clock's
 *                          {@link ForkClock#unscoredIterations()}), or the benchmark's own (of
 *                          which the CPU clock then scores all but the last)
 * @param iterationMillis   milliseconds per timed iteration ({@code -w}, {@code -r}), or the
 *                          benchmark's own; single-shot benchmarks ignore it
 * @param params            JMH {@code -p name=v1,v2} restrictions of {@code @Param} values, by
 *                          parameter name (empty: every value the suite declares)
 * @param cpu               the CPU to pin each fork to with {@code taskset -c}, if any
 * @param javaBinary        the {@code java} binary that starts each fork; JMH's own fork
 *                          inherits it and the JVM arguments
 * @param clock             what each fork's score counts: wall-clock or the benchmark threads'
 *                          CPU time
 */
public record ForkPlan(
        String include,
        OptionalInt warmupIterations,
        OptionalInt measureIterations,
        OptionalInt iterationMillis,
        SortedMap<String, String> params,
        OptionalInt cpu,
        Path javaBinary,
        ForkClock clock) {

    public ForkPlan {
        if (include == null || include.isBlank()) {
            throw new IllegalArgumentException("include=" + include + " must be a benchmark regex");
        }
        Pattern.compile(include);
        if (warmupIterations.isPresent() && warmupIterations.getAsInt() < 0) {
            throw new IllegalArgumentException(
                    "warmupIterations=" + warmupIterations.getAsInt() + " must be non-negative");
        }
        if (measureIterations.isPresent() && measureIterations.getAsInt() < 1) {
            throw new IllegalArgumentException(
                    "measureIterations=" + measureIterations.getAsInt() + " must be at least 1");
        }
        if (iterationMillis.isPresent() && iterationMillis.getAsInt() < 1) {
            throw new IllegalArgumentException("iterationMillis=" + iterationMillis.getAsInt() + " must be at least 1");
        }
        if (cpu.isPresent() && cpu.getAsInt() < 0) {
            throw new IllegalArgumentException("cpu=" + cpu.getAsInt() + " must be a CPU number");
        }
        if (javaBinary == null) {
            throw new IllegalArgumentException("javaBinary=null");
        }
        if (clock == null) {
            throw new IllegalArgumentException("clock=null");
        }
        for (Map.Entry<String, String> p : params.entrySet()) {
            if (p.getKey().isBlank() || p.getValue().isBlank()) {
                throw new IllegalArgumentException(
                        "param " + p.getKey() + "=" + p.getValue() + " needs a name and at least one value");
            }
        }
        params = Collections.unmodifiableSortedMap(new TreeMap<>(params));
    }

    /** A plan using each benchmark's own warmup and measurement, unpinned, on the gate's JVM. */
    public static ForkPlan of(String include) {
        return new ForkPlan(
                include,
                OptionalInt.empty(),
                OptionalInt.empty(),
                OptionalInt.empty(),
                new TreeMap<>(),
                OptionalInt.empty(),
                currentJava(),
                ForkClock.WALL);
    }

    /** The {@code java} binary of the JVM running the gate. */
    public static Path currentJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** This plan with another benchmark regex (the confirmation rerun narrows it). */
    public ForkPlan withInclude(String regex) {
        return new ForkPlan(
                regex, warmupIterations, measureIterations, iterationMillis, params, cpu, javaBinary, clock);
    }

    /** This plan with {@code @Param} restrictions. */
    public ForkPlan withParams(SortedMap<String, String> restrictions) {
        return new ForkPlan(
                include, warmupIterations, measureIterations, iterationMillis, restrictions, cpu, javaBinary, clock);
    }

    /** This plan pinned to {@code cpuNumber}, or unpinned when empty. */
    public ForkPlan withCpu(OptionalInt cpuNumber) {
        return new ForkPlan(
                include, warmupIterations, measureIterations, iterationMillis, params, cpuNumber, javaBinary, clock);
    }

    /** This plan with explicit iteration settings; empty ones keep the benchmark's own. */
    public ForkPlan withIterations(OptionalInt warmup, OptionalInt measure, OptionalInt millis) {
        return new ForkPlan(include, warmup, measure, millis, params, cpu, javaBinary, clock);
    }

    /** This plan scored by {@code forkClock}. */
    public ForkPlan withClock(ForkClock forkClock) {
        return new ForkPlan(
                include, warmupIterations, measureIterations, iterationMillis, params, cpu, javaBinary, forkClock);
    }
}

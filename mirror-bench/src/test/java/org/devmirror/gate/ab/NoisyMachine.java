package org.devmirror.gate.ab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import org.devmirror.bench.report.BenchMetric;
import org.devmirror.bench.report.BenchResult;

/**
 * A model of a shared, noisy machine running forks: each fork suffers a drift that slows every
 * benchmark in it alike (a neighbour's build, frequency changes: 15% standard deviation), plus
 * independent noise per benchmark (3%). A benchmark costs its nanoseconds times the candidate's
 * slowdown factor when the candidate runs it, and the invalidation its {@code slow:P} injection
 * when the build's JVM arguments carry one.
 */
final class NoisyMachine implements ForkRunner {
    static final String FILL = "org.devmirror.bench.FloorBench.fill";
    static final String INVALIDATE = "org.devmirror.bench.InvalidateBench.invalidate";
    static final String DISPATCH = "org.devmirror.bench.DispatchBench.hitNone";
    static final String LOOKUP = "org.devmirror.bench.LookupReferenceBench.treeMapFloorMiss";

    private final SplittableRandom random;
    /** Nanoseconds per operation by benchmark method, in the order forks run them. */
    private final Map<String, Double> cost = new LinkedHashMap<>();

    private final Map<String, Double> candidateSlowdown = new TreeMap<>();
    /** Whether the candidate's slowdown applies to the fork with this call number. */
    private IntPredicate slowdownActive = call -> true;

    final List<ForkPlan> plans = new ArrayList<>();
    /** The {@code -Ddevmirror.inject} values each build's forks ran with, by build name. */
    final Map<String, Set<String>> injections = new TreeMap<>();

    private int calls;

    NoisyMachine(long seed) {
        random = new SplittableRandom(seed);
        cost.put(FILL, 100.0);
        cost.put(INVALIDATE, 300.0);
        cost.put(DISPATCH, 50.0);
        cost.put(LOOKUP, 40.0);
    }

    NoisyMachine slowCandidate(String benchmark, double factor) {
        candidateSlowdown.put(benchmark, factor);
        return this;
    }

    NoisyMachine slowdownOnlyWhile(IntPredicate calls) {
        slowdownActive = calls;
        return this;
    }

    int calls() {
        return calls;
    }

    @Override
    public List<BenchResult> runFork(BuildUnderTest build, ForkPlan plan, int round) {
        int call = calls++;
        plans.add(plan);
        for (String a : build.jvmArgs()) {
            if (a.startsWith("-Ddevmirror.inject=")) {
                injections.computeIfAbsent(build.name(), k -> new TreeSet<>()).add(a);
            }
        }
        double drift = Math.max(0.5, 1 + 0.15 * random.nextGaussian());
        java.util.regex.Pattern include = java.util.regex.Pattern.compile(plan.include());
        List<BenchResult> fork = new ArrayList<>();
        for (Map.Entry<String, Double> b : cost.entrySet()) {
            if (!include.matcher(b.getKey()).find()) {
                continue;
            }
            double ns = b.getValue() * drift * (1 + 0.03 * random.nextGaussian());
            if (build.name().equals("candidate") && slowdownActive.test(call)) {
                ns *= candidateSlowdown.getOrDefault(b.getKey(), 1.0);
            }
            if (b.getKey().equals(INVALIDATE)) {
                ns *= 1 + injectedSlowdown(build);
            }
            // The worker's CPU time leaves out the drift (time a neighbour held the core).
            fork.add(result(b.getKey(), ns, plan.clock() == ForkClock.THREAD_CPU ? ns / drift : Double.NaN));
        }
        return fork;
    }

    /** The fraction {@code -Ddevmirror.inject=slow:P} among the build's JVM arguments asks for, as the suite's invalidation applies it. */
    private static double injectedSlowdown(BuildUnderTest build) {
        for (String a : build.jvmArgs()) {
            if (a.startsWith("-Ddevmirror.inject=")) {
                return org.devmirror.bench.workload.InjectedWork.slowdown(a.substring("-Ddevmirror.inject=".length()));
            }
        }
        return 0;
    }

    static BenchResult result(String benchmark, double nanos) {
        return result(benchmark, nanos, Double.NaN);
    }

    /** A fork's result, with the CPU clock's metric when {@code cpuNanos} is a number. */
    static BenchResult result(String benchmark, double nanos, double cpuNanos) {
        TreeMap<String, String> params = new TreeMap<>();
        if (benchmark.equals(FILL)) {
            params.put("bytes", "4096");
        } else if (benchmark.equals(DISPATCH)) {
            params.put("notifiers", "1024");
        } else if (benchmark.equals(LOOKUP)) {
            params.put("ranges", "1024");
        }
        TreeMap<String, BenchMetric> secondary = new TreeMap<>();
        if (!Double.isNaN(cpuNanos)) {
            secondary.put(
                    ThreadCpuProfiler.METRIC,
                    new BenchMetric(cpuNanos, Double.NaN, "ns/op", new double[][] {{cpuNanos}}));
        }
        return new BenchResult(
                benchmark,
                "avgt",
                params,
                new BenchMetric(nanos, Double.NaN, "ns/op", new double[][] {{nanos}}),
                secondary);
    }
}

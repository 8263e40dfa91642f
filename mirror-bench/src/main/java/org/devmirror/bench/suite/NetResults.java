package org.devmirror.bench.suite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.devmirror.bench.RearmBench;
import org.devmirror.bench.report.BenchMetric;
import org.devmirror.bench.report.BenchResult;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * The paired subtraction of the invalidation benchmarks: those with a {@link BenchEntry#net()}
 * in the registry ({@code InvalidateBench.invalidate} and {@code OnHeapMirrorBench.invalidate})
 * time one invalidation together with the restore of what it took away; where that restore
 * rewrites PTEs, {@code RearmBench.rewrite} times the rewrite
 * alone on the same size and table, and the difference is the invalidation's net figure, added
 * to the results as {@code InvalidateBench.net} / {@code OnHeapMirrorBench.net} with the same
 * parameters. The error is the two JMH errors added in quadrature (independent benchmarks); the
 * B/op is the whole operation's (the rewrite allocates nothing on the off-heap table, so nothing
 * is subtracted from it). Rows whose restore rewrites nothing keep their own figure.
 */
public final class NetResults {
    private NetResults() {}

    /**
     * Whether an invalidation of {@code event} under {@code policy} zaps the PTEs of a populated
     * range (so its benchmark's restore rewrites them): every blind one, and the event-aware
     * UNMAP, CLEAR, and MIGRATE and EXCLUSIVE of another device. The benchmarks' workload learns the
     * same by raising one invalidation ({@code InvalidationWorkload}), and a test holds the two to
     * agree; the report cannot, so for any other policy (a class name) it answers false and the
     * report shows no net figure for it.
     */
    public static boolean restoreRewrites(String event, String policy, boolean populated) {
        if (!populated || !PolicyResolver.isShippedName(policy)) {
            return false;
        }
        if (policy.equals("blind")) {
            return true;
        }
        // Exhaustive over the events: a new event must be placed here. The benchmarks raise
        // MIGRATE and EXCLUSIVE with another device as owner.
        return switch (MmuNotifierEvent.valueOf(event)) {
            case UNMAP, CLEAR, MIGRATE, EXCLUSIVE, RELEASE -> true;
            case PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY -> false;
        };
    }

    /** {@code results} followed by the net figure of every invalidation whose rewrite share was measured. */
    public static List<BenchResult> withNet(List<BenchResult> results) {
        Map<String, BenchResult> byLabel = new HashMap<>();
        for (BenchResult r : results) {
            byLabel.put(r.label(), r);
        }
        List<BenchResult> out = new ArrayList<>(results);
        Map<String, String> tables = rearmTables();
        for (BenchResult r : results) {
            String table = tables.get(r.benchmark());
            if (table == null) {
                continue;
            }
            Map<String, String> p = r.params();
            String event = p.get("event");
            String policy = p.getOrDefault("policy", "aware");
            boolean populated = Boolean.parseBoolean(p.getOrDefault("populated", "true"));
            if (event == null || !restoreRewrites(event, policy, populated)) {
                continue;
            }
            BenchResult rewrite =
                    byLabel.get(BenchEntry.label(RearmBench.class, "rewrite", "size", p.get("size"), "table", table));
            if (rewrite == null || !rewrite.unit().equals(r.unit())) {
                continue;
            }
            double error = Math.sqrt(r.scoreError() * r.scoreError() + rewrite.scoreError() * rewrite.scoreError());
            BenchMetric net = new BenchMetric(r.score() - rewrite.score(), error, r.unit(), new double[0][]);
            String benchmark = r.benchmark().substring(0, r.benchmark().lastIndexOf('.')) + ".net";
            out.add(new BenchResult(benchmark, r.mode(), new TreeMap<>(p), net, r.secondary()));
        }
        return out;
    }

    /** The benchmarks with a net figure ({@link BenchEntry#net()}), by JMH name, to the table their rewrite is timed on. */
    private static Map<String, String> rearmTables() {
        Map<String, String> tables = new HashMap<>();
        for (BenchEntry e : BenchRegistry.entries()) {
            e.net().ifPresent(n -> tables.put(e.benchmark(n.method()), n.rearmTable()));
        }
        return tables;
    }
}

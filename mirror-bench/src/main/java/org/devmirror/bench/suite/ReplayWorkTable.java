package org.devmirror.bench.suite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.devmirror.bench.ReplayBench;
import org.devmirror.bench.report.BenchResult;
import org.devmirror.bench.report.Estimate;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.mm.InvalidationRanges;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.replay.ReplayModel;
import org.devmirror.replay.ReplayResult;
import org.devmirror.replay.TraceReplay;
import org.devmirror.trace.ShippedTraces;
import org.devmirror.trace.StraceReader;

/**
 * The macro benchmark's section of {@code report.md}: for every trace {@code ReplayBench} timed,
 * the replay time under each policy (from JMH) next to what the devices had to do (from one
 * in-process replay per trace and policy: the counts are a pure function of the trace, the policy
 * and the {@link ReplayModel}, so one replay gives them exactly).
 */
public final class ReplayWorkTable {
    private ReplayWorkTable() {}

    /** The Markdown section, or an empty string when no {@code ReplayBench} result is in {@code results}. */
    public static String markdown(List<BenchResult> results, Path tracesDir) throws IOException {
        // (trace, ranges) -> policy -> result; a result from before the ranges parameter ran the kernel's
        Map<TraceRanges, Map<String, BenchResult>> timed = new LinkedHashMap<>();
        for (BenchResult r : results) {
            if (r.benchmark().equals(BenchRegistry.entry(ReplayBench.class).benchmark("replay"))) {
                InvalidationRanges ranges = InvalidationRanges.ofLabel(
                        r.params().getOrDefault("ranges", InvalidationRanges.KERNEL.label()));
                timed.computeIfAbsent(new TraceRanges(r.params().get("trace"), ranges), k -> new LinkedHashMap<>())
                        .put(r.params().get("policy"), r);
            }
        }
        if (timed.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("\n## Trace replay (macro benchmark)\n\n")
                .append("Time: JMH single-shot, one whole replay per invocation (host calls, invalidations, device ")
                .append("work, device refaults, the model's touches and the oracle). Work: one in-process replay, ")
                .append("exact. Device time: that replay's device work priced as modelled device time by the ")
                .append(CostProfile.DEFAULT.name())
                .append(" cost profile (docs/cost-model.md). Work units, kept as a ")
                .append(
                        "secondary column: PTEs zapped + downgraded + re-read + TLB flushes + pages faulted, unweighted. ")
                .append("Invalidating calls ms: the replay's own clock around each host call that raised an ")
                .append("invalidation, summed over events (a call raising two events counts twice), from that ")
                .append("one in-process replay (cold JIT: indicative only). Each replay builds a fresh host, whose ")
                .append("zeroed frames and swap are part of the JMH time. Ranges: the invalidation ranges the host ")
                .append("raised, the kernel's (`kernel`) or narrowed to the populated part (`narrowed`).\n\n")
                .append(
                        "| Trace | Ranges | Policy | Replay ms | Error | Invalidating calls ms | Device time ms | Device time vs aware | Invalidations | PTEs zapped | Refaults | Time vs aware | Work units | Work vs aware |\n")
                .append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<TraceRanges, Map<String, BenchResult>> t : timed.entrySet()) {
            ReplayModel model = ReplayBench.MODEL.withRanges(t.getKey().ranges());
            StraceReader.Trace trace = StraceReader.readAll(
                    ShippedTraces.file(tracesDir, t.getKey().trace()));
            // The shipped policies, aware first (the ratios are taken to it), then every other
            // policy timed: a class name given as --param policy=...
            List<String> policies = new ArrayList<>(List.of("aware", "blind"));
            t.getValue().keySet().stream()
                    .filter(p -> !policies.contains(p))
                    .sorted()
                    .forEach(policies::add);
            ReplayResult aware = TraceReplay.replay(trace, PolicyResolver.resolve("policy", "aware"), model);
            BenchResult awareTime = t.getValue().get("aware");
            for (String policy : policies) {
                ReplayResult r = policy.equals("aware")
                        ? aware
                        : TraceReplay.replay(trace, PolicyResolver.resolve("policy", policy), model);
                BenchResult time = t.getValue().get(policy);
                String timeRatio = time == null || awareTime == null
                        ? ""
                        : estimate(time.nanosPerOp().ratioTo(awareTime.nanosPerOp()));
                double deviceNs = r.work().time(CostProfile.DEFAULT).totalNs();
                double awareNs = aware.work().time(CostProfile.DEFAULT).totalNs();
                String deviceRatio = awareNs == 0 ? "" : String.format(Locale.ROOT, "%.2f", deviceNs / awareNs);
                String workRatio = aware.work().totalWork() == 0
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "%.2f",
                                (double) r.work().totalWork() / aware.work().totalWork());
                md.append("| ")
                        .append(t.getKey().trace())
                        .append(" | ")
                        .append(t.getKey().ranges().label())
                        .append(" | ")
                        .append(policy)
                        .append(" | ")
                        .append(time == null ? "" : String.format(Locale.ROOT, "%.3f", time.score()))
                        .append(" | ")
                        .append(time == null ? "" : String.format(Locale.ROOT, "%.3f", time.scoreError()))
                        .append(" | ")
                        .append(String.format(Locale.ROOT, "%.3f", invalidatingMillis(r)))
                        .append(" | ")
                        .append(String.format(Locale.ROOT, "%.3f", deviceNs / 1e6))
                        .append(" | ")
                        .append(deviceRatio)
                        .append(" | ")
                        .append(r.work().totalInvalidations())
                        .append(" | ")
                        .append(r.work().totalZapped())
                        .append(" | ")
                        .append(r.refaults())
                        .append(" | ")
                        .append(timeRatio)
                        .append(" | ")
                        .append(r.work().totalWork())
                        .append(" | ")
                        .append(workRatio)
                        .append(" |\n");
            }
        }
        return md.toString();
    }

    /** One row group of the table: a trace replayed with one ranges mode. */
    private record TraceRanges(String trace, InvalidationRanges ranges) {}

    /** The trace directory the benchmark forks used. */
    public static Path tracesDirectory() {
        Path p = SuiteRunner.tracesDirectory();
        return p != null ? p : ReplayBench.tracesDirectory();
    }

    /** The recorded host-call time of every event, summed (nanoseconds to milliseconds). */
    private static double invalidatingMillis(ReplayResult r) {
        double nanos = 0;
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            Histogram h = r.latency(e);
            nanos += h.getMean() * h.getTotalCount();
        }
        return nanos / 1e6;
    }

    private static String estimate(Estimate e) {
        return String.format(Locale.ROOT, "%.2f \u00b1 %.2f", e.value(), e.error());
    }
}

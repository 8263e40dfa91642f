package org.devmirror.replay;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.devmirror.bench.report.json.JsonValue;
import org.devmirror.bench.report.json.JsonValue.JsonArray;
import org.devmirror.bench.report.json.JsonValue.JsonBoolean;
import org.devmirror.bench.report.json.JsonValue.JsonNumber;
import org.devmirror.bench.report.json.JsonValue.JsonObject;
import org.devmirror.bench.report.json.JsonValue.JsonString;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.DeviceWork;
import org.devmirror.trace.SyscallKind;

/**
 * Prints replay results: as text (one policy, or several side by side with the ratio of each to
 * the first), or as the JSON object documented in docs/replay.md.
 */
public final class ReplayReport {
    private ReplayReport() {}

    /** The readable report of {@code results} (one per policy, same trace and model). */
    public static String text(String trace, ReplayModel model, List<ReplayResult> results) {
        ReplayResult first = results.get(0);
        StringBuilder out = new StringBuilder();
        out.append("replay of ").append(trace).append(": ").append(model.devices()).append(" device(s), seed ")
                .append(model.seed()).append(", ").append(model.ranges().label()).append(" ranges\n");
        out.append("\nsyscalls replayed: ").append(first.replayedTotal()).append('\n');
        for (SyscallKind kind : SyscallKind.values()) {
            if (first.replayed(kind) != 0) {
                out.append(String.format("  %-12s %8d%n", kind.name().toLowerCase(java.util.Locale.ROOT), first.replayed(kind)));
            }
        }
        out.append("skipped: ").append(first.skippedTotal()).append('\n');
        first.skipped().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.append(String.format("  %-20s %8d%n", e.getKey(), e.getValue())));
        if (!first.skippedByName().isEmpty()) {
            out.append("  by call:");
            first.skippedByName().forEach((name, n) -> out.append(' ').append(name).append('=').append(n));
            out.append('\n');
        }
        if (first.diverged() != 0) {
            out.append("diverged from the trace: ").append(first.diverged()).append(" call(s)\n");
            for (String d : first.divergenceSamples()) {
                out.append("  ").append(d).append('\n');
            }
        }
        out.append("CPU pages written by the model: ").append(first.cpuPagesWritten());
        if (first.cpuWriteErrors() != 0) {
            out.append(" (").append(first.cpuWriteErrors()).append(" refused: out of host frames)");
        }
        out.append('\n');
        out.append("\ninvalidations raised\n");
        row(out, "event", results, r -> r.policy());
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            if (anyEvent(results, e)) {
                row(out, e.name(), results, r -> Long.toString(r.events(e)));
            }
        }
        out.append("\ndevice work\n");
        row(out, "", results, r -> r.policy());
        workRow(out, "PTEs zapped", results, DeviceWork::totalZapped);
        workRow(out, "PTEs re-read", results, DeviceWork::totalReread);
        workRow(out, "PTEs downgraded", results, DeviceWork::totalDowngraded);
        workRow(out, "invalidations skipped", results, DeviceWork::totalSkipped);
        workRow(out, "TLB flushes", results, DeviceWork::totalTlbFlushes);
        workRow(out, "device faults", results, DeviceWork::faults);
        workRow(out, "pages faulted", results, DeviceWork::pagesFaulted);
        row(out, "refaults", results, r -> Long.toString(r.refaults()));
        row(out, "device touches", results, r -> Long.toString(r.deviceTouches()));
        row(out, "peak host frames", results, r -> Long.toString(r.peakFrames()));
        workRow(out, "total work", results, DeviceWork::totalWork);
        if (results.size() > 1) {
            out.append('\n');
            for (int i = 1; i < results.size(); i++) {
                out.append(String.format("total work %s / %s: %s%n", results.get(i).policy(), first.policy(),
                        ratio(results.get(i).work().totalWork(), first.work().totalWork())));
            }
        }
        out.append("\noracle\n");
        row(out, "checks", results, r -> Long.toString(r.oracleChecks()));
        row(out, "violations", results, r -> Long.toString(r.oracleViolations()));
        for (ReplayResult r : results) {
            for (String v : r.violationSamples()) {
                out.append("  ").append(r.policy()).append(": ").append(v).append('\n');
            }
        }
        out.append("\nlatency of host calls per event they raised (microseconds: p50 p99 max, count)\n");
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            if (!anyEvent(results, e)) {
                continue;
            }
            out.append(String.format("  %-16s", e.name()));
            for (ReplayResult r : results) {
                Histogram h = r.latency(e);
                out.append(String.format("  %s: %.1f %.1f %.1f (%d)", r.policy(), h.getValueAtPercentile(50) / 1e3,
                        h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount()));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** The JSON object of docs/replay.md. */
    public static JsonObject json(String trace, ReplayModel model, List<ReplayResult> results) {
        ReplayResult first = results.get(0);
        Map<String, JsonValue> out = new LinkedHashMap<>();
        out.put("trace", new JsonString(trace));
        Map<String, JsonValue> m = new LinkedHashMap<>();
        m.put("devices", JsonNumber.of(model.devices()));
        m.put("seed", JsonNumber.of(model.seed()));
        m.put("writePagesPerMapping", JsonNumber.of(model.writePagesPerMapping()));
        m.put("touchFraction", JsonNumber.of(model.touchFraction()));
        m.put("touchesPerCall", JsonNumber.of(model.touchesPerCall()));
        m.put("hostFrames", JsonNumber.of(model.hostFrames()));
        m.put("ranges", new JsonString(model.ranges().label()));
        out.put("model", new JsonObject(m));
        Map<String, JsonValue> syscalls = new LinkedHashMap<>();
        for (SyscallKind kind : SyscallKind.values()) {
            syscalls.put(kind.name(), JsonNumber.of(first.replayed(kind)));
        }
        syscalls.put("total", JsonNumber.of(first.replayedTotal()));
        syscalls.put("diverged", JsonNumber.of(first.diverged()));
        syscalls.put("divergenceSamples", new JsonArray(first.divergenceSamples().stream().<JsonValue>map(JsonString::new).toList()));
        out.put("syscalls", new JsonObject(syscalls));
        Map<String, JsonValue> skipped = new LinkedHashMap<>();
        skipped.put("total", JsonNumber.of(first.skippedTotal()));
        skipped.put("byReason", counts(first.skipped()));
        skipped.put("byName", counts(first.skippedByName()));
        skipped.put("samples", new JsonArray(first.skipSamples().stream().<JsonValue>map(s -> new JsonObject(Map.of(
                "line", JsonNumber.of(s.line()), "reason", new JsonString(s.reason()), "detail",
                new JsonString(s.detail())))).toList()));
        out.put("skipped", new JsonObject(skipped));
        out.put("events", events(first));
        Map<String, JsonValue> policies = new LinkedHashMap<>();
        long checks = 0;
        long violations = 0;
        for (ReplayResult r : results) {
            Map<String, JsonValue> p = new LinkedHashMap<>();
            p.put("events", events(r));
            p.put("device", r.work().toJson());
            p.put("refaults", JsonNumber.of(r.refaults()));
            p.put("deviceTouches", JsonNumber.of(r.deviceTouches()));
            p.put("cpuPagesWritten", JsonNumber.of(r.cpuPagesWritten()));
            p.put("cpuWriteErrors", JsonNumber.of(r.cpuWriteErrors()));
            p.put("peakFrames", JsonNumber.of(r.peakFrames()));
            p.put("oracle", oracle(r.oracleChecks(), r.oracleViolations(), r.violationSamples()));
            p.put("latencyNanos", latency(r));
            if (r != first) {
                p.put("workRatio", ratioJson(r.work().totalWork(), first.work().totalWork()));
            }
            policies.put(r.policy(), new JsonObject(p));
            checks += r.oracleChecks();
            violations += r.oracleViolations();
        }
        out.put("policies", new JsonObject(policies));
        out.put("oracle", oracle(checks, violations, List.of()));
        return new JsonObject(out);
    }

    private static JsonObject oracle(long checks, long violations, List<String> samples) {
        Map<String, JsonValue> o = new LinkedHashMap<>();
        o.put("checks", JsonNumber.of(checks));
        o.put("violations", JsonNumber.of(violations));
        o.put("clean", new JsonBoolean(violations == 0));
        if (!samples.isEmpty()) {
            o.put("samples", new JsonArray(samples.stream().<JsonValue>map(JsonString::new).toList()));
        }
        return new JsonObject(o);
    }

    private static JsonObject events(ReplayResult r) {
        Map<String, JsonValue> e = new LinkedHashMap<>();
        for (MmuNotifierEvent event : MmuNotifierEvent.values()) {
            e.put(event.name(), JsonNumber.of(r.events(event)));
        }
        return new JsonObject(e);
    }

    private static JsonObject latency(ReplayResult r) {
        Map<String, JsonValue> l = new LinkedHashMap<>();
        for (MmuNotifierEvent event : MmuNotifierEvent.values()) {
            Histogram h = r.latency(event);
            if (h.getTotalCount() == 0) {
                continue;
            }
            Map<String, JsonValue> one = new LinkedHashMap<>();
            one.put("count", JsonNumber.of(h.getTotalCount()));
            one.put("p50", JsonNumber.of(h.getValueAtPercentile(50)));
            one.put("p90", JsonNumber.of(h.getValueAtPercentile(90)));
            one.put("p99", JsonNumber.of(h.getValueAtPercentile(99)));
            one.put("max", JsonNumber.of(h.getMaxValue()));
            l.put(event.name(), new JsonObject(one));
        }
        return new JsonObject(l);
    }

    private static JsonObject counts(Map<String, Long> counts) {
        Map<String, JsonValue> out = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.put(e.getKey(), JsonNumber.of(e.getValue())));
        return new JsonObject(out);
    }

    private static JsonValue ratioJson(long value, long base) {
        return base == 0 ? JsonValue.JsonNull.INSTANCE : JsonNumber.of(Math.round(1000.0 * value / base) / 1000.0);
    }

    private static String ratio(long value, long base) {
        return base == 0 ? "n/a (no work)" : String.format("%.3f", (double) value / base);
    }

    private static boolean anyEvent(List<ReplayResult> results, MmuNotifierEvent e) {
        for (ReplayResult r : results) {
            if (r.events(e) != 0) {
                return true;
            }
        }
        return false;
    }

    private static void workRow(StringBuilder out, String label, List<ReplayResult> results,
            java.util.function.ToLongFunction<DeviceWork> value) {
        row(out, label, results, r -> Long.toString(value.applyAsLong(r.work())));
    }

    private static void row(StringBuilder out, String label, List<ReplayResult> results,
            java.util.function.Function<ReplayResult, String> cell) {
        out.append(String.format("  %-22s", label));
        for (ReplayResult r : results) {
            out.append(String.format(" %14s", cell.apply(r)));
        }
        out.append('\n');
    }
}

package org.devmirror.replay;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.devmirror.device.cost.CostComponent;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.cost.DeviceTime;
import org.devmirror.json.Json;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.CostProfileFile;
import org.devmirror.observe.DeviceWork;
import org.devmirror.trace.SyscallKind;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Prints replay results: as text (one policy, or several side by side with the ratio of each to
 * the first), or as the JSON object documented in docs/replay.md.
 */
public final class ReplayReport {
    private ReplayReport() {}

    /**
     * The readable report of {@code results} (one per policy, same trace and model): the modelled
     * device time under {@code profile} leads the device section, per component, then the counts
     * it was priced from.
     */
    public static String text(String trace, ReplayModel model, List<ReplayResult> results, CostProfile profile) {
        ReplayResult first = results.get(0);
        StringBuilder out = new StringBuilder();
        out.append("replay of ")
                .append(trace)
                .append(": ")
                .append(model.devices())
                .append(" device(s), seed ")
                .append(model.seed())
                .append(", ")
                .append(model.ranges().label())
                .append(" ranges\n");
        out.append("\nsyscalls replayed: ").append(first.replayedTotal()).append('\n');
        for (SyscallKind kind : SyscallKind.values()) {
            if (first.replayed(kind) != 0) {
                out.append(String.format(
                        "  %-12s %8d%n", kind.name().toLowerCase(java.util.Locale.ROOT), first.replayed(kind)));
            }
        }
        out.append("skipped: ").append(first.skippedTotal()).append('\n');
        first.skipped().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.append(String.format("  %-20s %8d%n", e.getKey(), e.getValue())));
        if (!first.skippedByName().isEmpty()) {
            out.append("  by call:");
            first.skippedByName()
                    .forEach((name, n) ->
                            out.append(' ').append(name).append('=').append(n));
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
        out.append("\nmodelled device time (")
                .append(profile.name())
                .append(": ")
                .append(profile.basis())
                .append(")\n");
        row(out, "", results, r -> r.policy());
        row(out, "total", results, r -> DeviceTime.human(r.work().time(profile).totalNs()));
        for (CostComponent c : CostComponent.values()) {
            if (results.stream().anyMatch(r -> r.work().time(profile).ns(c) != 0)) {
                row(
                        out,
                        "  " + c.label(),
                        results,
                        r -> DeviceTime.human(r.work().time(profile).ns(c)));
            }
        }
        if (results.size() > 1) {
            for (int i = 1; i < results.size(); i++) {
                out.append(String.format(
                        "  device time %s / %s: %s%n",
                        results.get(i).policy(),
                        first.policy(),
                        ratio(
                                results.get(i).work().time(profile).totalNs(),
                                first.work().time(profile).totalNs())));
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
        workRow(out, "pages to device", results, DeviceWork::pagesMigratedToDevice);
        workRow(out, "pages to system", results, DeviceWork::pagesMigratedToSystem);
        workRow(out, "queue evictions", results, DeviceWork::queueEvictions);
        row(out, "refaults", results, r -> Long.toString(r.refaults()));
        row(out, "device touches", results, r -> Long.toString(r.deviceTouches()));
        row(out, "peak host frames", results, r -> Long.toString(r.peakFrames()));
        workRow(out, "work units (unweighted)", results, DeviceWork::totalWork);
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
                out.append(String.format(
                        "  %s: %.1f %.1f %.1f (%d)",
                        r.policy(),
                        h.getValueAtPercentile(50) / 1e3,
                        h.getValueAtPercentile(99) / 1e3,
                        h.getMaxValue() / 1e3,
                        h.getTotalCount()));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** The JSON object of docs/replay.md, with modelled device time under {@code profile}. */
    @SuppressWarnings(
            "ReferenceEquality") // the first run is the reference the others are compared with; it is found by identity
    public static ObjectNode json(String trace, ReplayModel model, List<ReplayResult> results, CostProfile profile) {
        ReplayResult first = results.get(0);
        ObjectNode out = Json.object();
        out.set("trace", Json.string(trace));
        ObjectNode m = Json.object();
        m.set("devices", Json.number(model.devices()));
        m.set("seed", Json.number(model.seed()));
        m.set("writePagesPerMapping", Json.number(model.writePagesPerMapping()));
        m.set("touchFraction", Json.number(model.touchFraction()));
        m.set("touchesPerCall", Json.number(model.touchesPerCall()));
        m.set("hostFrames", Json.number(model.hostFrames()));
        m.set("ranges", Json.string(model.ranges().label()));
        out.set("model", m);
        out.set("costProfile", CostProfileFile.toJson(profile));
        ObjectNode syscalls = Json.object();
        for (SyscallKind kind : SyscallKind.values()) {
            syscalls.set(kind.name(), Json.number(first.replayed(kind)));
        }
        syscalls.set("total", Json.number(first.replayedTotal()));
        syscalls.set("diverged", Json.number(first.diverged()));
        syscalls.set("divergenceSamples", Json.strings(first.divergenceSamples()));
        out.set("syscalls", syscalls);
        ObjectNode skipped = Json.object();
        skipped.set("total", Json.number(first.skippedTotal()));
        skipped.set("byReason", counts(first.skipped()));
        skipped.set("byName", counts(first.skippedByName()));
        ArrayNode samples = skipped.putArray("samples");
        for (var sample : first.skipSamples()) {
            samples.addObject()
                    .put("line", sample.line())
                    .put("reason", sample.reason())
                    .put("detail", sample.detail());
        }
        out.set("skipped", skipped);
        out.set("events", events(first));
        ObjectNode policies = Json.object();
        long checks = 0;
        long violations = 0;
        for (ReplayResult r : results) {
            ObjectNode p = Json.object();
            p.set("events", events(r));
            p.set("device", r.work().toJson(profile));
            p.set("refaults", Json.number(r.refaults()));
            p.set("deviceTouches", Json.number(r.deviceTouches()));
            p.set("cpuPagesWritten", Json.number(r.cpuPagesWritten()));
            p.set("cpuWriteErrors", Json.number(r.cpuWriteErrors()));
            p.set("peakFrames", Json.number(r.peakFrames()));
            p.set("oracle", oracle(r.oracleChecks(), r.oracleViolations(), r.violationSamples()));
            p.set("latencyNanos", latency(r));
            if (r != first) {
                p.set(
                        "deviceTimeRatio",
                        ratioJson(
                                r.work().time(profile).totalNs(),
                                first.work().time(profile).totalNs()));
                p.set("workRatio", ratioJson((double) r.work().totalWork(), (double)
                        first.work().totalWork()));
            }
            policies.set(r.policy(), p);
            checks += r.oracleChecks();
            violations += r.oracleViolations();
        }
        out.set("policies", policies);
        out.set("oracle", oracle(checks, violations, List.of()));
        return out;
    }

    private static ObjectNode oracle(long checks, long violations, List<String> samples) {
        ObjectNode o = Json.object();
        o.set("checks", Json.number(checks));
        o.set("violations", Json.number(violations));
        o.set("clean", Json.bool(violations == 0));
        if (!samples.isEmpty()) {
            o.set("samples", Json.strings(samples));
        }
        return o;
    }

    private static ObjectNode events(ReplayResult r) {
        ObjectNode e = Json.object();
        for (MmuNotifierEvent event : MmuNotifierEvent.values()) {
            e.set(event.name(), Json.number(r.events(event)));
        }
        return e;
    }

    private static ObjectNode latency(ReplayResult r) {
        ObjectNode l = Json.object();
        for (MmuNotifierEvent event : MmuNotifierEvent.values()) {
            Histogram h = r.latency(event);
            if (h.getTotalCount() == 0) {
                continue;
            }
            ObjectNode one = Json.object();
            one.set("count", Json.number(h.getTotalCount()));
            one.set("p50", Json.number(h.getValueAtPercentile(50)));
            one.set("p90", Json.number(h.getValueAtPercentile(90)));
            one.set("p99", Json.number(h.getValueAtPercentile(99)));
            one.set("max", Json.number(h.getMaxValue()));
            l.set(event.name(), one);
        }
        return l;
    }

    private static ObjectNode counts(Map<String, Long> counts) {
        ObjectNode out = Json.object();
        counts.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.set(e.getKey(), Json.number(e.getValue())));
        return out;
    }

    private static JsonNode ratioJson(double value, double base) {
        return base == 0 ? Json.nullValue() : Json.number(Math.round(1000.0 * value / base) / 1000.0);
    }

    private static String ratio(double value, double base) {
        return base == 0 ? "n/a (no work)" : String.format(java.util.Locale.ROOT, "%.3f", value / base);
    }

    private static boolean anyEvent(List<ReplayResult> results, MmuNotifierEvent e) {
        for (ReplayResult r : results) {
            if (r.events(e) != 0) {
                return true;
            }
        }
        return false;
    }

    private static void workRow(
            StringBuilder out,
            String label,
            List<ReplayResult> results,
            java.util.function.ToLongFunction<DeviceWork> value) {
        row(out, label, results, r -> Long.toString(value.applyAsLong(r.work())));
    }

    private static void row(
            StringBuilder out,
            String label,
            List<ReplayResult> results,
            java.util.function.Function<ReplayResult, String> cell) {
        out.append(String.format("  %-22s", label));
        for (ReplayResult r : results) {
            out.append(String.format(" %14s", cell.apply(r)));
        }
        out.append('\n');
    }
}

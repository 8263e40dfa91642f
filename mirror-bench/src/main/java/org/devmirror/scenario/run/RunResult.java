package org.devmirror.scenario.run;

import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.json.Json;
import org.devmirror.mm.InvalidationRanges;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.DeviceWork;
import org.devmirror.observe.InvalidationRecorder;
import org.devmirror.observe.InvalidationRecorder.Invalidation;
import org.devmirror.scenario.model.DmirrorProt;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The outcome of a scenario run: every step, the expectations passed and failed, the
 * invalidations per event, each device's counters, the oracle, and the readable trace. The JSON
 * form ({@link #toJson()}) is the schema of docs/scenarios.md.
 */
@SuppressWarnings(
        "EnumOrdinal") // the per-event totals are an array indexed by ordinal(), as DeviceStats keeps them; the indices
// never leave the object
public final class RunResult {
    private final String file;
    private final String policy;
    // the ranges the host raised invalidations over
    private final InvalidationRanges ranges;
    private final List<StepRecord> steps;
    private final long passed;
    private final List<ExpectationFailure> failures;
    private final long[] events = new long[MmuNotifierEvent.COUNT];
    private final Map<String, DeviceWork> devices;
    private final long oracleChecks;
    private final List<String> violations;
    private final List<String> trace;

    RunResult(
            String file,
            String policy,
            InvalidationRanges ranges,
            List<StepRecord> steps,
            long passed,
            List<ExpectationFailure> failures,
            InvalidationRecorder recorder,
            Map<String, DeviceWork> devices,
            long oracleChecks,
            List<String> violations,
            List<String> trace) {
        this.file = file;
        this.policy = policy;
        this.ranges = ranges;
        this.steps = List.copyOf(steps);
        this.passed = passed;
        this.failures = List.copyOf(failures);
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            events[e.ordinal()] = recorder.total(e);
        }
        this.devices = Map.copyOf(devices);
        this.oracleChecks = oracleChecks;
        this.violations = List.copyOf(violations);
        this.trace = List.copyOf(trace);
    }

    /** True when every expectation held and the oracle found nothing: exit status 0. */
    public boolean succeeded() {
        return failures.isEmpty() && violations.isEmpty();
    }

    public List<StepRecord> steps() {
        return steps;
    }

    public long passed() {
        return passed;
    }

    public List<ExpectationFailure> failures() {
        return failures;
    }

    public long events(MmuNotifierEvent e) {
        return events[e.ordinal()];
    }

    public Map<String, DeviceWork> devices() {
        return devices;
    }

    /** The name of the policy the devices ran under ({@code event-aware}, {@code blind}, ...). */
    public String policy() {
        return policy;
    }

    /** What every device did over the whole run, summed over the devices. */
    public DeviceWork allDevices() {
        DeviceWork sum = new DeviceWork();
        devices.values().forEach(sum::add);
        return sum;
    }

    public long oracleChecks() {
        return oracleChecks;
    }

    public List<String> oracleViolations() {
        return violations;
    }

    /** {@link #text(CostProfile)} under {@link CostProfile#DEFAULT}. */
    public String text() {
        return text(CostProfile.DEFAULT);
    }

    /**
     * The readable report: the trace of every statement, then each device's modelled device time
     * under {@code profile} with its components, the counts it was priced from, and the verdict.
     */
    public String text(CostProfile profile) {
        StringBuilder out = new StringBuilder("run of ")
                .append(file)
                .append(" under the ")
                .append(policy)
                .append(" policy, ")
                .append(ranges.label())
                .append(" ranges\n\n");
        trace.forEach(l -> out.append(l).append('\n'));
        out.append("\ninvalidations:");
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            if (events[e.ordinal()] != 0) {
                out.append(' ').append(e).append('=').append(events[e.ordinal()]);
            }
        }
        out.append('\n');
        DeviceWork all = allDevices();
        out.append("modelled device time (")
                .append(profile.name())
                .append("): ")
                .append(all.time(profile).format())
                .append('\n');
        devices.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(d -> {
            DeviceWork w = d.getValue();
            out.append(String.format(
                    "device %s: %s; invalidations %d, zapped %d, re-read %d, downgraded %d, skipped %d,"
                            + " TLB flushes %d, faults %d (%d pages, %d retries), migrated %d to device, %d back%n",
                    d.getKey(),
                    w.time(profile).format(),
                    w.totalInvalidations(),
                    w.totalZapped(),
                    w.totalReread(),
                    w.totalDowngraded(),
                    w.totalSkipped(),
                    w.totalTlbFlushes(),
                    w.faults(),
                    w.pagesFaulted(),
                    w.faultRetries(),
                    w.pagesMigratedToDevice(),
                    w.pagesMigratedToSystem()));
        });
        out.append("oracle: ")
                .append(oracleChecks)
                .append(" checks, ")
                .append(violations.size())
                .append(" violations\n");
        out.append("expectations: ")
                .append(passed)
                .append(" passed, ")
                .append(failures.size())
                .append(" failed\n");
        for (ExpectationFailure f : failures) {
            out.append(file)
                    .append(':')
                    .append(f.line())
                    .append(": ")
                    .append(f.message())
                    .append('\n');
        }
        out.append(succeeded() ? "PASS\n" : "FAIL\n");
        return out.toString();
    }

    /**
     * Runs of one scenario under several policies, side by side: per event, the invalidations
     * that reached the devices and the PTEs they zapped, downgraded and re-read and the TLB flushes
     * they issued, then the device faults and the oracle, each cell as {@code first | second | ...}
     * in the order of {@code runs}. Events no run's devices saw are left out.
     */
    public static String sideBySide(List<RunResult> runs) {
        return sideBySide(runs, CostProfile.DEFAULT);
    }

    /**
     * {@link #sideBySide(List)}, led by each run's modelled device time under {@code profile},
     * with its components.
     */
    public static String sideBySide(List<RunResult> runs, CostProfile profile) {
        StringBuilder out = new StringBuilder("Modelled device time (")
                .append(profile.name())
                .append(")\n");
        for (RunResult r : runs) {
            out.append(String.format(
                    "  %-17s %s%n", r.policy, r.allDevices().time(profile).format()));
        }
        out.append('\n');
        out.append("Per-event device work, ");
        out.append(String.join(
                        " | ", runs.stream().map(r -> r.policy + " policy").toList()))
                .append('\n');
        List<DeviceWork> work = runs.stream().map(RunResult::allDevices).toList();
        String row = "%-19s %17s %17s %17s %17s %17s%n";
        out.append(String.format(
                row, "event", "invalidations", "PTEs zapped", "PTEs downgraded", "PTEs re-read", "TLB flushes"));
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            if (work.stream().allMatch(w -> w.invalidations(e) == 0)) {
                continue;
            }
            out.append(String.format(
                    row,
                    e,
                    cells(work, w -> w.invalidations(e)),
                    cells(work, w -> w.zapped(e)),
                    cells(work, w -> w.downgraded(e)),
                    cells(work, w -> w.reread(e)),
                    cells(work, w -> w.tlbFlushes(e))));
        }
        out.append(String.format(
                row,
                "total",
                cells(work, DeviceWork::totalInvalidations),
                cells(work, DeviceWork::totalZapped),
                cells(work, DeviceWork::totalDowngraded),
                cells(work, DeviceWork::totalReread),
                cells(work, DeviceWork::totalTlbFlushes)));
        out.append(String.format(
                "%-19s %17s   (pages faulted %s)%n",
                "device faults", cells(work, DeviceWork::faults), cells(work, DeviceWork::pagesFaulted)));
        out.append(String.format("%-19s %17s%n", "oracle checks", cells(runs, RunResult::oracleChecks)));
        out.append(String.format("%-19s %17s%n", "oracle violations", cells(runs, r -> r.violations.size())));
        out.append(String.format("%-19s %17s%n", "expectations failed", cells(runs, r -> r.failures.size())));
        return out.toString();
    }

    /** {@code value} of each item, joined as {@code a | b | ...}. */
    private static <T> String cells(List<T> items, ToLongFunction<T> value) {
        return String.join(
                " | ",
                items.stream().map(i -> Long.toString(value.applyAsLong(i))).toList());
    }

    /** {@link #toJson(CostProfile)} under {@link CostProfile#DEFAULT}. */
    public ObjectNode toJson() {
        return toJson(CostProfile.DEFAULT);
    }

    /**
     * The JSON object documented in docs/scenarios.md, with modelled device time under
     * {@code profile}: {@code deviceTime} summed over the devices, and each device's own.
     */
    public ObjectNode toJson(CostProfile profile) {
        ObjectNode out = Json.object();
        out.set("file", Json.string(file));
        out.set("policy", Json.string(policy));
        out.set("ranges", Json.string(ranges.label()));
        ArrayNode stepNodes = out.putArray("steps");
        steps.forEach(step -> stepNodes.add(step(step)));
        ObjectNode ex = Json.object();
        ex.set("passed", Json.number(passed));
        ex.set("failed", Json.number(failures.size()));
        ArrayNode failureNodes = ex.putArray("failures");
        for (ExpectationFailure f : failures) {
            failureNodes.addObject().put("line", f.line()).put("message", f.message());
        }
        out.set("expectations", ex);
        ObjectNode ev = Json.object();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            ev.set(e.name(), Json.number(events[e.ordinal()]));
        }
        out.set("events", ev);
        DeviceWork all = allDevices();
        out.set("deviceTime", DeviceWork.timeJson(all.time(profile)));
        ObjectNode dev = Json.object();
        devices.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(d -> dev.set(d.getKey(), d.getValue().toJson(profile)));
        out.set("devices", dev);
        ObjectNode oracle = Json.object();
        oracle.set("checks", Json.number(oracleChecks));
        oracle.set("violations", Json.number(violations.size()));
        oracle.set("details", Json.strings(violations));
        out.set("oracle", oracle);
        out.set("passed", Json.bool(succeeded()));
        return out;
    }

    private static JsonNode step(StepRecord s) {
        ObjectNode out = Json.object();
        out.set("line", Json.number(s.line()));
        out.set("space", Json.string(s.space()));
        out.set("operation", Json.string(s.operation()));
        out.set("result", Json.string(s.result().name()));
        out.set("faults", Json.number(s.faults()));
        out.set("pages", Json.number(s.pages()));
        if (s.snapshot() != null) {
            byte[] snap = s.snapshot();
            ArrayNode bytes = out.putArray("snapshot");
            for (byte b : snap) {
                bytes.add(DmirrorProt.describe(b));
            }
        }
        ArrayNode invalidations = out.putArray("invalidations");
        s.invalidations().forEach(i -> invalidations.add(invalidation(i)));
        ObjectNode reactions = Json.object();
        s.reactions().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(r -> reactions.set(r.getKey(), r.getValue().toJson()));
        out.set("devices", reactions);
        return out;
    }

    private static JsonNode invalidation(Invalidation i) {
        ObjectNode out = Json.object();
        out.set("event", Json.string(i.event().name()));
        out.set("start", Json.string("0x" + Long.toHexString(i.start())));
        out.set("end", Json.string("0x" + Long.toHexString(i.end())));
        out.set("blockable", Json.bool(i.blockable()));
        out.set("owner", i.owner() == null ? Json.nullValue() : Json.string(String.valueOf(i.owner())));
        out.set("mm", Json.number(i.mm()));
        return out;
    }
}

package org.devmirror.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.devmirror.bench.report.json.JsonValue;
import org.devmirror.bench.report.json.JsonValue.JsonArray;
import org.devmirror.bench.report.json.JsonValue.JsonBoolean;
import org.devmirror.bench.report.json.JsonValue.JsonNumber;
import org.devmirror.bench.report.json.JsonValue.JsonObject;
import org.devmirror.bench.report.json.JsonValue.JsonString;
import org.devmirror.mm.InvalidationRanges;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.DeviceWork;
import org.devmirror.observe.InvalidationRecorder;
import org.devmirror.observe.InvalidationRecorder.Invalidation;

/**
 * The outcome of a scenario run: every step, the expectations passed and failed, the
 * invalidations per event, each device's counters, the oracle, and the readable trace. The JSON
 * form ({@link #toJson()}) is the schema of docs/scenarios.md.
 */
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

    RunResult(String file, String policy, InvalidationRanges ranges, List<StepRecord> steps, long passed, List<ExpectationFailure> failures,
            InvalidationRecorder recorder, Map<String, DeviceWork> devices, long oracleChecks, List<String> violations,
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

    public long oracleChecks() {
        return oracleChecks;
    }

    public List<String> oracleViolations() {
        return violations;
    }

    /** The readable report: the trace of every statement, then the statistics and the verdict. */
    public String text() {
        StringBuilder out = new StringBuilder("run of ").append(file).append(" under the ").append(policy)
                .append(" policy, ").append(ranges.label()).append(" ranges\n\n");
        trace.forEach(l -> out.append(l).append('\n'));
        out.append("\ninvalidations:");
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            if (events[e.ordinal()] != 0) {
                out.append(' ').append(e).append('=').append(events[e.ordinal()]);
            }
        }
        out.append('\n');
        devices.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(d -> {
            DeviceWork w = d.getValue();
            out.append(String.format("device %s: invalidations %d, zapped %d, re-read %d, downgraded %d, skipped %d,"
                    + " TLB flushes %d, faults %d (%d pages, %d retries)%n", d.getKey(), w.totalInvalidations(),
                    w.totalZapped(), w.totalReread(), w.totalDowngraded(), w.totalSkipped(), w.totalTlbFlushes(),
                    w.faults(), w.pagesFaulted(), w.faultRetries()));
        });
        out.append("oracle: ").append(oracleChecks).append(" checks, ").append(violations.size()).append(" violations\n");
        out.append("expectations: ").append(passed).append(" passed, ").append(failures.size()).append(" failed\n");
        for (ExpectationFailure f : failures) {
            out.append(file).append(':').append(f.line()).append(": ").append(f.message()).append('\n');
        }
        out.append(succeeded() ? "PASS\n" : "FAIL\n");
        return out.toString();
    }

    /** The JSON object documented in docs/scenarios.md. */
    public JsonObject toJson() {
        Map<String, JsonValue> out = new LinkedHashMap<>();
        out.put("file", new JsonString(file));
        out.put("policy", new JsonString(policy));
        out.put("ranges", new JsonString(ranges.label()));
        out.put("steps", new JsonArray(steps.stream().<JsonValue>map(RunResult::step).toList()));
        Map<String, JsonValue> ex = new LinkedHashMap<>();
        ex.put("passed", JsonNumber.of(passed));
        ex.put("failed", JsonNumber.of(failures.size()));
        ex.put("failures", new JsonArray(failures.stream().<JsonValue>map(f -> new JsonObject(Map.of(
                "line", JsonNumber.of(f.line()), "message", new JsonString(f.message())))).toList()));
        out.put("expectations", new JsonObject(ex));
        Map<String, JsonValue> ev = new LinkedHashMap<>();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            ev.put(e.name(), JsonNumber.of(events[e.ordinal()]));
        }
        out.put("events", new JsonObject(ev));
        Map<String, JsonValue> dev = new LinkedHashMap<>();
        devices.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(d -> dev.put(d.getKey(), d.getValue().toJson()));
        out.put("devices", new JsonObject(dev));
        Map<String, JsonValue> oracle = new LinkedHashMap<>();
        oracle.put("checks", JsonNumber.of(oracleChecks));
        oracle.put("violations", JsonNumber.of(violations.size()));
        oracle.put("details", new JsonArray(violations.stream().<JsonValue>map(JsonString::new).toList()));
        out.put("oracle", new JsonObject(oracle));
        out.put("passed", new JsonBoolean(succeeded()));
        return new JsonObject(out);
    }

    private static JsonValue step(StepRecord s) {
        Map<String, JsonValue> out = new LinkedHashMap<>();
        out.put("line", JsonNumber.of(s.line()));
        out.put("space", new JsonString(s.space()));
        out.put("operation", new JsonString(s.operation()));
        out.put("result", new JsonString(s.result().name()));
        out.put("faults", JsonNumber.of(s.faults()));
        out.put("pages", JsonNumber.of(s.pages()));
        if (s.snapshot() != null) {
            byte[] snap = s.snapshot();
            JsonValue[] bytes = new JsonValue[snap.length];
            for (int i = 0; i < snap.length; i++) {
                bytes[i] = new JsonString(DmirrorProt.describe(snap[i]));
            }
            out.put("snapshot", new JsonArray(List.of(bytes)));
        }
        out.put("invalidations", new JsonArray(s.invalidations().stream().<JsonValue>map(RunResult::invalidation).toList()));
        Map<String, JsonValue> reactions = new LinkedHashMap<>();
        s.reactions().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(r -> reactions.put(r.getKey(), r.getValue().toJson()));
        out.put("devices", new JsonObject(reactions));
        return new JsonObject(out);
    }

    private static JsonValue invalidation(Invalidation i) {
        Map<String, JsonValue> out = new LinkedHashMap<>();
        out.put("event", new JsonString(i.event().name()));
        out.put("start", new JsonString("0x" + Long.toHexString(i.start())));
        out.put("end", new JsonString("0x" + Long.toHexString(i.end())));
        out.put("blockable", new JsonBoolean(i.blockable()));
        out.put("owner", i.owner() == null ? JsonValue.JsonNull.INSTANCE : new JsonString(String.valueOf(i.owner())));
        out.put("mm", JsonNumber.of(i.mm()));
        return new JsonObject(out);
    }
}

package org.devmirror.scenario.run;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.devmirror.device.DeviceMemoryKind;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.InvalidationRanges;
import org.devmirror.observe.DeviceWork;
import org.devmirror.scenario.model.Declaration;
import org.devmirror.scenario.model.DeviceOp;
import org.devmirror.scenario.model.Expectation;
import org.devmirror.scenario.model.HostOp;
import org.devmirror.scenario.model.Operation;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.model.Statement;
import org.devmirror.scenario.syntax.OperationText;

/**
 * Runs a parsed {@link Scenario} (docs/scenarios.md) on a fresh simulated host with its devices
 * mirroring under one {@link InvalidationPolicy}, evaluating every expectation, and returns what
 * happened as a {@link RunResult}.
 *
 * <p>Statements run in file order. After every operation the runner collects the invalidations
 * the host raised (through a watching classic notifier), what each device's mirrors did about
 * them (the change in their {@code DeviceStats}), and runs the {@code SafetyOracle} over the
 * mirrors of every address space the operation touched: its own, and each one it raised an
 * invalidation in (a mirror of any other space has seen no change to check).
 *
 * <p>An operation that fails as the kernel's would is a result. One the host refuses as misuse
 * (an address computed below zero, say) has the result EINVAL, which an expectation of its result
 * checks like any other; unchecked, the refusal is reported as a failure of its line. Either way
 * the run goes on.
 */
public final class ScenarioRunner {
    private final Scenario scenario;
    private final InvalidationPolicy policy;
    private final RunState state;
    private final HostOpRunner hostOps;
    private final DeviceOpRunner deviceOps;
    private final ExpectationChecker checker;
    private final List<StepRecord> steps = new ArrayList<>();
    private final Map<Integer, StepRecord> stepsByLine = new HashMap<>();
    private final List<String> trace = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private long oracleChecks;
    // each mirror's counters when an operation last touched its space
    private final Map<Dmirror, DeviceWork> lastSeen = new HashMap<>();
    private static final DeviceWork NO_WORK = new DeviceWork();
    // spaces touched since the oracle last ran: it waits while a 'lock' statement holds a driver lock
    private final Set<Integer> oracleDue = new LinkedHashSet<>();
    // the range a 'watch' names, or null; the strip last printed for it; the steps titled so far
    private Declaration.Watch watch;
    private String lastStrip;
    private int stepTitles;

    private ScenarioRunner(Scenario scenario, InvalidationPolicy policy, InvalidationRanges ranges) {
        this.scenario = scenario;
        this.policy = policy;
        this.state = new RunState(policy, ranges);
        this.hostOps = new HostOpRunner(state);
        this.deviceOps = new DeviceOpRunner(state);
        Set<Integer> checkedResults = new HashSet<>();
        for (Statement s : scenario.statements()) {
            if (s instanceof Expectation.Result r) {
                checkedResults.add(r.opLine());
            }
        }
        this.checker = new ExpectationChecker(state, stepsByLine, violations, checkedResults);
    }

    /** Runs {@code scenario} under {@code policy}, on a host raising the kernel's ranges. */
    public static RunResult run(Scenario scenario, InvalidationPolicy policy) {
        return run(scenario, policy, InvalidationRanges.KERNEL);
    }

    /** Runs {@code scenario} under {@code policy}, on a host raising invalidations over {@code ranges}. */
    public static RunResult run(Scenario scenario, InvalidationPolicy policy, InvalidationRanges ranges) {
        ScenarioRunner runner = new ScenarioRunner(scenario, policy, ranges);
        try (runner.state) {
            return runner.runAll();
        }
    }

    private RunResult runAll() {
        for (Statement s : scenario.statements()) {
            switch (s) {
                case Declaration.Device d -> {
                    long pages = d.pages();
                    DeviceMemoryKind kind = d.coherent() ? DeviceMemoryKind.COHERENT : DeviceMemoryKind.PRIVATE;
                    state.devices.put(d.name(), new DmirrorDevice(state.host, state.devices.size(), pages, kind));
                    trace.add(line(d.line()) + "device " + d.name() + " (" + pages + " " + kind.label()
                            + " device pages)");
                }
                case Declaration.File f -> {
                    state.files.put(f.name(), state.host.newFile(f.name(), f.size()));
                    trace.add(line(f.line()) + "file " + f.name() + " (" + f.size() + " bytes)");
                }
                case Declaration.SelectSpace sp -> trace.add(line(sp.line()) + "space " + sp.name());
                case Declaration.Step st -> {
                    trace.add("");
                    trace.add(line(st.line()) + "step " + ++stepTitles + ": " + st.title());
                }
                case Declaration.Watch w -> {
                    watch = w;
                    lastStrip = null;
                    trace.add(line(w.line()) + "watch " + w.addr() + " 0x" + Long.toHexString(w.length())
                            + " (cpu ptes: " + PteStrip.LEGEND + ")");
                }
                case Operation op -> operation(op);
                case Expectation e -> checker.check(e, trace);
            }
        }
        Map<String, DeviceWork> perDevice = new LinkedHashMap<>();
        for (String device : state.devices.keySet()) {
            perDevice.put(device, workOf(device));
        }
        return new RunResult(
                scenario.file(),
                policy.name(),
                state.host.config().ranges(),
                steps,
                checker.passed(),
                checker.failures(),
                state.recorder,
                perDevice,
                oracleChecks,
                violations,
                trace);
    }

    private void operation(Operation op) {
        state.recorder.resetPending();
        OpOutcome outcome;
        String text = OperationText.of(op);
        try {
            outcome = state.locks.isEmpty() ? runOne(op) : runBesideHeldLocks(op, text);
        } catch (IllegalArgumentException | IllegalStateException e) {
            checker.refused(op.line(), text + " was refused: " + e.getMessage());
            outcome = OpOutcome.of(Errno.EINVAL);
        }
        var invalidations = state.recorder.drain();
        // Only the mirrors of the spaces this operation touched can have changed: its own space
        // (device commands, host calls) and each space it raised an invalidation in (a shared
        // page, a fork's write protection of the parent). Visiting just those keeps an operation's
        // cost independent of how many processes the run has made.
        Set<Integer> touched = new LinkedHashSet<>();
        touched.add(state.spaces.get(op.space()).id());
        for (var invalidation : invalidations) {
            touched.add(invalidation.mm());
        }
        Map<String, DeviceWork> work = new HashMap<>();
        for (int mm : touched) {
            for (Map.Entry<String, Dmirror> e : state.mirrorsOf(mm).entrySet()) {
                DeviceWork now = DeviceWork.of(e.getValue().stats());
                DeviceWork delta = now.minus(lastSeen.getOrDefault(e.getValue(), NO_WORK));
                lastSeen.put(e.getValue(), now);
                if (!delta.isEmpty()) {
                    work.merge(RunState.deviceOf(e.getKey()), delta, DeviceWork::add);
                }
            }
        }
        Map<String, DeviceWork> reactions = new LinkedHashMap<>();
        for (String device : state.devices.keySet()) {
            if (work.containsKey(device)) {
                reactions.put(device, work.get(device));
            }
        }
        StepRecord step = new StepRecord(
                op.line(),
                text,
                op.space(),
                outcome.result(),
                outcome.faults(),
                outcome.pages(),
                outcome.snapshot(),
                invalidations,
                reactions);
        steps.add(step);
        stepsByLine.put(op.line(), step);
        trace.addAll(StepText.describe(step));
        watchedPtes(op);
        oracleDue.addAll(touched);
        if (state.locks.isEmpty()) {
            checkOracle(op.line(), oracleDue);
            oracleDue.clear();
        } else {
            // The oracle reads each mirror under its driver lock, which a 'lock' statement holds:
            // it checks the spaces touched meanwhile after the 'unlock' instead (the held lock
            // changes nothing meanwhile).
            trace.add(line(op.line()) + "oracle waits for the driver lock held by " + state.locks.describe());
        }
    }

    /**
     * The CPU PTEs of the watched range in {@code op}'s space, one character per page, when they
     * differ from the strip printed last; nothing when no range is watched, the space has exited,
     * or the range lies outside the user address space.
     */
    private void watchedPtes(Operation op) {
        AddressSpace mm = state.spaces.get(op.space());
        if (watch == null || op instanceof HostOp.Exit || state.exited.contains(op.space())) {
            return;
        }
        long start = state.address(watch.addr());
        if (!HostOpRunner.accessOk(start, watch.length())) {
            return;
        }
        String strip = "[" + op.space() + "] " + PteStrip.of(mm, start, watch.length() >>> Host.PAGE_SHIFT);
        if (!strip.equals(lastStrip)) {
            trace.add("        cpu ptes " + strip);
            lastStrip = strip;
        }
    }

    private OpOutcome runOne(Operation op) {
        return switch (op) {
            case HostOp h -> hostOps.run(h);
            case DeviceOp d -> deviceOps.run(d);
        };
    }

    /**
     * Runs {@code op} while {@code DEV lock} statements hold driver locks: on a worker thread, so
     * that an operation that must wait for a held lock (a blockable invalidation, a device fault)
     * is seen waiting instead of hanging the run. Such an operation is a failure of its line; the
     * held locks are then released so it can finish. The worker runs alone: this thread only
     * waits for it, so the run stays one statement at a time.
     */
    private OpOutcome runBesideHeldLocks(Operation op, String text) {
        OpOutcome[] result = new OpOutcome[1];
        RuntimeException[] thrown = new RuntimeException[1];
        Thread worker = Thread.ofPlatform()
                .name("devmirror-scenario-line-" + op.line())
                .start(() -> {
                    try {
                        result[0] = runOne(op);
                    } catch (RuntimeException e) {
                        thrown[0] = e;
                    }
                });
        try {
            while (!worker.join(java.time.Duration.ofMillis(5))) {
                if (state.locks.blocks(worker)) {
                    String holders = state.locks.describe();
                    checker.refused(
                            op.line(),
                            text + " blocked on the driver lock held by " + holders + "; the lock was released");
                    trace.add(line(op.line()) + "BLOCKED on the driver lock held by " + holders + ": released");
                    state.locks.close();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + text + " ran", e);
        }
        if (thrown[0] != null) {
            throw thrown[0]; // join: the worker's writes are visible here
        }
        return result[0];
    }

    private void checkOracle(int line, Set<Integer> touched) {
        for (int mm : touched) {
            for (Map.Entry<String, Dmirror> e : state.mirrorsOf(mm).entrySet()) {
                OracleReport report = SafetyOracle.check(e.getValue());
                oracleChecks += report.checked();
                for (String v : report.violations()) {
                    String where = line(line) + RunState.deviceOf(e.getKey()) + " in " + RunState.spaceOf(e.getKey())
                            + ": " + v;
                    violations.add(where);
                    trace.add("  ORACLE " + where);
                }
                for (String k : report.kernelFindings()) {
                    // the kernel's own loss, not the policy's: traced, not a violation
                    trace.add("  KERNEL " + line(line) + RunState.deviceOf(e.getKey()) + " in "
                            + RunState.spaceOf(e.getKey()) + ": " + k);
                }
            }
        }
    }

    /** The counters of every mirror {@code device} has opened, summed. */
    private DeviceWork workOf(String device) {
        DeviceWork sum = new DeviceWork();
        for (Map.Entry<String, Dmirror> e : state.mirrors.entrySet()) {
            if (RunState.deviceOf(e.getKey()).equals(device)) {
                sum.add(e.getValue().stats());
            }
        }
        return sum;
    }

    private String line(int line) {
        return String.format("%4d  ", line);
    }
}

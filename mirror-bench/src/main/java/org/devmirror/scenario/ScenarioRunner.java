package org.devmirror.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.devmirror.device.DeviceMirror;
import org.devmirror.device.MirrorDevice;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.observe.DeviceWork;

/**
 * Runs a parsed {@link Scenario} (docs/scenarios.md) on a fresh simulated host with its devices
 * mirroring under one {@link InvalidationPolicy}, evaluating every expectation, and returns what
 * happened as a {@link RunResult}.
 *
 * <p>Statements run in file order. After every operation the runner collects the invalidations
 * the host raised (through a watching classic notifier), what each device's mirrors did about
 * them (the change in their {@code DeviceStats}), and runs the {@code SafetyOracle} over every
 * mirror. An operation that fails as the kernel's would is a result; one the host refuses as
 * misuse (an address computed below zero, say) is reported as a failure of its line, and the
 * run goes on.
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

    private ScenarioRunner(Scenario scenario, InvalidationPolicy policy) {
        this.scenario = scenario;
        this.policy = policy;
        this.state = new RunState(policy);
        this.hostOps = new HostOpRunner(state);
        this.deviceOps = new DeviceOpRunner(state);
        this.checker = new ExpectationChecker(state, stepsByLine, violations);
    }

    /** Runs {@code scenario} under {@code policy}. */
    public static RunResult run(Scenario scenario, InvalidationPolicy policy) {
        ScenarioRunner runner = new ScenarioRunner(scenario, policy);
        try (runner.state) {
            return runner.runAll();
        }
    }

    private RunResult runAll() {
        for (Statement s : scenario.statements()) {
            switch (s) {
                case Declaration.Device d -> {
                    long pages = d.memoryBytes() == Declaration.Device.DEFAULT_MEMORY
                            ? RunState.DEFAULT_DEVICE_PAGES : d.memoryBytes() >>> Host.PAGE_SHIFT;
                    state.devices.put(d.name(), new MirrorDevice(state.host, state.devices.size(), pages));
                    trace.add(line(d.line()) + "device " + d.name() + " (" + pages + " device pages)");
                }
                case Declaration.File f -> {
                    state.files.put(f.name(), state.host.newFile(f.name(), f.size()));
                    trace.add(line(f.line()) + "file " + f.name() + " (" + f.size() + " bytes)");
                }
                case Declaration.SelectSpace sp -> trace.add(line(sp.line()) + "space " + sp.name());
                case Operation op -> operation(op);
                case Expectation e -> checker.check(e, trace);
            }
        }
        Map<String, DeviceWork> perDevice = new LinkedHashMap<>();
        for (String device : state.devices.keySet()) {
            perDevice.put(device, workOf(device));
        }
        return new RunResult(scenario.file(), policy.name(), steps, checker.passed(), checker.failures(),
                state.recorder, perDevice, oracleChecks, violations, trace);
    }

    private void operation(Operation op) {
        Map<String, DeviceWork> before = new LinkedHashMap<>();
        for (String device : state.devices.keySet()) {
            before.put(device, workOf(device));
        }
        state.recorder.resetPending();
        OpOutcome outcome;
        String text = OperationText.of(op);
        try {
            outcome = op instanceof HostOp h ? hostOps.run(h) : deviceOps.run((DeviceOp) op);
        } catch (IllegalArgumentException | IllegalStateException e) {
            checker.refused(op.line(), text + " was refused: " + e.getMessage());
            outcome = OpOutcome.of(Errno.EINVAL);
        }
        var invalidations = state.recorder.drain();
        Map<String, DeviceWork> reactions = new LinkedHashMap<>();
        for (String device : state.devices.keySet()) {
            DeviceWork delta = workOf(device).minus(before.get(device));
            if (!delta.isEmpty()) {
                reactions.put(device, delta);
            }
        }
        StepRecord step = new StepRecord(op.line(), text, op.space(), outcome.result(), outcome.faults(),
                outcome.pages(), outcome.snapshot(), invalidations, reactions);
        steps.add(step);
        stepsByLine.put(op.line(), step);
        trace.addAll(StepText.describe(step));
        checkOracle(op.line());
    }

    private void checkOracle(int line) {
        for (Map.Entry<String, DeviceMirror> e : state.mirrors.entrySet()) {
            OracleReport report = SafetyOracle.check(e.getValue());
            oracleChecks += report.checked();
            for (String v : report.violations()) {
                String where = line(line) + RunState.deviceOf(e.getKey()) + " in " + RunState.spaceOf(e.getKey()) + ": " + v;
                violations.add(where);
                trace.add("  ORACLE " + where);
            }
        }
    }

    /** The counters of every mirror {@code device} has opened, summed. */
    private DeviceWork workOf(String device) {
        DeviceWork sum = new DeviceWork();
        for (Map.Entry<String, DeviceMirror> e : state.mirrors.entrySet()) {
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

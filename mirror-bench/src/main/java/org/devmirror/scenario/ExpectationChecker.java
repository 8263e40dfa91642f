package org.devmirror.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.InvalidationRecorder.Invalidation;

/** Evaluates a scenario's expectations against what the run recorded, counting passes and keeping failures. */
final class ExpectationChecker {
    private final RunState state;
    private final Map<Integer, StepRecord> steps;
    private final List<String> violations;
    private final List<ExpectationFailure> failures = new ArrayList<>();
    private long passed;

    ExpectationChecker(RunState state, Map<Integer, StepRecord> steps, List<String> violations) {
        this.state = state;
        this.steps = steps;
        this.violations = violations;
    }

    long passed() {
        return passed;
    }

    List<ExpectationFailure> failures() {
        return failures;
    }

    /** An operation the host refused as misuse: a failure of its line whatever was expected. */
    void refused(int line, String message) {
        failures.add(new ExpectationFailure(line, message));
    }

    void check(Expectation e, List<String> trace) {
        String failure = evaluate(e);
        if (failure == null) {
            passed++;
            trace.add(String.format("%4d  ok", e.line()));
        } else {
            failures.add(new ExpectationFailure(e.line(), failure));
            trace.add(String.format("%4d  FAILED: %s", e.line(), failure));
        }
    }

    /** Null when {@code e} holds, else what went wrong. */
    private String evaluate(Expectation e) {
        return switch (e) {
            case Expectation.Result r -> compare("result", r.code(), steps.get(r.opLine()).result());
            case Expectation.Faults f -> compare("faults", f.count(), steps.get(f.opLine()).faults());
            case Expectation.Cpages c -> compare("cpages", c.count(), steps.get(c.opLine()).pages());
            case Expectation.Events ev -> events(ev);
            case Expectation.Snapshot s -> snapshot(s);
            case Expectation.Data d -> d.device() == null ? cpuData(d) : deviceData(d);
            case Expectation.Pagemap p -> pagemap(p);
            case Expectation.Userfaults u -> compare("userfaults", u.count(), (long) state.spaces.get(u.space()).uffdPendingFaults().size());
            case Expectation.OracleClean o -> violations.isEmpty() ? null
                    : "oracle found " + violations.size() + " violation(s), first: " + violations.get(0);
        };
    }

    private static String compare(String what, Object expected, Object actual) {
        return expected.equals(actual) ? null : what + ": expected " + expected + ", got " + actual;
    }

    private String events(Expectation.Events ev) {
        List<Invalidation> raised = steps.get(ev.opLine()).invalidations();
        StringBuilder wrong = new StringBuilder();
        for (Map.Entry<MmuNotifierEvent, Long> want : ev.counts().entrySet()) {
            long got = raised.stream().filter(i -> i.event() == want.getKey()).count();
            if (got != want.getValue()) {
                wrong.append(wrong.isEmpty() ? "" : ", ").append(want.getKey()).append(": expected ")
                        .append(want.getValue()).append(", got ").append(got);
            }
        }
        return wrong.isEmpty() ? null : "events " + wrong;
    }

    private String snapshot(Expectation.Snapshot s) {
        RunState.Capture taken = state.snapshots.get(s.snapshotLine());
        int first = Math.toIntExact((state.address(s.addr()) - taken.start()) >> Host.PAGE_SHIFT);
        byte[] want = s.bytes();
        if (first < 0 || first + want.length > taken.bytes().length) {
            return "snapshot of line " + s.snapshotLine() + " does not cover " + s.addr();
        }
        for (int i = 0; i < want.length; i++) {
            byte got = taken.bytes()[first + i];
            if (got != want[i]) {
                return "snapshot page " + i + ": expected " + DmirrorProt.describe(want[i]) + ", got "
                        + DmirrorProt.describe(got);
            }
        }
        return null;
    }

    private String pagemap(Expectation.Pagemap p) {
        AddressSpace mm = state.spaces.get(p.space());
        long start = state.address(p.addr());
        for (long i = 0; i < p.length() >>> Host.PAGE_SHIFT; i++) {
            long entry = mm.pagemap(start + (i << Host.PAGE_SHIFT), false);
            long mask = p.set() | p.clear();
            if ((entry & mask) != p.set()) {
                return "pagemap page " + i + ": expected " + PagemapFlag.describe(p.set(), mask) + " of "
                        + PagemapFlag.describe(mask, mask) + ", got " + PagemapFlag.describe(entry, mask);
            }
        }
        return null;
    }

    private String cpuData(Expectation.Data d) {
        AddressSpace mm = state.spaces.get(d.space());
        byte[] got = new byte[Math.toIntExact(d.length())];
        Errno read = mm.cpuRead(state.address(d.addr()), got, 0, got.length);
        if (read != Errno.OK) {
            return "data: the CPU read of " + d.addr() + " returned " + read;
        }
        return mismatch(d, got, 0);
    }

    private String deviceData(Expectation.Data d) {
        RunState.Capture read = state.reads.get(d.readLine());
        long offset = state.address(d.addr()) - read.start();
        if (offset < 0 || offset + d.length() > read.bytes().length) {
            return "data: the read of line " + d.readLine() + " does not cover " + d.addr();
        }
        return mismatch(d, read.bytes(), (int) offset);
    }

    private static String mismatch(Expectation.Data d, byte[] got, int from) {
        int at = DataBytes.firstMismatch(d.data(), got, from, Math.toIntExact(d.length()));
        return at < 0 ? null : String.format("data at offset 0x%x: expected 0x%02x (%s), got 0x%02x", at,
                d.data().byteAt(at) & 0xFF, d.data(), got[from + at] & 0xFF);
    }
}

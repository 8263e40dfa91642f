package org.devmirror.scenario.run;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.devmirror.device.Dmirror;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.InvalidationRecorder.Invalidation;
import org.devmirror.scenario.model.DevicePerm;
import org.devmirror.scenario.model.DmirrorProt;
import org.devmirror.scenario.model.Expectation;
import org.devmirror.scenario.model.PagemapFlag;

/** Evaluates a scenario's expectations against what the run recorded, counting passes and keeping failures. */
final class ExpectationChecker {
    private final RunState state;
    private final Map<Integer, StepRecord> steps;
    private final List<String> violations;
    private final List<ExpectationFailure> failures = new ArrayList<>();
    private long passed;
    // lines of operations whose result an expectation checks
    private final Set<Integer> checkedResults;
    // line of a refused operation whose result is checked -> why the host refused it
    private final Map<Integer, String> refusals = new HashMap<>();

    ExpectationChecker(
            RunState state, Map<Integer, StepRecord> steps, List<String> violations, Set<Integer> checkedResults) {
        this.state = state;
        this.steps = steps;
        this.violations = violations;
        this.checkedResults = checkedResults;
    }

    long passed() {
        return passed;
    }

    List<ExpectationFailure> failures() {
        return failures;
    }

    /**
     * An operation the host refused as misuse, with EINVAL as its result. When the file checks
     * that result ({@code -> EINVAL}, {@code expect result}), the check decides, and names the
     * refusal if it fails; otherwise the refusal is a failure of its line.
     */
    void refused(int line, String message) {
        if (checkedResults.contains(line)) {
            refusals.put(line, message);
        } else {
            failures.add(new ExpectationFailure(line, message));
        }
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
        try {
            return evaluateChecked(e);
        } catch (IllegalArgumentException refused) {
            // The host refuses a range the expectation names (beyond the user address space, say):
            // the expectation cannot hold, and saying why is more use than a stack trace.
            return "cannot be checked: " + refused.getMessage();
        }
    }

    private String evaluateChecked(Expectation e) {
        return switch (e) {
            case Expectation.Result r -> result(r);
            case Expectation.Faults f ->
                compare("faults", f.count(), steps.get(f.opLine()).faults());
            case Expectation.Cpages c ->
                compare("cpages", c.count(), steps.get(c.opLine()).pages());
            case Expectation.Events ev -> events(ev);
            case Expectation.Snapshot s -> snapshot(s);
            case Expectation.Data d -> d.device() == null ? cpuData(d) : deviceData(d);
            case Expectation.Pagemap p -> pagemap(p);
            case Expectation.Userfaults u ->
                compare("userfaults", u.count(), (long)
                        state.spaces.get(u.space()).uffdPendingFaults().size());
            case Expectation.OracleClean o ->
                violations.isEmpty()
                        ? null
                        : "oracle found " + violations.size() + " violation(s), first: " + violations.get(0);
            case Expectation.DeviceHolds h -> deviceHolds(h);
            case Expectation.SameFrame f -> sameFrame(f);
            case Expectation.Notifiers n -> {
                Dmirror mirror = state.mirrors.get(RunState.mirrorKey(n.space(), n.device()));
                long held = mirror == null ? 0 : mirror.trackedIntervals().length / 2;
                yield compare("notifiers of " + n.device(), n.count(), held);
            }
        };
    }

    private String result(Expectation.Result r) {
        String failure = compare("result", r.code(), steps.get(r.opLine()).result());
        String refusal = refusals.get(r.opLine());
        return failure == null || refusal == null ? failure : failure + " (" + refusal + ")";
    }

    private static String compare(String what, Object expected, Object actual) {
        return expected.equals(actual) ? null : what + ": expected " + expected + ", got " + actual;
    }

    private String events(Expectation.Events ev) {
        List<Invalidation> raised = steps.get(ev.opLine()).invalidations();
        int mm = ev.space() == null ? -1 : state.spaces.get(ev.space()).id();
        StringBuilder wrong = new StringBuilder();
        for (Map.Entry<MmuNotifierEvent, Long> want : ev.counts().entrySet()) {
            long got = raised.stream()
                    .filter(i -> i.event() == want.getKey() && (mm < 0 || i.mm() == mm))
                    .count();
            if (got != want.getValue()) {
                wrong.append(wrong.isEmpty() ? "" : ", ")
                        .append(want.getKey())
                        .append(": expected ")
                        .append(want.getValue())
                        .append(", got ")
                        .append(got);
            }
        }
        return wrong.isEmpty() ? null : "events" + (ev.space() == null ? " " : " in " + ev.space() + " ") + wrong;
    }

    /**
     * The device's own page table, page by page. Read without the driver lock: the runner is
     * between statements, so nothing changes it, and a 'lock' statement may be holding the lock.
     */
    private String deviceHolds(Expectation.DeviceHolds h) {
        Dmirror mirror = state.mirrors.get(RunState.mirrorKey(h.space(), h.device()));
        long start = state.address(h.addr());
        for (long off = 0; off < h.length(); off += Host.PAGE_SIZE) {
            DevicePerm got = mirror == null
                    ? DevicePerm.NONE
                    : DevicePerm.of(mirror.pageTable().get(start + off));
            if (got != h.perm()) {
                return "device " + h.device() + " page " + (off >> Host.PAGE_SHIFT) + " of " + h.addr() + ": expected "
                        + h.perm().token() + ", holds " + got.token();
            }
        }
        return null;
    }

    private String sameFrame(Expectation.SameFrame f) {
        AddressSpace mm = state.spaces.get(f.space());
        long a = mm.pageTable().get(state.address(f.first()));
        long b = mm.pageTable().get(state.address(f.second()));
        if (!PteLayout.isPresent(a) || !PteLayout.isPresent(b) || PteLayout.isHuge(a) || PteLayout.isHuge(b)) {
            return "frames: " + f.first() + " is " + PteLayout.describe(a) + ", " + f.second() + " is "
                    + PteLayout.describe(b) + " (both must be present 4 KiB entries)";
        }
        boolean same = PteLayout.pfn(a) == PteLayout.pfn(b);
        return same == f.same()
                ? null
                : "frames: expected " + (f.same() ? "one frame" : "two frames") + ", " + f.first() + " is "
                        + PteLayout.describe(a) + ", " + f.second() + " is " + PteLayout.describe(b);
    }

    private String snapshot(Expectation.Snapshot s) {
        RunState.Capture taken = state.snapshots.get(s.snapshotLine());
        String nothing = nothingCaptured("snapshot", s.snapshotLine(), taken);
        if (nothing != null) {
            return nothing;
        }
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
            long addr = start + (i << Host.PAGE_SHIFT);
            long entry = mm.pagemap(addr, false);
            if (PteLayout.isHwpoison(mm.pageTable().get(addr))) {
                entry |= PagemapFlag.HWPOISON;
            }
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
        long addr = state.address(d.addr());
        if (!HostOpRunner.accessOk(addr, d.length())) {
            return "data: the CPU read of " + d.addr() + " returned " + Errno.EFAULT;
        }
        byte[] got = new byte[Math.toIntExact(d.length())];
        Errno read = mm.cpuRead(addr, got, 0, got.length);
        if (read != Errno.OK) {
            return "data: the CPU read of " + d.addr() + " returned " + read;
        }
        return mismatch(d, got, 0);
    }

    private String deviceData(Expectation.Data d) {
        RunState.Capture read = state.reads.get(d.readLine());
        String nothing = nothingCaptured("data: the read", d.readLine(), read);
        if (nothing != null) {
            return nothing;
        }
        long offset = state.address(d.addr()) - read.start();
        if (offset < 0 || offset + d.length() > read.bytes().length) {
            return "data: the read of line " + d.readLine() + " does not cover " + d.addr();
        }
        return mismatch(d, read.bytes(), (int) offset);
    }

    /** Why {@code capture} (of the command on {@code line}) holds nothing to compare, or null if it does. */
    private static String nothingCaptured(String what, int line, RunState.Capture capture) {
        if (capture == null) {
            return what + " of line " + line + " was refused by the host, so there is nothing to compare";
        }
        if (capture.result() != Errno.OK) {
            return what + " of line " + line + " returned " + capture.result() + ", so there is nothing to compare";
        }
        return null;
    }

    private static String mismatch(Expectation.Data d, byte[] got, int from) {
        int at = DataBytes.firstMismatch(d.data(), got, from, Math.toIntExact(d.length()));
        return at < 0
                ? null
                : String.format(
                        "data at offset 0x%x: expected 0x%02x (%s), got 0x%02x",
                        at, d.data().byteAt(at) & 0xFF, d.data(), got[from + at] & 0xFF);
    }
}

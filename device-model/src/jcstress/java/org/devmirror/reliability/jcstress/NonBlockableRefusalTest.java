package org.devmirror.reliability.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierSubscriptions;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * One non-blockable CLEAR (the OOM reaper's __oom_reap_task_mm) against a device fault holding the
 * driver lock: the callback try-locks and refuses when contended; a refusal changes nothing and
 * leaves no period open, an acceptance zaps the device.
 *
 * <p>r1 = 1 if the start was accepted; r2 = the device entry at the end (0 unmapped, 1 current,
 * 2 stale); r3 = the global sequence's parity at the end.
 */
@JCStressTest
@Description(
        "non-blockable invalidate_range_start against a fault holding the driver lock: refused or done, never half")
@Outcome(
        id = "1, 0, 0",
        expect = ACCEPTABLE,
        desc =
                "Accepted: the CPU entry was cleared and the device has nothing (zapped, or the fault read the cleared entry).")
@Outcome(
        id = "0, 1, 0",
        expect = ACCEPTABLE_INTERESTING,
        desc = "Refused (-EAGAIN) because the fault held the driver lock: the CPU entry is unchanged and the device "
                + "mapping of it is still valid; the reaper must retry.")
@Outcome(
        id = "1, [12], .*",
        expect = FORBIDDEN,
        desc = "Accepted, yet the device still maps the frame the CPU dropped.")
@Outcome(
        id = "0, [02], .*",
        expect = FORBIDDEN,
        desc = "Refused, yet the device lost its valid mapping or holds a stale one: a refusal must change nothing.")
@Outcome(
        id = ".*, .*, 1",
        expect = FORBIDDEN,
        desc = "The period was left odd (a refused start must end its own range): the next readBegin would hang.")
@State
public class NonBlockableRefusalTest {
    private static final long VA = 0xa00000;

    private final Object mm = new Object();
    private final MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
    private final CpuPte cpu = new CpuPte(PteLayout.present(7, true));
    private final PageMirror mirror = new PageMirror(cpu, VA);
    private final HostInvalidator reaper = new HostInvalidator(subs, mm);
    private int accepted;

    public NonBlockableRefusalTest() {
        subs.insert(mirror.notifier, VA, PageMirror.PAGE);
    }

    @Actor
    public void deviceFault() {
        mirror.fault();
    }

    @Actor
    public void oomReaper() {
        if (reaper.start(MmuNotifierEvent.CLEAR, false, VA, VA + PageMirror.PAGE)) {
            cpu.set(0); // zap_page_range_single on the victim's anonymous memory
            reaper.end();
            accepted = 1;
        }
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = accepted;
        r.r2 = mirror.state();
        r.r3 = (int) (subs.sequence() & 1);
    }
}

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
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The OOM reaper retries a refused non-blockable CLEAR (oom_reap_task's retry loop) while the
 * device faults twice in a row, holding the driver lock each time: the reap is refused any number of times but never
 * lost; at the end the CPU entry is cleared and the device maps nothing.
 *
 * <p>r1 = 1 if the reaper was refused at least once; r2 = the device entry at the end
 * (0 unmapped, 1 current, 2 stale).
 */
@JCStressTest
@Description("non-blockable invalidation retried until accepted while device faults hold the driver lock")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "Accepted at the first try; the device ends with nothing mapped.")
@Outcome(
        id = "1, 0",
        expect = ACCEPTABLE_INTERESTING,
        desc = "Refused while a fault held the driver lock, retried, accepted; the device ends with nothing mapped.")
@Outcome(
        id = "[01], [12]",
        expect = FORBIDDEN,
        desc = "The reap was lost: the device still maps a frame although the reaper finished.")
@State
public class NonBlockableRetryTest {
    private static final long VA = 0xc00000;

    private final Object mm = new Object();
    private final MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
    private final CpuPte cpu = new CpuPte(PteLayout.present(9, true));
    private final PageMirror mirror = new PageMirror(cpu, VA);
    private final HostInvalidator reaper = new HostInvalidator(subs, mm);
    private int refused;

    public NonBlockableRetryTest() {
        subs.insert(mirror.notifier, VA, PageMirror.PAGE);
    }

    @Actor
    public void deviceFaultsTwice() {
        mirror.fault();
        mirror.fault(); // e.g. a read then a write fault: two windows for the reaper to be refused in
    }

    @Actor
    public void oomReaperRetries() {
        while (!reaper.start(MmuNotifierEvent.CLEAR, false, VA, VA + PageMirror.PAGE)) {
            refused = 1;
            Thread.onSpinWait(); // oom_reap_task sleeps HZ/10 between attempts
        }
        cpu.set(0);
        reaper.end();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = refused;
        r.r2 = mirror.state();
    }
}

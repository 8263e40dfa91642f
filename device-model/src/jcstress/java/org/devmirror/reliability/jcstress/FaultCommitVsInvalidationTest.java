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
 * A device fault committing while the host moves the page (compaction: CLEAR, then the CPU entry
 * names a new frame) never leaves the device mapping the old frame.
 *
 * <p>r1 = the device entry at the end (0 unmapped, 1 maps the CPU's frame, 2 maps the old frame);
 * r2 = 1 if the fault's readRetry reported a collision at least once.
 */
@JCStressTest
@Description("mmu_interval_read_begin/read_retry against a CLEAR that moves the page: no stale device PTE")
@Outcome(
        id = "1, 0",
        expect = ACCEPTABLE,
        desc = "The fault read the new entry: it began after the move, or its readBegin waited for the period to end.")
@Outcome(
        id = "1, 1",
        expect = ACCEPTABLE_INTERESTING,
        desc =
                "Collision: setSeq ran after the fault's readBegin, readRetry said retry, the second round committed the new frame.")
@Outcome(
        id = "0, 0",
        expect = ACCEPTABLE,
        desc =
                "The fault committed the old frame before the callback took the driver lock; the callback then zapped it.")
@Outcome(
        id = "0, 1",
        expect = FORBIDDEN,
        desc = "A retried fault commits after the only invalidation's setSeq, so nothing can zap it afterwards.")
@Outcome(
        id = "2, .*",
        expect = FORBIDDEN,
        desc = "STALE: the device maps a frame the CPU no longer maps (a missed setSeq/readRetry collision).")
@State
public class FaultCommitVsInvalidationTest {
    private static final long VA = 0x10000;
    private static final long OLD_PFN = 10;
    private static final long NEW_PFN = 20;

    private final Object mm = new Object();
    private final MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
    private final CpuPte cpu = new CpuPte(PteLayout.present(OLD_PFN, true));
    private final PageMirror mirror = new PageMirror(cpu, VA);
    private final HostInvalidator host = new HostInvalidator(subs, mm);
    private int retries;

    public FaultCommitVsInvalidationTest() {
        subs.insert(mirror.notifier, VA, PageMirror.PAGE);
    }

    @Actor
    public void deviceFault() {
        retries = mirror.fault();
    }

    @Actor
    public void hostMovesPage() {
        host.start(MmuNotifierEvent.CLEAR, true, VA, VA + PageMirror.PAGE);
        cpu.set(PteLayout.present(NEW_PFN, true)); // only between start and end, like migrate_pages
        host.end();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = mirror.state();
        r.r2 = retries > 0 ? 1 : 0;
    }
}

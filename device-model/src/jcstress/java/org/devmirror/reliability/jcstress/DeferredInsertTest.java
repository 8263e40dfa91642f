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
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * A notifier inserted while an invalidation period is in flight (the insert is deferred to the
 * period's end, mmu_interval_notifier_insert's "we must assume this new range is included"), then
 * faulted at once, never commits the entry that invalidation is replacing.
 *
 * <p>The first page is mirrored by an existing notifier so the host's range makes the period odd.
 * r1 = the new mirror's device entry (0 unmapped, 1 current, 2 stale); r2 = callbacks it got;
 * r3 = 1 if its fault retried; r4 = 1 if the global sequence was odd right after the insert
 * (the insert was deferred, or the host's period began just after it).
 */
@JCStressTest
@Description(
        "mmu_interval_notifier_insert during an invalidation (deferred insert), then a fault through the new notifier")
@Outcome(
        id = "1, 0, 0, 1",
        expect = ACCEPTABLE_INTERESTING,
        desc = "Deferred insert: the period was odd at insert, the callback walk never saw the node, and its first "
                + "readBegin waited for the period to end, so the fault read the new entry.")
@Outcome(
        id = "1, 0, 0, 0",
        expect = ACCEPTABLE,
        desc = "Inserted after the period ended; the fault read the new entry.")
@Outcome(
        id = "1, 1, [01], [01]",
        expect = ACCEPTABLE,
        desc = "Inserted before the host's start, so invalidated; the fault retried, or began after setSeq and its "
                + "readBegin waited for the end.")
@Outcome(
        id = "0, 1, 0, [01]",
        expect = ACCEPTABLE,
        desc =
                "Inserted before the host's start; the fault committed the old entry before the callback, which zapped it.")
@Outcome(
        id = "2, .*",
        expect = FORBIDDEN,
        desc = "STALE: the new notifier's first read section was not covered by the invalidation in flight.")
@Outcome(
        id = "0, 0, .*",
        expect = FORBIDDEN,
        desc = "The device lost its entry although nothing invalidated it: a fault always commits a present entry.")
@Outcome(
        id = "1, 0, 1, .*",
        expect = FORBIDDEN,
        desc = "readRetry reported a collision although no callback ever called setSeq.")
@Outcome(
        id = "0, 1, 1, .*",
        expect = FORBIDDEN,
        desc = "A retried fault commits after the only setSeq, so nothing may zap it afterwards.")
@Outcome(id = "[01], [2-9], .*", expect = FORBIDDEN, desc = "More callbacks than invalidations.")
@State
public class DeferredInsertTest {
    private static final long VA = 0x400000;
    private static final long PAGE = PageMirror.PAGE;

    private final Object mm = new Object();
    private final MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
    private final CpuPte firstPte = new CpuPte(PteLayout.present(1, true));
    private final CpuPte secondPte = new CpuPte(PteLayout.present(2, true));
    private final PageMirror existing = new PageMirror(firstPte, VA);
    private final PageMirror inserted = new PageMirror(secondPte, VA + PAGE);
    private final HostInvalidator host = new HostInvalidator(subs, mm);
    private int retries;
    private int oddAfterInsert;

    public DeferredInsertTest() {
        subs.insert(existing.notifier, VA, PAGE);
    }

    @Actor
    public void insertThenFault() {
        subs.insert(inserted.notifier, VA + PAGE, PAGE);
        oddAfterInsert = (int) (subs.sequence() & 1);
        retries = inserted.fault();
    }

    @Actor
    public void hostReplacesBothPages() {
        host.start(MmuNotifierEvent.CLEAR, true, VA, VA + 2 * PAGE);
        firstPte.set(PteLayout.present(11, true));
        secondPte.set(PteLayout.present(12, true));
        host.end();
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r1 = inserted.state();
        r.r2 = inserted.invalidations();
        r.r3 = retries > 0 ? 1 : 0;
        r.r4 = oddAfterInsert;
    }
}

package org.devmirror.reliability.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.devmirror.notifier.IntervalNotifier;
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
 * Two host threads unmap the same tracked range at once and the driver drops its tracking from
 * inside the callback with removeDeferred (what a tracked range does on UNMAP): the removal is
 * applied exactly once, at the end of the period, whichever thread ends it.
 *
 * <p>r1 = callbacks received (1 or 2); r2 = 1 if still inserted at the end; r3 = intervals in the
 * tree at the end; r4 = the global sequence's parity at the end.
 */
@JCStressTest
@Description("removeDeferred from inside the invalidate callback while a second invalidation of the same interval runs")
@Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE,
        desc = "The first period ended (removal applied) before the second start walked the tree: one callback.")
@Outcome(id = "2, 0, 0, 0", expect = ACCEPTABLE_INTERESTING,
        desc = "Both starts fell in one odd period: two callbacks, the second removeDeferred found the removal pending.")
@Outcome(id = "[012], 1, .*", expect = FORBIDDEN,
        desc = "The deferred removal was lost: the notifier is still attached.")
@Outcome(id = "[012], 0, [1-9], .*", expect = FORBIDDEN,
        desc = "The notifier left a node in the tree.")
@Outcome(id = "[012], 0, 0, 1", expect = FORBIDDEN,
        desc = "The period was left odd.")
@Outcome(id = "0, .*", expect = FORBIDDEN,
        desc = "Neither invalidation called the notifier.")
@State
public class DeferredRemoveInCallbackTest {
    private static final long VA = 0x800000;
    private static final long PAGE = PageMirror.PAGE;

    private final Object mm = new Object();
    private final MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
    private final HostInvalidator host1 = new HostInvalidator(subs, mm);
    private final HostInvalidator host2 = new HostInvalidator(subs, mm);
    private final PageMirror mirror = new PageMirror(new CpuPte(0), VA) {
        @Override
        void afterZap(IntervalNotifier sub) {
            sub.removeDeferred(); // UNMAP drops tracking; remove() here would wait for itself
        }
    };

    public DeferredRemoveInCallbackTest() {
        subs.insert(mirror.notifier, VA, PAGE);
    }

    @Actor
    public void hostUnmaps() {
        host1.start(MmuNotifierEvent.UNMAP, true, VA, VA + PAGE);
        host1.end();
    }

    @Actor
    public void otherHostUnmaps() {
        host2.start(MmuNotifierEvent.UNMAP, true, VA, VA + PAGE);
        host2.end();
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r1 = mirror.invalidations();
        r.r2 = mirror.notifier.isInserted() ? 1 : 0;
        r.r3 = subs.intervalCount();
        r.r4 = (int) (subs.sequence() & 1);
    }
}

package org.devmirror.reliability.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
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
 * mmu_interval_notifier_remove racing an invalidation: once remove() returns, no callback for the
 * notifier is running or will run (a removal during an odd period is deferred and remove waits
 * for the period to end), and the notifier is out of the tree.
 *
 * <p>r1 = callbacks received; r2 = callbacks that saw the removal already returned; r3 = 1 if the
 * notifier is still inserted at the end; r4 = the global sequence's parity at the end.
 */
@JCStressTest
@Description("mmu_interval_notifier_remove against a concurrent invalidation of the notifier")
@Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE, desc = "Removed before the host's start walked the tree: no callback.")
@Outcome(
        id = "1, 0, 0, 0",
        expect = ACCEPTABLE,
        desc = "Invalidated first; remove() ran after or was deferred and waited for the period's end.")
@Outcome(id = "[01], 1, .*", expect = FORBIDDEN, desc = "A callback ran after remove() returned.")
@Outcome(
        id = "[01], 0, 1, .*",
        expect = FORBIDDEN,
        desc = "The notifier is still inserted after remove() returned (a deferred removal was never applied).")
@Outcome(
        id = "[01], 0, 0, 1",
        expect = FORBIDDEN,
        desc = "The period was left odd: the next readBegin on this address space would wait forever.")
@State
public class RemoveDuringInvalidationTest {
    private static final long VA = 0x600000;

    private final Object mm = new Object();
    private final MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
    private final HostInvalidator host = new HostInvalidator(subs, mm);
    /** Set (volatile) once remove() has returned; read by the callback. */
    private volatile boolean removed;
    /** Callbacks that saw {@link #removed}; guarded by the mirror's driver lock. */
    private int lateCallbacks;

    private final PageMirror mirror = new PageMirror(new CpuPte(0), VA) {
        @Override
        void afterZap(IntervalNotifier sub) {
            if (removed) {
                lateCallbacks++;
            }
        }
    };

    public RemoveDuringInvalidationTest() {
        subs.insert(mirror.notifier, VA, PageMirror.PAGE);
    }

    @Actor
    public void driverRemoves() {
        mirror.notifier.remove();
        removed = true;
    }

    @Actor
    public void hostInvalidates() {
        host.start(MmuNotifierEvent.UNMAP, true, VA, VA + PageMirror.PAGE);
        host.end();
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r1 = mirror.invalidations();
        mirror.driverLock.lock();
        try {
            r.r2 = lateCallbacks;
        } finally {
            mirror.driverLock.unlock();
        }
        r.r3 = mirror.notifier.isInserted() ? 1 : 0;
        r.r4 = (int) (subs.sequence() & 1);
    }
}

package org.devmirror.reliability.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicLong;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierSubscriptions;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * readBegin, checkRetry and readRetry on one thread against a host thread that invalidates two
 * parts of the interval one after the other (two periods, two setSeq calls under the driver
 * lock): a readRetry that says "no collision" guarantees the value read after readBegin is still
 * the current one, whichever period the read section overlaps or falls between.
 *
 * <p>r1 = readRetry; r2 = the lockless checkRetry hint taken before the lock; r3 = 1 if the
 * value read after readBegin equals the value under the driver lock.
 */
@JCStressTest
@Description(
        "mmu_interval_read_begin / check_retry / read_retry against set_seq from two successive invalidation periods")
@Outcome(
        id = "0, 0, 1",
        expect = ACCEPTABLE,
        desc =
                "No collision: the read section ran before, between or after the callbacks; a readBegin that found its notifier being invalidated waited for that period to end.")
@Outcome(
        id = "1, 0, [01]",
        expect = ACCEPTABLE_INTERESTING,
        desc = "Collision reported by readRetry only: setSeq landed between checkRetry and the driver lock.")
@Outcome(
        id = "1, 1, [01]",
        expect = ACCEPTABLE_INTERESTING,
        desc = "Collision seen by the lockless hint and confirmed by readRetry.")
@Outcome(
        id = "0, 0, 0",
        expect = FORBIDDEN,
        desc = "readRetry said no collision but the value changed since readBegin: a setSeq was missed.")
@Outcome(
        id = "0, 1, .*",
        expect = FORBIDDEN,
        desc = "checkRetry true must stay true: the notifier sequence never returns to an old value.")
@State
public class ReadRetryAcrossThreadsTest {
    private static final long VA = 0x200000;
    private static final long PAGE = PageMirror.PAGE;

    private final Object mm = new Object();
    private final MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
    /** Stands for the CPU entries the fault copies; changed only between start and end. */
    private final AtomicLong generation = new AtomicLong();

    private final PageMirror mirror = new PageMirror(new CpuPte(0), VA);
    private final HostInvalidator host = new HostInvalidator(subs, mm);
    private final IntervalNotifier notifier = mirror.notifier;

    public ReadRetryAcrossThreadsTest() {
        subs.insert(notifier, VA, 2 * PAGE);
    }

    @Actor
    public void readSection(III_Result r) {
        long seq = notifier.readBegin();
        long before = generation.get();
        boolean hint = notifier.checkRetry(seq);
        mirror.driverLock.lock();
        try {
            r.r1 = notifier.readRetry(seq) ? 1 : 0;
            r.r3 = generation.get() == before ? 1 : 0;
        } finally {
            mirror.driverLock.unlock();
        }
        r.r2 = hint ? 1 : 0;
    }

    @Actor
    public void hostChangesBothPages() {
        host.start(MmuNotifierEvent.CLEAR, true, VA, VA + PAGE);
        generation.incrementAndGet();
        host.end();
        host.start(MmuNotifierEvent.PROTECTION_VMA, true, VA + PAGE, VA + 2 * PAGE);
        generation.incrementAndGet();
        host.end();
    }
}

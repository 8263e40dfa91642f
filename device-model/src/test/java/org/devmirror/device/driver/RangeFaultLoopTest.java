package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.devmirror.device.DeviceFixture;
import org.devmirror.hmm.HmmPfn;
import org.devmirror.hmm.HmmRange;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.IntervalNotifier;
import org.junit.jupiter.api.Test;

/**
 * The retry rule of {@code dmirror_range_fault()} ({@link RangeFaultLoop}): how many collided
 * rounds a commit is told about, and when the loop gives up with -EBUSY
 * ({@code HMM_RANGE_DEFAULT_TIMEOUT}). The rounds here collide the way {@link DeviceFault}'s do when
 * the tracked range the round began on was replaced meanwhile: {@code stillValid} says no under
 * the driver lock, after {@code mmu_interval_read_retry} passed.
 */
class RangeFaultLoopTest extends DeviceFixture {
    /** A round over one mapped page whose first {@code collisions} rounds find their state gone. */
    final class CollidingRound implements RangeFaultLoop.Round {
        final IntervalNotifier notifier;
        final long start;
        final long[] pfns = new long[1];
        long collisions;
        long committedAfter = -1;
        Errno failedWith;
        long failedAfter = -1;

        CollidingRound(long start, long collisions) {
            this.start = start;
            this.collisions = collisions;
            this.notifier = mirror.driver().ensureTracked(start, start + PAGE).notifier();
        }

        @Override
        public void fill(HmmRange r, IntervalNotifier n, long seq) {
            // What DeviceFault's unit asks for: the page, faulted in, readable.
            r.start(start)
                    .end(start + PAGE)
                    .notifier(n)
                    .notifierSeq(seq)
                    .defaultFlags(HmmPfn.REQ_FAULT)
                    .pfnFlagsMask(0)
                    .devPrivateOwner(mirror.driver().owner())
                    .pfns(pfns, 0);
        }

        @Override
        public IntervalNotifier notifier() {
            return notifier;
        }

        @Override
        public boolean stillValid() {
            return collisions-- <= 0;
        }

        @Override
        public Errno commit(long retries) {
            committedAfter = retries;
            return Errno.OK;
        }

        @Override
        public Errno failed(Errno r, long retries) {
            failedWith = r;
            failedAfter = retries;
            return r;
        }
    }

    long mappedPage() {
        long a = anon(1, Prot.RW);
        cpuInit(mm, a, 1, 0);
        return a;
    }

    /**
     * Two collided rounds well inside a long timeout: the third round commits, and the commit is
     * told it took two retries (what the device's fault statistics count).
     */
    @Test
    void roundsThatCollideTwiceCommitOnTheThirdWithTwoRetries() {
        CollidingRound round = new CollidingRound(mappedPage(), 2);
        Errno r = RangeFaultLoop.run(mm, mirror.driver().lock(), new HmmRange(), TimeUnit.SECONDS.toNanos(30), round);
        assertEquals(Errno.OK, r);
        assertEquals(2, round.committedAfter);
        assertEquals(-1, round.failedAfter);
    }

    /**
     * Rounds that never stop colliding give up with -EBUSY, through {@code failed}, once the
     * timeout has passed since the first collision, and not before.
     */
    @Test
    void roundsThatAlwaysCollideGiveUpWithEbusyAfterTheTimeout() {
        long timeout = TimeUnit.MILLISECONDS.toNanos(30);
        CollidingRound round = new CollidingRound(mappedPage(), Long.MAX_VALUE);
        long began = System.nanoTime();
        Errno r = assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> RangeFaultLoop.run(mm, mirror.driver().lock(), new HmmRange(), timeout, round));
        long took = System.nanoTime() - began;
        assertEquals(Errno.EBUSY, r);
        assertEquals(Errno.EBUSY, round.failedWith);
        assertTrue(round.failedAfter >= 2, () -> "retries " + round.failedAfter);
        assertTrue(took >= timeout, () -> "gave up after " + took + " ns");
        assertEquals(-1, round.committedAfter);
    }
}

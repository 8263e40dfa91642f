package org.devmirror.device.driver;

import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.hmm.HmmRange;
import org.devmirror.hmm.RangeFault;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.notifier.IntervalNotifier;

/**
 * The retry loop of {@code dmirror_range_fault()} (lib/test_hmm.c), written once for every device
 * path that reads the CPU page table through a range fault: the device fault ({@link DeviceFault})
 * and the snapshot ({@code HMM_DMIRROR_SNAPSHOT}). Per round:
 * <pre>
 *   loop:
 *     if past the deadline: -EBUSY                      (HMM_RANGE_DEFAULT_TIMEOUT, from the first collision)
 *     notifier = round.notifier()                       (null: -EFAULT)
 *     seq = mmu_interval_read_begin(notifier)           (re-read EVERY round)
 *     round.fill(range, notifier, seq)
 *     mmap_read_lock; hmm_range_fault; mmap_read_unlock
 *     -EBUSY: goto loop;  other error: return it
 *     driver lock
 *     if mmu_interval_read_retry(notifier, seq) or !round.stillValid(): unlock, goto loop
 *     round.commit(); unlock
 * </pre>
 * The sequence is read afresh at the top of every round: retrying with an earlier round's sequence
 * would spin forever once any invalidation has hit the range (ROCm issue 6523). What differs
 * between the callers (which notifier, what the range asks for, what is done under the lock, what
 * a failure records) is a {@link Round}.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The caller holds neither {@code lock} nor the mmap lock and is not inside an invalidation of the
 * address space. The loop allocates nothing: a fault over populated pages stays at 0 B/op when the
 * {@link Round}, the {@link HmmRange} and its {@code pfns} are reused.
 *
 * <h2>Locking</h2>
 * The mmap read lock (released), then {@code lock} (the driver lock, the one the notifier's
 * invalidate callback takes) around the read-retry check and the commit.
 */
public final class RangeFaultLoop {
    private RangeFaultLoop() {}

    /** What one caller of the loop does in each round. */
    public interface Round {
        /** The interval notifier the round reads its sequence from; {@code null} fails the fault with EFAULT. */
        IntervalNotifier notifier();

        /** Fills {@code range} for this round: notifier, {@code seq}, bounds, flags, owner and {@code pfns}. */
        void fill(HmmRange range, IntervalNotifier notifier, long seq);

        /** Under the driver lock, after the sequence held: whether the round's state still holds. */
        boolean stillValid();

        /** Under the driver lock, once the round's result is known to be current: the device work. */
        Errno commit(long retries);

        /** The loop gives up with {@code r} after {@code retries} collided rounds; returns what the caller returns. */
        Errno failed(Errno r, long retries);
    }

    /**
     * Runs rounds until one commits, an error other than EBUSY comes back, or the deadline passes.
     *
     * @param timeoutNanos how long collisions may go on before EBUSY
     */
    public static Errno run(AddressSpace mm, ReentrantLock lock, HmmRange range, long timeoutNanos, Round round) {
        long deadline = 0;
        long retries = 0;
        while (true) {
            if (retries == 1) {
                // The clock is read once a round has collided: a round that commits at once
                // (the steady state) reads it never. The deadline so counts from the end of the
                // first round instead of the start, later by one round than dmirror_range_fault's
                // jiffies deadline, which a 1 s HMM_RANGE_DEFAULT_TIMEOUT does not notice.
                deadline = System.nanoTime() + timeoutNanos;
            } else if (retries > 1 && System.nanoTime() - deadline > 0) {
                return round.failed(Errno.EBUSY, retries);
            }
            IntervalNotifier notifier = round.notifier();
            if (notifier == null) {
                return round.failed(Errno.EFAULT, retries);
            }
            long seq = notifier.readBegin();
            round.fill(range, notifier, seq);
            Errno r;
            mm.mmapReadLock();
            try {
                r = RangeFault.fault(mm, range);
            } finally {
                mm.mmapReadUnlock();
            }
            if (r == Errno.EBUSY) {
                retries++;
                continue;
            }
            if (r != Errno.OK) {
                return round.failed(r, retries);
            }
            lock.lock();
            try {
                if (notifier.readRetry(seq) || !round.stillValid()) {
                    retries++;
                    continue;
                }
                return round.commit(retries);
            } finally {
                lock.unlock();
            }
        }
    }
}

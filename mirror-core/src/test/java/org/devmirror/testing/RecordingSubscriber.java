package org.devmirror.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Host;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.IntervalNotifierOps;
import org.devmirror.notifier.MmuNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * Test fixture: a subscriber to every invalidation of one address space, both as an interval
 * notifier over all user addresses (like lib/test_hmm.c's per-open {@code dmirror} notifier) and
 * as a classic {@link MmuNotifier}, recording each invalidation's event, range, blockable flag
 * and owner. It can be told to refuse non-blockable ranges, as a driver whose lock is busy does.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Callbacks may come from any host thread; the records are kept under {@code lock}, which the
 * interval callback also holds around {@link IntervalNotifier#setSeq} (the driver lock of the
 * sequence protocol). Readers get copies.
 */
public final class RecordingSubscriber implements IntervalNotifierOps, MmuNotifier {
    /** One recorded invalidation. */
    public record Event(MmuNotifierEvent event, long start, long end, boolean blockable, Object owner) {
        /** A blockable invalidation without owner. */
        public static Event of(MmuNotifierEvent event, long start, long end) {
            return new Event(event, start, end, true, null);
        }

        @Override
        public String toString() {
            return event + "[0x" + Long.toHexString(start) + ",0x" + Long.toHexString(end) + ")"
                    + (blockable ? "" : " nonblock") + (owner != null ? " owner=" + owner : "");
        }
    }

    /** The driver lock: held around setSeq in invalidate and by tests around readRetry. */
    public final ReentrantLock lock = new ReentrantLock();

    private final IntervalNotifier interval = new IntervalNotifier(this);
    // guarded by lock
    private final List<Event> intervalEvents = new ArrayList<>();
    // guarded by lock
    private final List<Event> classicEvents = new ArrayList<>();
    // classic starts without their end yet; guarded by lock
    private int classicOpen;
    // classic release() calls; guarded by lock
    private int releases;
    private volatile boolean refuseNonBlockable;

    private RecordingSubscriber() {}

    /** Subscribes to {@code mm} as interval notifier over [0, TASK_SIZE) and as classic notifier. */
    public static RecordingSubscriber attach(AddressSpace mm) {
        RecordingSubscriber s = new RecordingSubscriber();
        mm.notifiers().insert(s.interval, 0, Host.TASK_SIZE);
        mm.notifiers().register(s);
        return s;
    }

    /** The interval notifier, for readBegin/readRetry. */
    public IntervalNotifier interval() {
        return interval;
    }

    /** From now on, refuse (return false for) every non-blockable range. */
    public void refuseNonBlockable(boolean refuse) {
        refuseNonBlockable = refuse;
    }

    @Override
    public boolean invalidate(IntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        if (!range.isBlockable() && refuseNonBlockable) {
            return false;
        }
        lock.lock();
        try {
            sub.setSeq(curSeq);
            intervalEvents.add(record(range));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean invalidateRangeStart(MmuNotifierRange range) {
        if (!range.isBlockable() && refuseNonBlockable) {
            return false;
        }
        lock.lock();
        try {
            classicEvents.add(record(range));
            classicOpen++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void invalidateRangeEnd(MmuNotifierRange range) {
        lock.lock();
        try {
            classicOpen--;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void release(Object mm) {
        lock.lock();
        try {
            releases++;
        } finally {
            lock.unlock();
        }
    }

    private static Event record(MmuNotifierRange r) {
        return new Event(r.event(), r.start(), r.end(), r.isBlockable(), r.owner());
    }

    /** The invalidations the interval notifier saw, in order. */
    public List<Event> events() {
        lock.lock();
        try {
            return List.copyOf(intervalEvents);
        } finally {
            lock.unlock();
        }
    }

    /** The invalidations the classic notifier saw (every one but RELEASE), in order. */
    public List<Event> classicEvents() {
        lock.lock();
        try {
            return List.copyOf(classicEvents);
        } finally {
            lock.unlock();
        }
    }

    /** Classic starts whose end has not come (0 when every start was paired). */
    public int openClassicRanges() {
        lock.lock();
        try {
            return classicOpen;
        } finally {
            lock.unlock();
        }
    }

    /** Calls of the classic release(). */
    public int releases() {
        lock.lock();
        try {
            return releases;
        } finally {
            lock.unlock();
        }
    }

    /** Forgets everything recorded so far. */
    public void clear() {
        lock.lock();
        try {
            intervalEvents.clear();
            classicEvents.clear();
        } finally {
            lock.unlock();
        }
    }
}

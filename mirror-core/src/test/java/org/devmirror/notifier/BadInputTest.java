package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every misuse throws with the offending argument named and leaves the state exactly as before. */
class BadInputTest extends NotifierFixture {

    private <T extends RuntimeException> void assertRejected(Class<T> type, Executable call, String messagePart) {
        long seq = subs.sequence();
        int count = subs.intervalCount();
        boolean subscribed = subs.hasSubscribers();
        long active = subs.activeInvalidateRanges();
        T e = assertThrows(type, call);
        assertTrue(
                e.getMessage().contains(messagePart), "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
        assertEquals(seq, subs.sequence());
        assertEquals(count, subs.intervalCount());
        assertEquals(subscribed, subs.hasSubscribers());
        assertEquals(active, subs.activeInvalidateRanges());
    }

    /** A zero length is -EOVERFLOW in the kernel; here an exception, and nothing is inserted. */
    @Test
    void insertRejectsZeroLength() {
        IntervalNotifier sub = new IntervalNotifier(new RecordingIntervalOps());
        assertRejected(IllegalArgumentException.class, () -> subs.insert(sub, 0x1000, 0), "length=0");
        assertFalse(sub.isInserted());
        assertNull(sub.subscriptions());
        assertFalse(subs.hasSubscribers());
    }

    /** An interval wrapping past ULONG_MAX is rejected; one ending exactly at ULONG_MAX is fine. */
    @Test
    void insertRejectsOverflow() {
        IntervalNotifier sub = new IntervalNotifier(new RecordingIntervalOps());
        // Step 1: start=-0x1000 with length 0x2000 would wrap.
        assertRejected(IllegalArgumentException.class, () -> subs.insert(sub, -0x1000L, 0x2000), "-EOVERFLOW");
        assertFalse(sub.isInserted());
        // Step 2: the largest legal interval ends at 0xffff_ffff_ffff_ffff.
        subs.insert(sub, -0x1000L, 0x1000);
        assertEquals(-1L, sub.last());
    }

    /** Inserting twice, into the same or another address space, is rejected. */
    @Test
    void insertRejectsDoubleInsert() {
        IntervalNotifier sub = new IntervalNotifier(new RecordingIntervalOps());
        subs.insert(sub, 0, PAGE);
        assertRejected(IllegalArgumentException.class, () -> subs.insert(sub, 0x10000, PAGE), "already inserted");
        assertEquals(0, sub.start(), "the interval is unchanged");
        MmuNotifierSubscriptions other = new MmuNotifierSubscriptions(new Object());
        assertThrows(IllegalArgumentException.class, () -> other.insert(sub, 0, PAGE));
        assertEquals(0, other.intervalCount());
        assertRejected(IllegalArgumentException.class, () -> subs.insert(null, 0, PAGE), "sub=null");
    }

    /** Operations on a notifier that was never inserted are rejected. */
    @Test
    void notInsertedNotifierRejectsUse() {
        IntervalNotifier sub = new IntervalNotifier(new RecordingIntervalOps());
        assertRejected(IllegalStateException.class, sub::readBegin, "not inserted");
        assertRejected(IllegalStateException.class, sub::remove, "not inserted");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new IntervalNotifier(null));
        assertTrue(e.getMessage().contains("ops=null"));
    }

    /** Removing twice is rejected the second time. */
    @Test
    void removeTwiceIsRejected() {
        IntervalNotifier sub = new IntervalNotifier(new RecordingIntervalOps());
        subs.insert(sub, 0, PAGE);
        sub.remove();
        assertRejected(IllegalStateException.class, sub::remove, "not inserted");
    }

    /** setSeq only accepts the odd sequence handed to invalidate. */
    @Test
    void setSeqRejectsEvenSequence() {
        IntervalNotifier sub = new IntervalNotifier(new RecordingIntervalOps());
        subs.insert(sub, 0, PAGE);
        assertRejected(IllegalArgumentException.class, () -> sub.setSeq(4), "curSeq=4");
        assertFalse(sub.readRetry(1), "the sequence is unchanged");
    }

    /** Ranges must be initialised and belong to this address space; end needs a start. */
    @Test
    void invalidationRejectsForeignOrUninitialisedRanges() {
        subs.insert(new IntervalNotifier(new RecordingIntervalOps()), 0, PAGE);
        assertRejected(
                IllegalArgumentException.class,
                () -> subs.invalidateRangeStart(new MmuNotifierRange()),
                "not initialised");
        MmuNotifierRange foreign = new MmuNotifierRange().init(new Object(), MmuNotifierEvent.CLEAR, 1, 0, PAGE, null);
        assertRejected(IllegalArgumentException.class, () -> subs.invalidateRangeStart(foreign), "range.mm()");
        assertRejected(IllegalArgumentException.class, () -> subs.invalidateRangeStart(null), "range=null");
        MmuNotifierRange ok = new MmuNotifierRange().init(mm, MmuNotifierEvent.CLEAR, 1, 0, PAGE, null);
        assertRejected(IllegalStateException.class, () -> subs.invalidateRangeEnd(ok), "without invalidateRangeStart");
    }

    /** Classic registration rejects null and duplicates. */
    @Test
    void registerRejectsNullAndDuplicates() {
        assertRejected(IllegalArgumentException.class, () -> subs.register(null), "n=null");
        RecordingMmuNotifier n = new RecordingMmuNotifier(false);
        subs.register(n);
        assertRejected(IllegalArgumentException.class, () -> subs.register(n), "already registered");
        assertRejected(IllegalArgumentException.class, () -> subs.unregister(null), "n=null");
        // The duplicate did not double the callbacks.
        start(0, PAGE);
        end(0, PAGE);
        assertEquals(1, n.starts());
    }

    /** Waiting calls between start and end on the invalidating thread are refused, not deadlocked. */
    @Test
    void waitingInsideInvalidationIsRefused() {
        IntervalNotifier sub = new IntervalNotifier(new RecordingIntervalOps());
        subs.insert(sub, 0, PAGE);
        RecordingMmuNotifier n = new RecordingMmuNotifier(false);
        subs.register(n);
        start(0, PAGE);
        assertRejected(IllegalStateException.class, sub::readBegin, "would wait for itself");
        assertRejected(IllegalStateException.class, () -> subs.unregister(n), "would wait for itself");
        assertRejected(IllegalStateException.class, subs::release, "would wait for itself");
        end(0, PAGE);
        assertEquals(0, n.releases());
        assertEquals(4, subs.sequence());
    }
}

package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The driver rule of Documentation/mm/hmm.rst under real concurrency: a device that commits a
 * copied "PTE" only when readRetry is false under its lock never holds a value the host has
 * since changed.
 */
class ConcurrentMirrorTest extends NotifierFixture {

    /** Host threads change a CPU value between start and end; a fault thread mirrors it. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void mirrorNeverKeepsAStaleValue() throws Exception {
        AtomicLong cpu = new AtomicLong(); // the CPU page table entry
        long[] device = {-1}; // the device copy; -1 = not mapped; guarded by driverLock
        AtomicReference<String> failure = new AtomicReference<>();
        RecordingIntervalOps ops = new RecordingIntervalOps() {
            @Override
            protected void onInvalidate(IntervalNotifier sub, MmuNotifierRange r, long curSeq) {
                device[0] = -1; // zap the device mapping
            }
        };
        IntervalNotifier sub = new IntervalNotifier(ops);
        subs.insert(sub, 0, PAGE);
        int rounds = 3000;
        Runnable host = () -> {
            MmuNotifierRange r = new MmuNotifierRange();
            for (int i = 0; i < rounds; i++) {
                r.init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, 0, PAGE, null);
                subs.invalidateRangeStart(r);
                cpu.incrementAndGet(); // the PTE changes only between start and end
                subs.invalidateRangeEnd(r);
            }
        };
        Runnable fault = () -> {
            int committed = 0;
            while (committed < rounds / 4) {
                long seq = sub.readBegin();
                long value = cpu.get(); // hmm_range_fault: read the CPU PTE
                ops.driverLock.lock();
                try {
                    if (sub.readRetry(seq)) {
                        continue; // collided: go back to readBegin
                    }
                    device[0] = value;
                    committed++;
                    // No invalidation can be between setSeq and its PTE change now: it needs this lock.
                    if (cpu.get() != value) {
                        failure.compareAndSet(null, "device committed " + value + " but the CPU has " + cpu.get());
                    }
                } finally {
                    ops.driverLock.unlock();
                }
            }
        };
        // Step 1: two host threads and one fault thread race.
        Thread h1 = Thread.ofPlatform().name("host1").start(host);
        Thread h2 = Thread.ofPlatform().name("host2").start(host);
        Thread f = Thread.ofPlatform().name("fault").start(fault);
        h1.join();
        h2.join();
        f.join();
        // Step 2: no stale commit, every change was made, and the sequence is idle.
        assertNull(failure.get());
        assertEquals(2L * rounds, cpu.get());
        assertEquals(0, subs.sequence() & 1);
        assertEquals(0, subs.activeInvalidateRanges());
        assertTrue(ops.calls() >= 1);
    }
}

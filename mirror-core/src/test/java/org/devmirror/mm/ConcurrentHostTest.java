package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults and CPU writes on several threads under the mmap read lock race with reclaim,
 * compaction and COW in a fork child; every write survives and every invalidation is paired.
 */
class ConcurrentHostTest extends HostFixture {

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void writersRaceWithReclaimCompactionAndChildCow() throws Exception {
        long a = anon(32);
        writePages(mm, a, 32, 0);
        AddressSpace child = mm.fork();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int rounds = 200;
        Thread[] writers = new Thread[2];
        for (int t = 0; t < writers.length; t++) {
            int first = t * 16;
            writers[t] = new Thread(() -> {
                try {
                    for (int r = 1; r <= rounds; r++) {
                        for (int p = first; p < first + 16; p++) {
                            Errno e = mm.cpuWrite(a + p * PAGE + 8, new byte[] {(byte) r}, 0, 1);
                            if (e != Errno.OK) {
                                throw new AssertionError("write returned " + e);
                            }
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
        }
        Thread childWriter = new Thread(() -> {
            try {
                for (int r = 1; r <= rounds; r++) {
                    int p = r % 32;
                    Errno e = child.cpuWrite(a + p * PAGE + 16, new byte[] {(byte) -r}, 0, 1);
                    if (e != Errno.OK) {
                        throw new AssertionError("child write returned " + e);
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        for (Thread w : writers) {
            w.start();
        }
        childWriter.start();
        for (int r = 0; r < 20; r++) {
            mm.reclaim(a, 32 * PAGE);
            mm.compact(a, 32 * PAGE);
        }
        for (Thread w : writers) {
            w.join();
        }
        childWriter.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        byte[] b = new byte[1];
        for (int p = 0; p < 32; p++) {
            assertEquals(Errno.OK, mm.cpuRead(a + p * PAGE + 8, b, 0, 1));
            assertEquals((byte) rounds, b[0], "page " + p);
        }
        assertEquals(0, rec.openClassicRanges());
        // The child kept its own copies: its first byte of each page is still the fork-time value.
        for (int p = 0; p < 32; p++) {
            assertEquals(Errno.OK, child.cpuRead(a + p * PAGE, b, 0, 1));
            assertEquals((byte) p, b[0], "child page " + p);
        }
        child.exit();
    }
}

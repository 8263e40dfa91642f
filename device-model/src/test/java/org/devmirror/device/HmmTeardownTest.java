package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ports hmm-tests.c anon_teardown: a device READ of a buffer races a munmap of its top half on
 * another thread (after a random delay of up to 32 microseconds). Whichever wins, the device
 * never returns stale data: an OK read returned every page as written with one fault round, a
 * failed one is EFAULT (the top half was gone when the device faulted it), and the mirror holds
 * no translation of the unmapped half.
 */
class HmmTeardownTest extends DeviceFixture {
    private static final int NPAGES = 256;
    private static final int ROUNDS = 50;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void readRacingMunmapOfTheTopHalf() throws InterruptedException {
        for (int round = 0; round < ROUNDS; round++) {
            // 1. A fresh buffer holding ptr[i] = i.
            long a = anon(NPAGES, Prot.RW);
            cpuInit(mm, a, NPAGES, 0);
            long top = a + (NPAGES / 2) * PAGE;
            long delayNanos = ThreadLocalRandom.current().nextLong(32_000);
            Thread unmapper = Thread.ofPlatform().start(() -> {
                LockSupport.parkNanos(delayNanos);
                assertEquals(Errno.OK, mm.munmap(top, (NPAGES / 2) * PAGE));
            });
            // 2. The device reads the whole buffer meanwhile.
            byte[] buf = new byte[NPAGES * (int) PAGE];
            DeviceCommand c = mirror.read(a, NPAGES, buf);
            unmapper.join();
            // 3. OK means every page was read as written; otherwise the top half was gone.
            if (c.isOk()) {
                assertEquals(NPAGES, c.cpages());
                assertTrue(c.faults() >= 1);
                assertArrayEquals(ints(NPAGES, 0), buf);
            } else {
                assertEquals(Errno.EFAULT, c.result());
            }
            for (long va = top; va < a + NPAGES * PAGE; va += PAGE) {
                assertEquals(0, mirror.entry(va), "no translation of the unmapped half survives");
            }
            assertOracle(mirror);
            assertEquals(Errno.OK, mm.munmap(a, (NPAGES / 2) * PAGE));
        }
    }
}

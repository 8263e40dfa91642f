package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Host operations on one thread, device faults and reads on another: the fault path's
 * readBegin / readRetry protocol must never commit a translation an invalidation has taken
 * away, so once both stop the oracle finds nothing stale.
 */
class ConcurrentMirrorTest extends DeviceFixture {
    static final int N = 256;

    @Test
    @Timeout(60)
    void hostChangesRaceDeviceFaults() throws Exception {
        long a = anon(N, Prot.RW);
        cpuInit(mm, a, N, 0);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread device = new Thread(
                () -> {
                    byte[] buf = new byte[(int) (32 * PAGE)];
                    int round = 0;
                    try {
                        while (!stop.get()) {
                            long at = a + (round % (N / 32)) * 32L * PAGE;
                            Errno r =
                                    (round & 1) == 0 ? mirror.read(at, 32, buf).result() : mirror.fault(at, 32, true);
                            if (r != Errno.OK && r != Errno.EFAULT && r != Errno.EPERM) {
                                throw new AssertionError("device access returned " + r);
                            }
                            round++;
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "device");
        device.start();
        try {
            for (int i = 0; i < 60; i++) {
                long at = a + (i % 8) * 32L * PAGE;
                switch (i % 6) {
                    case 0 -> mm.madvise(at, 32 * PAGE, Advice.DONTNEED);
                    case 1 -> mm.mprotect(at, 32 * PAGE, Prot.READ);
                    case 2 -> mm.mprotect(at, 32 * PAGE, Prot.RW);
                    case 3 -> mm.compact(at, 32 * PAGE);
                    case 4 -> {
                        mm.munmap(at, 32 * PAGE);
                        mm.mmap(at, 32 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
                    }
                    default -> mm.cpuFill(at, 32 * PAGE, (byte) i);
                }
            }
        } finally {
            stop.set(true);
            device.join();
        }
        assertNull(failure.get());
        // Quiescent: no stale translation anywhere, and device and CPU agree on the data.
        assertOracle(mirror);
        assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, Prot.RW));
        assertEquals(
                true,
                org.devmirror.device.oracle.DataCheck.roundTrip(mirror, a, N, 42)
                        .isClean());
        assertOracle(mirror);
    }
}

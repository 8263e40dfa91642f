package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.devmirror.notifier.MmuNotifierSubscriptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Misuse of the mirroring API gets a clear exception and leaves the state as it was: removing a
 * notifier from inside its own callback, waiting in readBegin inside one's own invalidation,
 * setSeq with a sequence invalidate never gave, and using an address space after its process
 * exited. (readRetry without the driver lock cannot be detected: the notifier does not know the
 * driver's lock; docs/reliability.md says how the jcstress and stress tests cover it instead.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ApiMisuseTest {
    private static final long PAGE = Host.PAGE_SIZE;

    /** remove() inside the callback would wait for the invalidation it is part of. */
    @Test
    void removeInsideItsCallbackThrowsAndKeepsTheNotifier() {
        Object mm = new Object();
        MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
        ReentrantLock lock = new ReentrantLock();
        IntervalNotifier sub = new IntervalNotifier((n, r, seq) -> {
            lock.lock();
            try {
                n.setSeq(seq);
                n.remove(); // misuse: must throw, not deadlock
            } finally {
                lock.unlock();
            }
            return true;
        });
        subs.insert(sub, 0, PAGE);
        MmuNotifierRange range =
                new MmuNotifierRange().init(mm, MmuNotifierEvent.UNMAP, MmuNotifierRange.FLAG_BLOCKABLE, 0, PAGE, null);
        // Step 1: the invalidation reports the misuse.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> subs.invalidateRangeStart(range));
        assertTrue(e.getMessage().contains("cannot be called from any ops callback"), e.getMessage());
        // Step 2: nothing is left in flight, and the notifier is still there and still works.
        assertEquals(0, subs.sequence() & 1);
        assertTrue(sub.isInserted());
        assertEquals(1, subs.intervalCount());
        long seq = sub.readBegin();
        assertFalse(sub.readRetry(seq));
    }

    /** readBegin in one's own invalidation would wait for itself. */
    @Test
    void readBeginInsideOwnInvalidationThrows() {
        Object mm = new Object();
        MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
        IntervalNotifier sub = new IntervalNotifier((n, r, seq) -> {
            n.setSeq(seq);
            return true;
        });
        subs.insert(sub, 0, PAGE);
        MmuNotifierRange range =
                new MmuNotifierRange().init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, 0, PAGE, null);
        assertTrue(subs.invalidateRangeStart(range));
        IllegalStateException e = assertThrows(IllegalStateException.class, sub::readBegin);
        assertTrue(e.getMessage().contains("wait for itself"), e.getMessage());
        subs.invalidateRangeEnd(range);
        assertEquals(0, subs.sequence() & 1);
    }

    /** setSeq takes only the odd curSeq invalidate passes; the notifier's sequence is unchanged. */
    @Test
    void setSeqWithAnEvenSequenceThrows() {
        MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(new Object());
        IntervalNotifier sub = new IntervalNotifier((n, r, seq) -> true);
        subs.insert(sub, 0, PAGE);
        long seq = sub.readBegin();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sub.setSeq(4));
        assertEquals("curSeq=4 is even: pass the curSeq given to invalidate", e.getMessage());
        assertFalse(sub.readRetry(seq));
    }

    /** After exit the address space refuses every operation, and its device mirror reports errors, not exceptions. */
    @Test
    void exitedAddressSpaceRefusesOperations() {
        try (Host host = new Host(HostConfig.defaults().withFrames(1024).withSwapSlots(64));
                DmirrorDevice device = new DmirrorDevice(host, 0, 512)) {
            AddressSpace mm = host.newAddressSpace();
            long buf = mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            Dmirror mirror = device.open(mm);
            assertEquals(Errno.OK, mirror.fault(buf, 4, true));
            // Step 1: the process exits.
            mm.exit();
            // Step 2: host operations throw, naming the address space.
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> mm.mmap(0, PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS));
            assertEquals(mm + " has exited", e.getMessage());
            assertThrows(IllegalStateException.class, () -> mm.cpuFault(buf, false));
            assertThrows(IllegalStateException.class, mm::fork);
            // Step 3: the device commands fail as mmget_not_zero failing makes them, and the mirror holds nothing.
            assertEquals(Errno.EFAULT, mirror.fault(buf, 1, false));
            assertTrue(!mirror.read(buf, 1, new byte[(int) PAGE]).isOk());
            for (long va = buf; va < buf + 4 * PAGE; va += PAGE) {
                assertEquals(0, mirror.entry(va), "device entry at 0x" + Long.toHexString(va) + " after exit");
            }
            mirror.close();
        }
    }
}

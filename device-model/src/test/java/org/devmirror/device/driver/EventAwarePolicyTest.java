package org.devmirror.device.driver;

import static org.devmirror.notifier.MmuNotifierEvent.CLEAR;
import static org.devmirror.notifier.MmuNotifierEvent.EXCLUSIVE;
import static org.devmirror.notifier.MmuNotifierEvent.MIGRATE;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_PAGE;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_VMA;
import static org.devmirror.notifier.MmuNotifierEvent.RELEASE;
import static org.devmirror.notifier.MmuNotifierEvent.SOFT_DIRTY;
import static org.devmirror.notifier.MmuNotifierEvent.UNMAP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exact device state and counters after each event under {@link EventAwarePolicy}: which
 * device PTEs are zapped, downgraded, re-read or left alone, and whether tracking is dropped or
 * kept, over one populated 2 MiB tracked range (512 pages, 4 KiB CPU mappings).
 */
class EventAwarePolicyTest extends DeviceFixture {
    static final int N = 512;

    long a;
    DeviceStats stats;

    /** Maps a 2 MiB-aligned region of 512 pages (no THP), fills it and has the device write it all. */
    void populate(int prot) {
        long raw = mm.mmap(0, 2 * PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a = (raw + PMD - 1) & -PMD;
        if (a > raw) {
            assertEquals(Errno.OK, mm.munmap(raw, a - raw));
        }
        if (raw + 2 * PMD > a + PMD) {
            assertEquals(Errno.OK, mm.munmap(a + PMD, raw + 2 * PMD - (a + PMD)));
        }
        cpuInit(mm, a, N, 0);
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 1)).result());
        if (prot != Prot.RW) {
            assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, prot));
            assertEquals(Errno.OK, mirror.read(a, N, new byte[N * (int) PAGE]).result());
        }
        assertEquals(N, mirror.pageTable().populated());
        assertArrayEquals(new long[] {a, a + PMD}, mirror.trackedIntervals());
        stats = mirror.stats();
        stats.reset();
    }

    long readFaults(long addr, int npages) {
        DeviceCommand c = mirror.read(addr, npages, new byte[npages * (int) PAGE]);
        assertEquals(Errno.OK, c.result());
        return c.faults();
    }

    int countWritable() {
        int n = 0;
        for (int i = 0; i < N; i++) {
            n += DevicePteLayout.isWrite(mirror.entry(a + i * PAGE)) ? 1 : 0;
        }
        return n;
    }

    @Test
    void unmapDropsTracking() {
        populate(Prot.RW);
        // Step 1: munmap the whole range.
        assertEquals(Errno.OK, mm.munmap(a, N * PAGE));
        // Step 2: every device PTE zapped with one flush; the callback only marked the range.
        assertEquals(0, mirror.pageTable().populated());
        assertArrayEquals(new long[] {a, a + PMD}, mirror.trackedIntervals());
        // Step 3: the garbage collector, outside the invalidation, removes it.
        mirror.collectGarbage();
        assertArrayEquals(new long[0], mirror.trackedIntervals());
        assertEquals(1, stats.invalidations(UNMAP));
        assertEquals(N, stats.ptesZapped(UNMAP));
        assertEquals(1, stats.tlbFlushes(UNMAP));
        assertOracle(mirror);
    }

    @Test
    void partialUnmapKeepsTheRestTracked() {
        populate(Prot.RW);
        // Step 1: munmap pages 128..255.
        assertEquals(Errno.OK, mm.munmap(a + 128 * PAGE, 128 * PAGE));
        // Step 2: only those are zapped; once the collector ran, the two remaining parts are
        // tracked separately.
        assertEquals(N - 128, mirror.pageTable().populated());
        assertEquals(128, stats.ptesZapped(UNMAP));
        mirror.collectGarbage();
        assertArrayEquals(new long[] {a, a + 128 * PAGE, a + 256 * PAGE, a + N * PAGE}, mirror.trackedIntervals());
        assertFalse(mirror.isTracked(a + 128 * PAGE));
        // Step 3: the device still reads the rest without faulting.
        assertEquals(0, readFaults(a, 128));
        assertEquals(0, readFaults(a + 256 * PAGE, 256));
        assertOracle(mirror);
        // Step 4: remapping the hole and faulting there merges the chunk into one range again.
        assertEquals(
                a + 128 * PAGE,
                mm.mmap(a + 128 * PAGE, 128 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED));
        assertEquals(1, readFaults(a + 128 * PAGE, 128));
        assertArrayEquals(new long[] {a, a + PMD}, mirror.trackedIntervals());
        assertOracle(mirror);
    }

    @Test
    void clearZapsButKeepsTracking() {
        populate(Prot.RW);
        // Step 1: MADV_DONTNEED the first 64 pages.
        assertEquals(Errno.OK, mm.madvise(a, 64 * PAGE, Advice.DONTNEED));
        // Step 2: those 64 zapped, tracking unchanged.
        assertEquals(64, stats.ptesZapped(CLEAR));
        assertEquals(1, stats.tlbFlushes(CLEAR));
        assertEquals(N - 64, mirror.pageTable().populated());
        assertArrayEquals(new long[] {a, a + PMD}, mirror.trackedIntervals());
        // Step 3: the device refaults them once.
        assertEquals(1, readFaults(a, N));
        assertOracle(mirror);
    }

    @Test
    void readOnlyMprotectKeepsDeviceReadsWithoutRefault() {
        populate(Prot.RW);
        // Step 1: mprotect(PROT_READ): PROTECTION_VMA with a read-only VMA.
        assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, Prot.READ));
        // Step 2: every PTE downgraded in place at start and re-read at the end, none zapped.
        assertEquals(N, stats.ptesDowngraded(PROTECTION_VMA));
        assertEquals(N, stats.ptesReread(PROTECTION_VMA));
        assertEquals(0, stats.ptesZapped(PROTECTION_VMA));
        assertEquals(N, mirror.pageTable().populated());
        assertEquals(0, countWritable());
        assertOracle(mirror);
        // Step 3: device reads need no fault; device writes are refused.
        assertEquals(0, readFaults(a, N));
        assertEquals(Errno.EPERM, mirror.write(a, 1, new byte[(int) PAGE]).result());
    }

    @Test
    void protNoneMprotectZaps() {
        populate(Prot.RW);
        long issued = mirror.driver().tlb().flushes();
        assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, Prot.NONE));
        assertEquals(N, stats.ptesZapped(PROTECTION_VMA));
        // One flush for the downgrade at the start, one for the re-read's zap at the end.
        assertEquals(2, stats.tlbFlushes(PROTECTION_VMA));
        assertEquals(issued + 2, mirror.driver().tlb().flushes());
        assertEquals(0, mirror.pageTable().populated());
        assertArrayEquals(new long[] {a, a + PMD}, mirror.trackedIntervals());
        assertEquals(Errno.EFAULT, mirror.read(a, 1, new byte[(int) PAGE]).result());
        assertOracle(mirror);
    }

    /**
     * A PROTECTION_PAGE whose re-read only gives WRITE back (the CPU PTEs are unchanged, as the
     * benchmark raises it) issues and counts one TLB flush, the downgrade's at the start: adding a
     * permission needs none. A device that read the range between start and end keeps the
     * read-only entries it cached, and writes through them afterwards without a fault: the
     * permission miss re-walks the page table.
     */
    @Test
    void rereadThatOnlyGivesWriteBackFlushesNothing() {
        populate(Prot.RW);
        long issued = mirror.driver().tlb().flushes();
        MmuNotifierRange r = new MmuNotifierRange()
                .init(mm, PROTECTION_PAGE, MmuNotifierRange.FLAG_BLOCKABLE, a, a + N * PAGE, null);
        // Step 1: start downgrades every PTE and flushes; the device reads the range meanwhile
        // and caches read-only translations.
        assertTrue(mm.notifiers().invalidateRangeStart(r));
        assertEquals(0, countWritable());
        assertEquals(1, stats.tlbFlushes(PROTECTION_PAGE));
        assertEquals(0, readFaults(a, N));
        // Step 2: end re-reads: WRITE back on every PTE, nothing zapped, no flush issued or counted.
        mm.notifiers().invalidateRangeEnd(r);
        assertEquals(N, countWritable());
        assertEquals(N, stats.ptesReread(PROTECTION_PAGE));
        assertEquals(0, stats.ptesZapped(PROTECTION_PAGE));
        assertEquals(1, stats.tlbFlushes(PROTECTION_PAGE));
        assertEquals(issued + 1, mirror.driver().tlb().flushes());
        assertOracle(mirror);
        // Step 3: the device writes through its stale read-only translations without a fault.
        assertEquals(new DeviceCommand(Errno.OK, N, 0), mirror.write(a, N, ints(N, 3)));
        assertOracle(mirror);
    }

    /**
     * A wider mprotect is not skipped because the VMA became writable (the VMA's flags decide
     * nothing): the PTEs are re-read at the end, and the device keeps every page, with WRITE exactly
     * where the CPU PTE grants it.
     */
    @Test
    void widerMprotectIsDecidedFromThePtes() {
        populate(Prot.READ);
        assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, Prot.RW));
        assertEquals(1, stats.invalidations(PROTECTION_VMA));
        assertEquals(0, stats.skipped(PROTECTION_VMA));
        assertEquals(N, stats.ptesReread(PROTECTION_VMA));
        assertEquals(0, stats.ptesZapped(PROTECTION_VMA));
        assertEquals(N, mirror.pageTable().populated());
        int cpuWritable = 0;
        for (int i = 0; i < N; i++) {
            cpuWritable += CpuMapping.grantsWrite(mm.pageTable().get(a + i * PAGE)) ? 1 : 0;
        }
        assertEquals(cpuWritable, countWritable());
        assertOracle(mirror);
    }

    @Test
    void protectionPageKeepsPresentPagesMappedWithoutFault() {
        populate(Prot.RW);
        // Step 1: fork write-protects the parent's pages (PROTECTION_PAGE).
        AddressSpace child = mm.fork();
        // Step 2: PTEs downgraded at start, re-read at end: all still mapped, read-only.
        assertTrue(stats.invalidations(PROTECTION_PAGE) >= 1);
        assertEquals(N, stats.ptesDowngraded(PROTECTION_PAGE));
        assertEquals(N, stats.ptesReread(PROTECTION_PAGE));
        assertEquals(0, stats.ptesZapped(PROTECTION_PAGE));
        assertEquals(N, mirror.pageTable().populated());
        assertEquals(0, countWritable());
        assertOracle(mirror);
        // Step 3: reads need no device fault; a write faults once (breaking COW).
        assertEquals(0, readFaults(a, N));
        DeviceCommand w = mirror.write(a, N, ints(N, 2));
        assertEquals(new DeviceCommand(Errno.OK, N, 1), w);
        assertCpuInts(child, a, N, 1);
        assertOracle(mirror);
        child.exit();
    }

    int cpuSoftDirty() {
        return cpuSoftDirty(a, N);
    }

    /**
     * SOFT_DIRTY under the shipped policy: the device keeps writing without a fault, and every page
     * it can write reads soft-dirty once clear_refs is done (marked in the end callback).
     */
    @Test
    void softDirtyMarksTheDevicesWritablePagesAtTheEnd() {
        populate(Prot.RW);
        // Step 1: clear_refs; the host clears every soft-dirty bit it finds.
        assertEquals(Errno.OK, mm.clearSoftDirty());
        // Step 2: nothing zapped or downgraded; the end callback marked all 512 pages soft-dirty.
        assertEquals(1, stats.invalidations(SOFT_DIRTY));
        assertEquals(0, stats.skipped(SOFT_DIRTY));
        assertEquals(0, stats.ptesZapped(SOFT_DIRTY) + stats.ptesDowngraded(SOFT_DIRTY) + stats.tlbFlushes(SOFT_DIRTY));
        assertEquals(N, stats.ptesReread(SOFT_DIRTY));
        assertEquals(N, countWritable());
        assertEquals(N, cpuSoftDirty());
        // Step 3: the device writes again without a fault; soft-dirty is complete (the oracle).
        assertEquals(new DeviceCommand(Errno.OK, N, 0), mirror.write(a, N, ints(N, 5)));
        assertOracle(mirror);
    }

    /**
     * SOFT_DIRTY under {@link EventAwarePolicy#DOWNGRADE_SOFT_DIRTY}: device write is taken away,
     * the pages read clean until written, and the device's next write faults through the CPU,
     * which sets soft-dirty on exactly the pages written.
     */
    @Test
    void softDirtyDowngradeFaultsTheNextWriteThroughTheCpu() {
        mirror.close();
        mirror = dev0.open(mm, MirrorOptions.defaults().withPolicy(EventAwarePolicy.DOWNGRADE_SOFT_DIRTY));
        populate(Prot.RW);
        // Step 1: clear_refs: every device PTE downgraded, one flush, nothing marked.
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(N, stats.ptesDowngraded(SOFT_DIRTY));
        assertEquals(1, stats.tlbFlushes(SOFT_DIRTY));
        assertEquals(0, countWritable());
        assertEquals(0, cpuSoftDirty());
        // Step 2: the device writes 16 pages: one fault, and exactly those read soft-dirty.
        assertEquals(new DeviceCommand(Errno.OK, 16, 1), mirror.write(a, 16, ints(16, 5)));
        assertEquals(16, cpuSoftDirty());
        assertOracle(mirror);
    }

    @Test
    void releaseTearsEverythingDown() {
        populate(Prot.RW);
        mm.exit();
        assertEquals(1, stats.invalidations(RELEASE));
        assertEquals(N, stats.ptesZapped(RELEASE));
        assertEquals(0, mirror.pageTable().populated());
        mirror.collectGarbage();
        assertArrayEquals(new long[0], mirror.trackedIntervals());
    }

    @Test
    void ownMigrateIsSkippedForeignMigrateIsClear() {
        populate(Prot.RW);
        // Step 1: another device migrates half the range: a foreign MIGRATE, handled as CLEAR.
        Dmirror other = dev1.open(mm);
        assertEquals(Errno.OK, other.migrateToDevice(a, N / 2).result());
        assertEquals(0, stats.skipped(MIGRATE));
        assertEquals(N / 2, stats.ptesZapped(MIGRATE));
        assertOracle(mirror);
        // Step 2: this device migrates the other half: its own MIGRATE, skipped by the policy.
        stats.reset();
        assertEquals(Errno.OK, mirror.migrateToDevice(a + N / 2 * PAGE, N / 2).result());
        assertTrue(stats.skipped(MIGRATE) >= 1);
        assertEquals(stats.invalidations(MIGRATE), stats.skipped(MIGRATE));
        assertTrue(DevicePteLayout.isDevicePrivate(mirror.entry(a + N / 2 * PAGE)));
        assertOracle(mirror);
        assertOracle(other);
    }

    @Test
    void ownExclusiveIsSkippedForeignExclusiveIsClear() {
        populate(Prot.RW);
        // Step 1: this device takes page 0 exclusive: its own EXCLUSIVE is skipped.
        assertEquals(Errno.OK, mirror.exclusive(a, 1).result());
        assertEquals(1, stats.skipped(EXCLUSIVE));
        assertTrue(DevicePteLayout.isAtomic(mirror.entry(a)));
        // Step 2: another device takes page 1 exclusive: handled as CLEAR here.
        Dmirror other = dev1.open(mm);
        assertEquals(Errno.OK, other.exclusive(a + PAGE, 1).result());
        assertEquals(1, stats.ptesZapped(EXCLUSIVE));
        assertEquals(0, mirror.entry(a + PAGE));
        assertOracle(mirror);
        assertOracle(other);
    }

    /** Another thread holding the mirror's driver lock until closed, as a committing device fault would. */
    // close() joins the holder thread, which may be interrupted: the tests that use it throw Exception.
    @SuppressWarnings("try")
    private final class DriverLockHeld implements AutoCloseable {
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch done = new CountDownLatch(1);
        private final Thread holder = new Thread(() -> {
            mirror.lock().lock();
            try {
                held.countDown();
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                mirror.lock().unlock();
            }
        });

        @Override
        public void close() throws InterruptedException {
            done.countDown();
            holder.join();
        }
    }

    private DriverLockHeld holdDriverLock() throws InterruptedException {
        DriverLockHeld h = new DriverLockHeld();
        h.holder.start();
        assertTrue(h.held.await(5, TimeUnit.SECONDS));
        return h;
    }

    // The resource only scopes the held driver lock; the body never names it.
    @SuppressWarnings("try")
    @Test
    @Timeout(10)
    void nonBlockableIsRefusedWhileTheDriverLockIsHeld() throws Exception {
        populate(Prot.RW);
        long cpuBefore = mm.pageTable().get(a);
        // Step 1: another thread holds the driver lock.
        try (DriverLockHeld held = holdDriverLock()) {
            // Step 2: the OOM reaper's non-blockable CLEAR is refused, not waited for.
            assertEquals(Errno.EAGAIN, mm.oomReap());
            assertEquals(1, stats.refused(CLEAR));
        }
        // Step 3: the host changed nothing, and neither did the device.
        assertEquals(cpuBefore, mm.pageTable().get(a));
        assertEquals(N, mirror.pageTable().populated());
        assertEquals(0, stats.invalidations(CLEAR));
        assertOracle(mirror);
    }

    /** The policy ignores nothing before the lock: every invalidation takes it and sets the sequence. */
    @Test
    void ignoresNothing() {
        Object own = mirror.driver().owner();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            for (Object owner : new Object[] {null, own, new Object()}) {
                MmuNotifierRange r =
                        new MmuNotifierRange().init(mm, e, MmuNotifierRange.FLAG_BLOCKABLE, 0, PAGE, owner);
                assertFalse(EventAwarePolicy.INSTANCE.ignores(r, own), () -> e + " owner=" + owner);
                assertFalse(EventAwarePolicy.DOWNGRADE_SOFT_DIRTY.ignores(r, own), () -> e + " owner=" + owner);
            }
        }
    }

    /**
     * SOFT_DIRTY sets the tracked range's sequence like every other event: a device fault that read
     * the CPU page table before clear_refs must retry (it may have seen a writable PTE that is now
     * write-protected and clean).
     */
    // The resource only scopes the held driver lock; the body never names it.
    @SuppressWarnings("try")
    @Test
    void softDirtySetsTheSequence() {
        populate(Prot.RW);
        IntervalNotifier n = mirror.driver().ensureTracked(a, a + PAGE).notifier();
        // Step 1: a device fault would begin here.
        long seq = n.readBegin();
        // Step 2: clear_refs: the fault must retry.
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertTrue(n.checkRetry(seq));
        assertOracle(mirror);
    }
}

package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.TestHmmPolicy;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.testing.RecordingSubscriber;
import org.devmirror.testing.RecordingSubscriber.Event;
import org.junit.jupiter.api.Test;

/**
 * Eviction of device memory by page frame number (lib/test_hmm.c {@code dmirror_device_evict_chunk}
 * with mm/migrate_device.c {@code migrate_device_range}), behind {@code HMM_DMIRROR_RELEASE} and
 * the close of a mirror: every mapping of a device page, in every address space, gets a CLEAR with
 * no owner (try_to_migrate_one) and then maps a system page holding the data.
 */
class DeviceEvictionTest extends DeviceFixture {
    private static final int NPAGES = 64;

    private long migrated(AddressSpace as, Dmirror m, int npages) {
        long a = as.mmap(
                0, npages * PAGE, Prot.RW, org.devmirror.mm.MapFlags.PRIVATE | org.devmirror.mm.MapFlags.ANONYMOUS);
        cpuInit(as, a, npages, 0);
        assertEquals(new DeviceCommand(Errno.OK, npages, 0), m.migrateToDevice(a, npages));
        return a;
    }

    /** RELEASE: one blockable CLEAR without owner per page (never the device's own MIGRATE), then system pages with the data. */
    @Test
    void releaseClearsEachMappingAndKeepsTheData() {
        long a = migrated(mm, mirror, NPAGES);
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.release());
        List<Event> events = rec.events();
        assertEquals(NPAGES, events.size(), events.toString());
        for (int i = 0; i < NPAGES; i++) {
            assertEquals(
                    new Event(MmuNotifierEvent.CLEAR, a + i * PAGE, a + (i + 1) * PAGE, true, null), events.get(i));
        }
        assertTrue(PteLayout.isPresent(mm.pageTable().get(a))
                && PteLayout.isWrite(mm.pageTable().get(a)));
        assertEquals(0, dev0.usedPages());
        assertEquals(0, mirror.entry(a), "the mirror dropped its entry on the CLEAR");
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /**
     * Device memory clear_refs cleaned unheard (mremap moved it where its owner tracks nothing, so
     * no end callback marks it), then evicted by another mirror's close: the pages come back
     * writable, and a safe policy makes them soft-dirty on the way, since no later write would set
     * the bit (long-run seed 20233344 found it under the blind policy).
     */
    @Test
    void anEvictionKeepsSoftDirtyCompleteForASafePolicy() {
        int n = 4;
        long b = movedAndCleaned(mirror, n);
        dev0.open(host.newAddressSpace(), options()).close(); // dmirror_fops_release evicts the device

        for (int i = 0; i < n; i++) {
            long e = mm.pageTable().get(b + i * PAGE);
            assertTrue(
                    PteLayout.isPresent(e) && PteLayout.isWrite(e) && PteLayout.isSoftDirty(e), PteLayout.describe(e));
        }
        assertEquals(Errno.OK, mirror.write(b, n, ints(n, 5)).result());
        assertOracle(mirror);
        assertCpuInts(mm, b, n, 5);
    }

    /** The same under test_hmm's policy, which marks nothing: the pages come back writable and clean, the kernel's loss. */
    @Test
    void anEvictionUnderTestHmmLeavesTheKernelsLoss() {
        int n = 4;
        Dmirror testHmm = dev1.open(mm, MirrorOptions.forPolicy(TestHmmPolicy.INSTANCE));
        long b = movedAndCleaned(testHmm, n);
        dev1.open(host.newAddressSpace(), MirrorOptions.forPolicy(TestHmmPolicy.INSTANCE))
                .close();

        assertEquals(0, cpuSoftDirty(b, n));
        assertEquals(Errno.OK, testHmm.write(b, n, ints(n, 5)).result());
        OracleReport r = SafetyOracle.check(testHmm);
        assertTrue(r.isClean(), r::toString);
        assertEquals(n, r.kernelFindings().size(), r.kernelFindings()::toString);
    }

    /**
     * A page that gets no system frame stays on the device, mapped as before: the device page keeps
     * the reference of every entry that names it again, so it is neither freed nor lost, and the
     * next release moves it (long-run seed 30119195: a release with the host's frames used up left
     * three entries naming device pages it had freed).
     */
    @Test
    void aPageThatGetsNoFrameStaysOnTheDeviceAndKeepsItsData() {
        int n = 4;
        long a = migrated(mm, mirror, n);
        long used = dev0.usedPages();
        AtomicInteger allocations = new AtomicInteger();
        host.memory().setAllocationFailureHook(pfn -> allocations.incrementAndGet() == 3); // the third page's frame
        try {
            assertEquals(new DeviceCommand(Errno.OK, n - 1, 0), mirror.release());
        } finally {
            host.memory().setAllocationFailureHook(null);
        }

        assertEquals(used - (n - 1), dev0.usedPages(), "one page left on the device, still allocated");
        long stayed = a + 2 * PAGE;
        assertTrue(
                PteLayout.isDevicePrivate(mm.pageTable().get(stayed)),
                PteLayout.describe(mm.pageTable().get(stayed)));
        assertCpuInts(mm, a, n, 0); // the device page's data, read through a CPU fault that migrates it back
        assertEquals(0, dev0.usedPages());
        assertOracle(mirror);
    }

    /**
     * {@code n} pages in {@code m}'s device memory, moved by mremap to addresses no notifier of
     * {@code m} covers, then clear_refs: writable device-private entries, clean.
     */
    private long movedAndCleaned(Dmirror m, int n) {
        long a = migrated(mm, m, n);
        long b = (a - (1L << 30)) & -PMD; // another 2 MiB chunk, which m tracks nothing of
        assertEquals(b, mm.mmap(b, n * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED));
        assertEquals(b, mm.mremap(a, n * PAGE, n * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, b));
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(0, cpuSoftDirty(b, n), "writable device-private entries, cleaned");
        return b;
    }

    /** A folio mapped by one PMD-level device entry is evicted whole: one CLEAR over its 2 MiB, then a THP leaf. */
    @Test
    void releaseEvictsAFolioWhole() {
        long a = anonHuge(512);
        cpuInit(mm, a, 512, 0);
        assertEquals(Errno.OK, mirror.migrateToDevice(a, 512).result());
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertEquals(new DeviceCommand(Errno.OK, 512, 0), mirror.release());
        assertEquals(List.of(new Event(MmuNotifierEvent.CLEAR, a, a + PMD, true, null)), rec.events());
        long e = mm.pageTable().getPmd(a);
        assertTrue(PteLayout.isHuge(e) && PteLayout.isPresent(e) && PteLayout.isWrite(e), PteLayout.describe(e));
        assertEquals(0, dev0.usedPages());
        assertCpuInts(mm, a, 512, 0);
        assertOracle(mirror);
    }

    /** RELEASE evicts the device's pages from every address space, not only the one of the mirror issuing it. */
    @Test
    void releaseEvictsEveryAddressSpace() {
        AddressSpace other = host.newAddressSpace();
        Dmirror otherMirror = dev0.open(other);
        long a = migrated(mm, mirror, NPAGES);
        long b = migrated(other, otherMirror, NPAGES);
        assertEquals(2 * NPAGES, dev0.usedPages());
        assertEquals(new DeviceCommand(Errno.OK, 2 * NPAGES, 0), mirror.release());
        assertEquals(0, dev0.usedPages());
        assertCpuInts(mm, a, NPAGES, 0);
        assertCpuInts(other, b, NPAGES, 0);
        assertAllOracles();
    }

    /** After fork both address spaces map the device page read-only; eviction maps one system page in both, and COW still separates them. */
    @Test
    void releaseAfterForkSharesOneSystemPage() {
        long a = migrated(mm, mirror, NPAGES);
        AddressSpace child = mm.fork();
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.release());
        long pe = mm.pageTable().get(a);
        long ce = child.pageTable().get(a);
        assertTrue(PteLayout.isPresent(pe) && !PteLayout.isWrite(pe), PteLayout.describe(pe));
        assertEquals(PteLayout.pfn(pe), PteLayout.pfn(ce));
        assertEquals(2, host.memory().mapcount(PteLayout.pfn(pe)));
        cpuInit(mm, a, NPAGES, 5);
        assertCpuInts(child, a, NPAGES, 0);
        assertCpuInts(mm, a, NPAGES, 5);
        child.exit();
        assertOracle(mirror);
    }

    /** Closing a mirror evicts the device's memory (dmirror_fops_release); the data stays readable. */
    @Test
    void closeEvictsTheDeviceMemory() {
        AddressSpace other = host.newAddressSpace();
        Dmirror otherMirror = dev0.open(other);
        long b = migrated(other, otherMirror, NPAGES);
        mirror.close();
        assertEquals(0, dev0.usedPages());
        assertTrue(PteLayout.isPresent(other.pageTable().get(b)));
        assertCpuInts(other, b, NPAGES, 0);
        assertOracle(otherMirror);
    }

    /** A page the device never had to give back (no mapping) is skipped; a RELEASE with nothing migrated moves nothing. */
    @Test
    void releaseWithNothingOnTheDeviceMovesNothing() {
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertEquals(new DeviceCommand(Errno.OK, 0, 0), mirror.release());
        assertEquals(List.of(), rec.events());
    }
}

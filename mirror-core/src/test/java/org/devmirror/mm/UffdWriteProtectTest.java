package org.devmirror.mm;

import static org.devmirror.notifier.MmuNotifierEvent.CLEAR;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_VMA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/**
 * userfaultfd write-protect (fs/userfaultfd.c, mm/userfaultfd.c): UFFDIO_WRITEPROTECT raises
 * PROTECTION_VMA over change_pud_range's range while the VMA stays writable, write-protects the
 * entries with the uffd-wp bit and parks a CPU write as a userfault until un-protect wakes it
 * (RangeFaultTest covers the range-fault side).
 */
class UffdWriteProtectTest extends HostFixture {

    private long registered(long npages, long features) {
        long a = anon(npages);
        assertEquals(Errno.OK, mm.uffdApi(features));
        assertEquals(Errno.OK, mm.uffdRegister(a, npages * PAGE, Uffd.REGISTER_MODE_WP));
        return a;
    }

    /** Protect raises PROTECTION_VMA from the range start to its end, the VMA stays rw, the PTEs get UFFD_WP and lose W. */
    @Test
    void writeProtectRaisesProtectionVmaAndKeepsTheVmaWritable() {
        long a = registered(16, 0);
        writePages(mm, a + 4 * PAGE, 4, 1);
        assertEquals(List.of(), rec.events(), "register raises nothing");
        // 1. Protect all 16 pages: change_pud_range starts at the first populated PUD step, which is a itself.
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, 16 * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 16 * PAGE)), rec.events());
        assertEquals(Prot.RW, mm.vmas().get(0).prot(), "the VMA keeps its protection");
        long e = pte(mm, a + 4 * PAGE);
        assertTrue(PteLayout.isUffdWp(e), describe(e));
        assertFalse(PteLayout.isWrite(e), describe(e));
        assertEquals(0, pte(mm, a), "an anonymous hole gets no marker without WP_UNPOPULATED");
        // 2. The entries are no longer reused for a write: the oracle's reuse test says no.
        assertFalse(writeWouldReuse(a + 4 * PAGE));
        rec.clear();
        // 3. Un-protect: PROTECTION_VMA again, the bit goes and an exclusive page is writable again
        // (MM_CP_TRY_CHANGE_WRITABLE).
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, 16 * PAGE, 0));
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 16 * PAGE)), rec.events());
        e = pte(mm, a + 4 * PAGE);
        assertFalse(PteLayout.isUffdWp(e), describe(e));
        assertTrue(PteLayout.isWrite(e), describe(e));
    }

    /** A CPU write to a protected page parks as a userfault; un-protect wakes it and the write completes. */
    @Test
    void cpuWriteWaitsForTheUserfaultAndRetriesOnWake() {
        long a = registered(4, 0);
        writePages(mm, a, 4, 1);
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, 4 * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        // 1. Write pages 1 and 2: the fault on page 1 becomes a message; nothing is written.
        byte[] data = new byte[(int) (2 * PAGE)];
        java.util.Arrays.fill(data, (byte) 0x5A);
        assertEquals(Errno.EAGAIN, mm.cpuWrite(a + PAGE, data, 0, data.length));
        assertEquals(List.of(new UffdFault(a + PAGE, true, true)), mm.uffdPendingFaults());
        assertPages(mm, a, 4, 1);
        // 2. Un-protecting page 2 only wakes nothing (the fault is at page 1).
        assertEquals(Errno.OK, mm.uffdWriteProtect(a + 2 * PAGE, PAGE, 0));
        assertEquals(1, mm.uffdPendingFaults().size());
        // 3. Un-protecting page 1 wakes it: the whole write lands.
        assertEquals(Errno.OK, mm.uffdWriteProtect(a + PAGE, PAGE, 0));
        assertEquals(List.of(), mm.uffdPendingFaults());
        byte[] got = new byte[data.length];
        assertEquals(Errno.OK, mm.cpuRead(a + PAGE, got, 0, got.length));
        assertArrayEquals(data, got);
    }

    /** DONTWAKE un-protects without waking; a read of a protected page never faults into the handler. */
    @Test
    void dontWakeLeavesTheWriterParkedAndReadsProceed() {
        long a = registered(2, 0);
        writePages(mm, a, 2, 3);
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, 2 * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        assertPages(mm, a, 2, 3);
        assertEquals(Errno.EAGAIN, mm.cpuWrite(a, new byte[] {9}, 0, 1));
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, 2 * PAGE, Uffd.WRITEPROTECT_MODE_DONTWAKE));
        assertEquals(1, mm.uffdPendingFaults().size());
        assertEquals(
                Errno.EINVAL,
                mm.uffdWriteProtect(a, PAGE, Uffd.WRITEPROTECT_MODE_WP | Uffd.WRITEPROTECT_MODE_DONTWAKE));
    }

    /** Async mode: the kernel drops the bit itself and the write goes on in place; no message. */
    @Test
    void asyncModeResolvesTheFaultInTheKernel() {
        long a = registered(2, Uffd.FEATURE_WP_ASYNC);
        writePages(mm, a, 1, 7);
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, 2 * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        long before = PteLayout.pfn(pte(mm, a));
        assertTrue(PteLayout.isMarker(pte(mm, a + PAGE)), "WP_ASYNC implies WP_UNPOPULATED: a marker");
        rec.clear();
        assertEquals(Errno.OK, mm.cpuWrite(a, new byte[] {8}, 0, 1));
        assertEquals(List.of(), mm.uffdPendingFaults());
        long e = pte(mm, a);
        assertEquals(before, PteLayout.pfn(e), "reused in place");
        assertTrue(PteLayout.isWrite(e) && !PteLayout.isUffdWp(e), describe(e));
        assertEquals(List.of(), rec.events(), "dropping the bit and reusing raise nothing");
        // The marker faults in a page that is uffd-wp; the write then drops the bit too.
        assertEquals(Errno.OK, mm.cpuWrite(a + PAGE, new byte[] {9}, 0, 1));
        assertFalse(PteLayout.isUffdWp(pte(mm, a + PAGE)));
    }

    /** Markers: WP_UNPOPULATED (and shmem always) protects holes; the notifier then starts at the range start. */
    @Test
    void markersProtectEmptyEntriesAndFaultInProtected() {
        long a = mm.mmap(0, 8 * PAGE, Prot.RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, mm.uffdApi(0));
        assertEquals(Errno.OK, mm.uffdRegister(a, 8 * PAGE, Uffd.REGISTER_MODE_WP));
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, 8 * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 8 * PAGE)), rec.events(), "shmem: markers, so the whole range");
        assertTrue(PteLayout.isMarker(pte(mm, a)));
        // A read fault installs the page uffd-wp; a write then parks.
        assertPages(mm, a, 1, 0);
        assertTrue(PteLayout.isUffdWp(pte(mm, a)) && PteLayout.isPresent(pte(mm, a)));
        assertEquals(Errno.EAGAIN, mm.cpuWrite(a, new byte[] {1}, 0, 1));
        // MADV_DONTNEED on shmem keeps the protection as a marker.
        assertEquals(Errno.OK, mm.madvise(a, PAGE, Advice.DONTNEED));
        assertTrue(PteLayout.isMarker(pte(mm, a)), describe(pte(mm, a)));
        // Unregister resolves: markers go.
        rec.clear();
        assertEquals(Errno.OK, mm.uffdUnregister(a, 8 * PAGE));
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 8 * PAGE)), rec.events());
        assertEquals(0, pte(mm, a + PAGE));
        assertFalse(mm.vmas().get(0).isUffdWp());
    }

    /** Protecting a VMA that is not registered is ENOENT; a file mapping needs WP_ASYNC to register. */
    @Test
    void unregisteredRangesAreRefused() {
        long a = anon(2);
        assertEquals(Errno.EINVAL, mm.uffdWriteProtect(a, PAGE, Uffd.WRITEPROTECT_MODE_WP), "no userfaultfd yet");
        assertEquals(Errno.OK, mm.uffdApi(0));
        assertEquals(Errno.ENOENT, mm.uffdWriteProtect(a, PAGE, Uffd.WRITEPROTECT_MODE_WP));
        MemoryObject file = host.newFile("f", 4 * PAGE);
        long f = mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.PRIVATE, file, 0);
        assertEquals(Errno.EINVAL, mm.uffdRegister(f, 4 * PAGE, Uffd.REGISTER_MODE_WP));
        assertEquals(Errno.EINVAL, mm.uffdApi(0), "one userfaultfd per process");
    }

    /** Register splits the VMA; fork drops the registration and the child's uffd-wp bits; the parent keeps them. */
    @Test
    void forkDropsUffdWpInTheChild() {
        long a = anon(4);
        writePages(mm, a, 4, 1);
        assertEquals(Errno.OK, mm.uffdApi(0));
        assertEquals(Errno.OK, mm.uffdRegister(a + PAGE, 2 * PAGE, Uffd.REGISTER_MODE_WP));
        assertEquals(3, mm.vmas().size(), "split at both ends");
        assertEquals(Errno.OK, mm.uffdWriteProtect(a + PAGE, 2 * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        AddressSpace child = mm.fork();
        assertTrue(PteLayout.isUffdWp(pte(mm, a + PAGE)));
        assertFalse(PteLayout.isUffdWp(pte(child, a + PAGE)));
        assertTrue(child.vmas().stream().noneMatch(Vma::isUffdWp));
        // The child's write copies as any COW write; no userfault.
        assertEquals(Errno.OK, child.cpuWrite(a + PAGE, new byte[] {5}, 0, 1));
        assertEquals(List.of(), child.uffdPendingFaults());
        child.exit();
    }

    /** A protected THP: a partial protect splits it (CLEAR inside the PROTECTION_VMA). */
    @Test
    void partialProtectOfAHugePageSplitsIt() {
        long a = mm.mmap(0, 2 * PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGEPAGE);
        long h = (a + PMD - 1) & -PMD;
        assertEquals(Errno.OK, mm.cpuWrite(h, new byte[] {1}, 0, 1));
        assertTrue(PteLayout.isHuge(mm.pageTable().getPmd(h)));
        assertEquals(Errno.OK, mm.uffdApi(0));
        assertEquals(Errno.OK, mm.uffdRegister(a, 2 * PMD, Uffd.REGISTER_MODE_WP));
        rec.clear();
        assertEquals(Errno.OK, mm.uffdWriteProtect(h, PAGE, Uffd.WRITEPROTECT_MODE_WP));
        assertEquals(List.of(ev(PROTECTION_VMA, h, h + PAGE), ev(CLEAR, h, h + PMD)), rec.events());
        assertTrue(PteLayout.isUffdWp(pte(mm, h)));
        assertFalse(PteLayout.isUffdWp(pte(mm, h + PAGE)));
        assertTrue(PteLayout.isWrite(pte(mm, h + PAGE)));
    }
}

package org.devmirror.mm;

import static org.devmirror.notifier.MmuNotifierEvent.CLEAR;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_PAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.hmm.HmmPfn;
import org.devmirror.hmm.HmmRange;
import org.devmirror.hmm.RangeFault;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.testing.RecordingSubscriber;
import org.junit.jupiter.api.Test;

/**
 * memory_failure: a poisoned frame is unmapped from every mapping with one blockable CLEAR each;
 * anonymous, shmem and dirty file pages leave hwpoison entries (CPU access EHWPOISON, range fault
 * EFAULT), a clean file page is dropped and reads back from the file; the frame is never reused.
 */
class MemoryFailureTest extends HostFixture {

    private long frameAt(AddressSpace as, long addr) {
        return PteLayout.pfn(pte(as, addr));
    }

    /** An anonymous page shared with a fork child: both mappings get CLEAR and a hwpoison entry. */
    @Test
    void anonymousPageIsPoisonedInEveryMapping() {
        long a = anon(2);
        writePages(mm, a, 2, 1);
        AddressSpace child = mm.fork();
        RecordingSubscriber childRec = RecordingSubscriber.attach(child);
        rec.clear();
        long pfn = frameAt(mm, a);
        // 1. Poison the frame both processes map.
        assertEquals(Errno.OK, host.memoryFailure(pfn));
        assertEquals(List.of(ev(CLEAR, a, a + PAGE)), rec.events());
        assertEquals(List.of(ev(CLEAR, a, a + PAGE)), childRec.events());
        assertTrue(PteLayout.isHwpoison(pte(mm, a)), describe(pte(mm, a)));
        assertTrue(PteLayout.isHwpoison(pte(child, a)));
        // 2. Later accesses: EHWPOISON for the CPU, the neighbour page intact.
        assertEquals(Errno.EHWPOISON, mm.cpuRead(a, new byte[1], 0, 1));
        assertEquals(Errno.EHWPOISON, child.cpuWrite(a, new byte[1], 0, 1));
        assertPages(mm, a + PAGE, 1, 2);
        // 3. The frame stays poisoned and allocated for good, even after every mapping is gone.
        assertEquals(Errno.EHWPOISON, host.memoryFailure(pfn));
        assertEquals(Errno.OK, mm.munmap(a, 2 * PAGE));
        child.exit();
        assertTrue(host.memory().isHwpoison(pfn));
        assertEquals(1, host.memory().refcount(pfn));
    }

    /** hmm_range_fault reports a hwpoison entry as EFAULT when a fault is requested, 0 otherwise. */
    @Test
    void rangeFaultOfPoisonIsEfault() {
        long a = anon(1);
        writePages(mm, a, 1, 1);
        assertEquals(Errno.OK, mm.hwpoison(a, PAGE));
        HmmRange range = new HmmRange()
                .notifier(rec.interval())
                .start(a)
                .end(a + PAGE)
                .pfns(new long[1], 0)
                .notifierSeq(rec.interval().readBegin())
                .defaultFlags(HmmPfn.REQ_FAULT);
        mm.mmapReadLock();
        try {
            assertEquals(Errno.EFAULT, RangeFault.fault(mm, range));
            range.defaultFlags(0);
            assertEquals(Errno.OK, RangeFault.fault(mm, range));
            assertEquals(0, range.pfn(0));
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /** A clean page of a file is dropped: CLEAR, no poison entry, and the next read refetches the written-back data. */
    @Test
    void cleanFilePageIsDroppedAndRereadFromTheFile() {
        MemoryObject f = host.newFile("data", 2 * PAGE);
        long a = mm.mmap(0, 2 * PAGE, Prot.RW, MapFlags.SHARED, f, 0);
        writePages(mm, a, 2, 40);
        assertEquals(Errno.OK, mm.writeback(f)); // clean and read-only now
        rec.clear();
        long pfn = frameAt(mm, a);
        assertEquals(Errno.OK, host.memoryFailure(pfn));
        // folio_mkclean's PROTECTION_PAGE (the kernel's range, whatever the entry), then the unmap
        assertEquals(List.of(ev(PROTECTION_PAGE, a, a + PAGE), ev(CLEAR, a, a + PAGE)), rec.events());
        assertEquals(0, pte(mm, a), "dropped without a poison entry");
        assertEquals(1, f.cachedPages());
        assertPages(mm, a, 2, 40); // page 0 read back from the backing store into a new frame
        assertTrue(frameAt(mm, a) != pfn);
    }

    /** A dirty file page is poisoned: its data is lost, the mapping's next access is EHWPOISON, a new mapping reads the file. */
    @Test
    void dirtyFilePageIsPoisoned() {
        MemoryObject f = host.newFile("data", PAGE);
        long a = mm.mmap(0, PAGE, Prot.RW, MapFlags.SHARED, f, 0);
        writePages(mm, a, 1, 7);
        assertEquals(Errno.OK, mm.writeback(f));
        writePages(mm, a, 1, 8); // dirty again, not written back
        rec.clear();
        assertEquals(Errno.OK, host.memoryFailure(frameAt(mm, a)));
        assertEquals(List.of(ev(CLEAR, a, a + PAGE)), rec.events());
        assertTrue(PteLayout.isHwpoison(pte(mm, a)));
        assertEquals(Errno.EHWPOISON, mm.cpuRead(a, new byte[1], 0, 1));
        long b = mm.mmap(0, PAGE, Prot.READ, MapFlags.SHARED, f, 0);
        assertPages(mm, b, 1, 7); // the written-back bytes: the dirty ones are gone
    }

    /**
     * A page only ever read is clean: dropped, the next read refaults it. hwpoison_user_mappings
     * still asks folio_mkclean whether it is dirty, and page_vma_mkclean_one raises PROTECTION_PAGE
     * in each shared mapping before it looks at the entry, then the unmap raises CLEAR.
     */
    @Test
    void readOnlyFilePageIsDropped() {
        MemoryObject f = host.newFile("data", PAGE);
        long a = mm.mmap(0, PAGE, Prot.RW, MapFlags.SHARED, f, 0);
        assertEquals(Errno.OK, mm.cpuRead(a, new byte[1], 0, 1));
        assertEquals(Errno.OK, host.memoryFailure(frameAt(mm, a)));
        assertEquals(List.of(ev(PROTECTION_PAGE, a, a + PAGE), ev(CLEAR, a, a + PAGE)), rec.events());
        assertEquals(0, pte(mm, a));
        assertPages(mm, a, 1, 0);
    }

    /** shmem keeps the poisoned page in its cache: the mapping gets a poison entry, pread EIO, a new mapping SIGBUS. */
    @Test
    void shmemKeepsThePoisonedPage() {
        long s = mm.mmap(0, 2 * PAGE, Prot.RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        writePages(mm, s, 2, 3);
        assertEquals(Errno.OK, mm.hwpoison(s, PAGE));
        assertTrue(PteLayout.isHwpoison(pte(mm, s)));
        assertEquals(Errno.EHWPOISON, mm.cpuRead(s, new byte[1], 0, 1));
        assertEquals(Errno.EHWPOISON, mm.hwpoison(s, PAGE), "GUP of a poisoned entry");
        // MADV_REMOVE drops the page from shmem, but a hole punch keeps hwpoison entries
        // (zap_nonpresent_ptes: !should_zap_cows): this mapping still faults EHWPOISON.
        assertEquals(Errno.OK, mm.madvise(s, PAGE, Advice.REMOVE));
        assertTrue(PteLayout.isHwpoison(pte(mm, s)));
        assertEquals(Errno.EHWPOISON, mm.cpuRead(s, new byte[1], 0, 1));
        assertPages(mm, s + PAGE, 1, 4);
    }

    /** Frames memory_failure refuses or takes silently. */
    @Test
    void freeZeroAndDeviceFrames() {
        long a = anon(1);
        assertEquals(Errno.OK, mm.cpuRead(a, new byte[1], 0, 1)); // maps the zero page
        assertEquals(Errno.EBUSY, mm.hwpoison(a, PAGE));
        assertEquals(Errno.ENXIO, host.memoryFailure(Host.DEVICE_PFN_BASE));
        long free = host.memory().allocFrame();
        host.memory().put(free);
        long freeBefore = host.memory().freeFrames();
        assertEquals(Errno.OK, host.memoryFailure(free));
        assertEquals(freeBefore - 1, host.memory().freeFrames(), "taken off the free lists");
        for (int i = 0; i < 64; i++) {
            assertTrue(host.memory().allocFrame() != free);
        }
        assertEquals(List.of(), rec.events());
    }
}

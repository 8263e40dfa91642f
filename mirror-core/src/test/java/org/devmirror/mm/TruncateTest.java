package org.devmirror.mm;

import static org.devmirror.notifier.MmuNotifierEvent.CLEAR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.testing.RecordingSubscriber;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * truncate, fallocate(PUNCH_HOLE) and MADV_REMOVE: unmap_mapping_range raises one blockable CLEAR
 * per VMA mapping the affected pages, in every address space, over the VMA's part of the range
 * whatever is populated; the page cache loses the pages; accesses beyond the end are SIGBUS.
 */
class TruncateTest extends HostFixture {
    private MemoryObject file;
    private AddressSpace other;
    private RecordingSubscriber otherRec;

    @BeforeEach
    void twoProcessesShareAFile() {
        file = host.newFile("data", 8 * PAGE);
        other = host.newAddressSpace();
        otherRec = RecordingSubscriber.attach(other);
    }

    private long mapShared(AddressSpace as, long pages, long offset) {
        long a = as.mmap(0, pages * PAGE, Prot.RW, MapFlags.SHARED, file, offset);
        assertEquals(Errno.OK, Errno.fromReturn(a));
        return a;
    }

    /** Shrinking clears beyond the new end in every mapping, twice (before and after dropping the cache). */
    @Test
    void truncateClearsEveryMappingBeyondTheNewEnd() {
        long a = mapShared(mm, 8, 0);
        long b = mapShared(other, 4, 4 * PAGE); // maps file pages 4..7
        writePages(mm, a, 8, 10);
        // 1. Shrink to 2.5 pages: pages 3..7 go; page 2 keeps its first half.
        assertEquals(Errno.OK, file.truncate(2 * PAGE + PAGE / 2));
        // 2. Each address space sees CLEAR over its VMA's part beyond the end, from both unmaps.
        List<RecordingSubscriber.Event> mine =
                List.of(ev(CLEAR, a + 3 * PAGE, a + 8 * PAGE), ev(CLEAR, a + 3 * PAGE, a + 8 * PAGE));
        assertEquals(mine, rec.events());
        assertEquals(List.of(ev(CLEAR, b, b + 4 * PAGE), ev(CLEAR, b, b + 4 * PAGE)), otherRec.events());
        // 3. Entries beyond the end are gone, the page cache holds 3 pages, data before the end survives.
        for (int i = 3; i < 8; i++) {
            assertEquals(0, pte(mm, a + i * PAGE), "page " + i);
        }
        assertTrue(PteLayout.isPresent(pte(mm, a + 2 * PAGE)));
        assertEquals(3, file.cachedPages());
        assertPages(mm, a, 3, 10);
        byte[] tail = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(a + 2 * PAGE + PAGE / 2, tail, 0, 1));
        assertEquals(0, tail[0], "the partial page reads zeros past the end");
        // 4. Beyond the end: SIGBUS for the CPU, in both processes.
        assertEquals(Errno.SIGBUS, mm.cpuRead(a + 3 * PAGE, tail, 0, 1));
        assertEquals(Errno.SIGBUS, other.cpuWrite(b, tail, 0, 1));
        // 5. Growing again: the pages are back, as zeros.
        assertEquals(Errno.OK, file.truncate(8 * PAGE));
        assertEquals(Errno.OK, mm.cpuRead(a + 5 * PAGE, tail, 0, 1));
        assertEquals(0, tail[0]);
    }

    /** truncate removes private copy-on-write copies beyond the end too (even_cows). */
    @Test
    void truncateRemovesPrivateCopies() {
        long p = mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.PRIVATE, file, 0);
        writePages(mm, p, 4, 1); // four private copies
        long before = host.memory().freeFrames();
        assertEquals(Errno.OK, file.truncate(PAGE));
        assertEquals(List.of(ev(CLEAR, p + PAGE, p + 4 * PAGE), ev(CLEAR, p + PAGE, p + 4 * PAGE)), rec.events());
        assertEquals(0, pte(mm, p + 3 * PAGE));
        assertEquals(
                before + 6,
                host.memory().freeFrames(),
                "the three copies and the three cache pages beyond the end are freed");
        assertPages(mm, p, 1, 1);
    }

    /** A truncate that leaves every mapped page inside the file raises nothing (shmem_setattr's oldsize > holebegin). */
    @Test
    void truncateWithinTheLastPageRaisesNothing() {
        long a = mapShared(mm, 8, 0);
        writePages(mm, a, 8, 1);
        assertEquals(Errno.OK, file.truncate(8 * PAGE - 100));
        assertEquals(List.of(), rec.events());
        assertEquals(8, file.cachedPages());
    }

    /** A hole punch clears shared mappings once, keeps private copies, and reads then see zeros. */
    @Test
    void punchHoleClearsOnceAndKeepsPrivateCopies() {
        long a = mapShared(mm, 8, 0);
        long p = other.mmap(0, 8 * PAGE, Prot.RW, MapFlags.PRIVATE, file, 0);
        writePages(mm, a, 8, 20);
        writePages(other, p + 2 * PAGE, 1, 90); // a private copy of page 2
        otherRec.clear();
        int mode = MemoryObject.FALLOC_FL_PUNCH_HOLE | MemoryObject.FALLOC_FL_KEEP_SIZE;
        // Bytes [PAGE + 10, 4 * PAGE + 10): whole pages 2 and 3, partial pages 1 and 4.
        assertEquals(Errno.OK, file.fallocate(mode, PAGE + 10, 3 * PAGE));
        assertEquals(List.of(ev(CLEAR, a + 2 * PAGE, a + 4 * PAGE)), rec.events());
        assertEquals(List.of(ev(CLEAR, p + 2 * PAGE, p + 4 * PAGE)), otherRec.events());
        assertEquals(0, pte(mm, a + 2 * PAGE));
        assertEquals(8 * PAGE, file.size(), "KEEP_SIZE");
        assertEquals(6, file.cachedPages());
        byte[] b = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(a + 2 * PAGE, b, 0, 1));
        assertEquals(0, b[0], "a punched page reads zeros");
        assertPages(mm, a, 1, 20); // byte 0 of page 1 is before the hole
        assertEquals(Errno.OK, mm.cpuRead(a + PAGE + 10, b, 0, 1));
        assertEquals(0, b[0], "the partial page is zeroed from the hole's start");
        assertPages(other, p + 2 * PAGE, 1, 90); // the private copy stays
    }

    /** The kernel's arithmetic: a hole inside the first page unmaps from page 0 to the end of the file. */
    @Test
    void punchInsideTheFirstPageUnmapsToTheEnd() {
        long a = mapShared(mm, 8, 0);
        writePages(mm, a, 8, 1);
        int mode = MemoryObject.FALLOC_FL_PUNCH_HOLE | MemoryObject.FALLOC_FL_KEEP_SIZE;
        assertEquals(Errno.OK, file.fallocate(mode, 0, 100));
        assertEquals(List.of(ev(CLEAR, a, a + 8 * PAGE)), rec.events());
        assertEquals(8, file.cachedPages(), "nothing is dropped: only bytes 0..99 are zeroed");
        assertPages(mm, a + PAGE, 7, 2);
    }

    /** fallocate modes the kernel refuses, and mode 0 growing the file. */
    @Test
    void fallocateModes() {
        assertEquals(Errno.EOPNOTSUPP, file.fallocate(MemoryObject.FALLOC_FL_PUNCH_HOLE, 0, PAGE));
        assertEquals(Errno.EOPNOTSUPP, file.fallocate(0x10, 0, PAGE));
        assertEquals(Errno.OK, file.fallocate(MemoryObject.FALLOC_FL_KEEP_SIZE, 0, 16 * PAGE));
        assertEquals(8 * PAGE, file.size());
        assertEquals(Errno.OK, file.fallocate(0, 0, 16 * PAGE));
        assertEquals(16 * PAGE, file.size());
    }

    /** MADV_REMOVE punches the hole through the file; private and anonymous mappings are refused as the kernel does. */
    @Test
    void madviseRemove() {
        long a = mapShared(mm, 8, 0);
        long b = mapShared(other, 8, 0);
        writePages(mm, a, 8, 30);
        assertEquals(Errno.OK, mm.madvise(a + 2 * PAGE, 2 * PAGE, Advice.REMOVE));
        assertEquals(List.of(ev(CLEAR, a + 2 * PAGE, a + 4 * PAGE)), rec.events());
        assertEquals(
                List.of(ev(CLEAR, b + 2 * PAGE, b + 4 * PAGE)), otherRec.events(), "the other process's mapping too");
        byte[] got = new byte[1];
        assertEquals(Errno.OK, other.cpuRead(b + 2 * PAGE, got, 0, 1));
        assertEquals(0, got[0]);
        assertPages(other, b + 4 * PAGE, 4, 34);
        long p = mm.mmap(0, PAGE, Prot.RW, MapFlags.PRIVATE, file, 0);
        assertEquals(Errno.EACCES, mm.madvise(p, PAGE, Advice.REMOVE));
        long anon = anon(1);
        assertEquals(Errno.EINVAL, mm.madvise(anon, PAGE, Advice.REMOVE));
        // A shared anonymous mapping is shmem: the hole is punched.
        long s = mm.mmap(0, 2 * PAGE, Prot.RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        writePages(mm, s, 2, 5);
        assertEquals(Errno.OK, mm.madvise(s, PAGE, Advice.REMOVE));
        assertArrayEquals(new byte[] {0}, read1(s));
        assertPages(mm, s + PAGE, 1, 6);
    }

    private byte[] read1(long addr) {
        byte[] b = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(addr, b, 0, 1));
        return b;
    }
}

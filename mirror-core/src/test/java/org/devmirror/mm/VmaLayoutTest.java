package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** VMAs split on partial operations and merge back when compatible again (split_vma / vma_merge). */
class VmaLayoutTest extends HostFixture {
    private static final long BASE = 0x40000000L;
    private static final int ANON = MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED;

    private String span(Vma v) {
        return Long.toHexString(v.start() - BASE) + "-" + Long.toHexString(v.end() - BASE) + " "
                + Prot.toString(v.prot());
    }

    private List<String> layout() {
        return mm.vmas().stream().map(this::span).toList();
    }

    /** Adjacent anonymous mappings with the same protection are one VMA. */
    @Test
    void adjacentMappingsMerge() {
        mm.mmap(BASE, 4 * PAGE, Prot.RW, ANON);
        mm.mmap(BASE + 4 * PAGE, 4 * PAGE, Prot.RW, ANON);
        mm.mmap(BASE + 8 * PAGE, 4 * PAGE, Prot.READ, ANON);
        assertEquals(List.of("0-8000 rw-", "8000-c000 r--"), layout());
    }

    /** mprotect of the middle splits into three; restoring merges back into one. */
    @Test
    void mprotectSplitsAndMerges() {
        mm.mmap(BASE, 8 * PAGE, Prot.RW, ANON);
        writePages(mm, BASE, 8, 1);
        assertEquals(Errno.OK, mm.mprotect(BASE + 2 * PAGE, 3 * PAGE, Prot.READ));
        assertEquals(List.of("0-2000 rw-", "2000-5000 r--", "5000-8000 rw-"), layout());
        assertEquals(Errno.OK, mm.mprotect(BASE + 2 * PAGE, 3 * PAGE, Prot.RW));
        assertEquals(List.of("0-8000 rw-"), layout());
        assertPages(mm, BASE, 8, 1);
    }

    /** munmap of the middle leaves two VMAs; mapping it again merges them. */
    @Test
    void munmapSplitsAndRemapMerges() {
        mm.mmap(BASE, 8 * PAGE, Prot.RW, ANON);
        writePages(mm, BASE, 8, 1);
        assertEquals(Errno.OK, mm.munmap(BASE + 3 * PAGE, 2 * PAGE));
        assertEquals(List.of("0-3000 rw-", "5000-8000 rw-"), layout());
        assertEquals(Errno.EFAULT, mm.cpuRead(BASE + 3 * PAGE, new byte[1], 0, 1));
        mm.mmap(BASE + 3 * PAGE, 2 * PAGE, Prot.RW, ANON);
        assertEquals(List.of("0-8000 rw-"), layout());
        assertPages(mm, BASE, 3, 1);
        assertPages(mm, BASE + 5 * PAGE, 3, 6);
        assertPages(mm, BASE + 3 * PAGE, 1, 0);
    }

    /** MAP_FIXED over part of a mapping replaces that part. */
    @Test
    void fixedMappingReplaces() {
        mm.mmap(BASE, 4 * PAGE, Prot.RW, ANON);
        writePages(mm, BASE, 4, 1);
        rec.clear();
        mm.mmap(BASE + PAGE, PAGE, Prot.READ, ANON);
        assertEquals(List.of("0-1000 rw-", "1000-2000 r--", "2000-4000 rw-"), layout());
        assertEquals(
                List.of(ev(org.devmirror.notifier.MmuNotifierEvent.UNMAP, BASE + PAGE, BASE + 2 * PAGE)), rec.events());
        assertPages(mm, BASE + PAGE, 1, 0);
    }

    /** madvise(HUGEPAGE) on part of a VMA splits it; the whole range merges again. */
    @Test
    void adviceFlagsSplitAndMerge() {
        mm.mmap(BASE, 8 * PAGE, Prot.RW, ANON);
        assertEquals(Errno.OK, mm.madvise(BASE, 4 * PAGE, Advice.HUGEPAGE));
        List<Vma> vmas = mm.vmas();
        assertEquals(2, vmas.size());
        assertTrue(vmas.get(0).isHugeHint());
        assertEquals(Errno.OK, mm.madvise(BASE + 4 * PAGE, 4 * PAGE, Advice.HUGEPAGE));
        assertEquals(1, mm.vmas().size());
    }

    /** mremap grows in place when the space after is free, else moves; the old range is gone. */
    @Test
    void mremapGrowsInPlaceOrMoves() {
        mm.mmap(BASE, 2 * PAGE, Prot.RW, ANON);
        writePages(mm, BASE, 2, 1);
        assertEquals(BASE, mm.mremap(BASE, 2 * PAGE, 4 * PAGE, 0, 0));
        assertEquals(List.of("0-4000 rw-"), layout());
        mm.mmap(BASE + 4 * PAGE, PAGE, Prot.READ, ANON);
        assertEquals(-Errno.ENOMEM.code(), mm.mremap(BASE, 4 * PAGE, 8 * PAGE, 0, 0));
        long moved = mm.mremap(BASE, 4 * PAGE, 8 * PAGE, MapFlags.MREMAP_MAYMOVE, 0);
        assertTrue(moved > 0 && moved != BASE);
        assertPages(mm, moved, 2, 1);
        assertEquals(List.of("4000-5000 r--"), layout().subList(0, 1));
    }
}

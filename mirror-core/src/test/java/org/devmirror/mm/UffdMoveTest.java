package org.devmirror.mm;

import static org.devmirror.notifier.MmuNotifierEvent.CLEAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/**
 * UFFDIO_MOVE (move_pages, mm/userfaultfd.c): pages move without a copy, each move_pages_ptes
 * step raises CLEAR over [src_addr, src_end) of the source only, and the kernel's errors come
 * back for populated destinations, source holes and shared pages.
 */
class UffdMoveTest extends HostFixture {
    private long src;
    private long dst;

    /** src and dst: 8 private anonymous pages each; dst registered (move needs that), src written. */
    private void setUpMove() {
        src = anon(8);
        dst = anon(8);
        assertEquals(Errno.OK, mm.uffdApi(0));
        assertEquals(Errno.OK, mm.uffdRegister(dst, 8 * PAGE, Uffd.REGISTER_MODE_WP));
        writePages(mm, src, 8, 10);
        rec.clear();
    }

    /** A batch within one PMD moves in one step: one CLEAR over the whole source, same frames, soft-dirty and writable entries. */
    @Test
    void movesPagesWithoutCopyingAndClearsTheSource() {
        setUpMove();
        long pfn = PteLayout.pfn(pte(mm, src));
        assertEquals(8 * PAGE, mm.uffdMove(dst, src, 8 * PAGE, 0));
        assertEquals(List.of(ev(CLEAR, src, src + 8 * PAGE)), rec.events(), "nothing over the destination");
        assertEquals(0, pte(mm, src));
        long e = pte(mm, dst);
        assertEquals(pfn, PteLayout.pfn(e), "zero copy");
        assertTrue(PteLayout.isWrite(e) && PteLayout.isSoftDirty(e) && PteLayout.isDirty(e), describe(e));
        assertPages(mm, dst, 8, 10);
        // The moved page belongs to the destination now: reclaim and fault it back through the rmap.
        assertEquals(8, mm.reclaim(dst, 8 * PAGE));
        assertPages(mm, dst, 8, 10);
    }

    /** A populated destination is EEXIST (after the CLEAR, which move_pages_ptes raises first); a hole is ENOENT unless allowed. */
    @Test
    void destinationMustBeEmptyAndSourceHolesNeedTheMode() {
        setUpMove();
        writePages(mm, dst + 2 * PAGE, 1, 1);
        rec.clear();
        // 1. Pages 0 and 1 move, then page 2 of the destination is populated: a short move.
        assertEquals(2 * PAGE, mm.uffdMove(dst, src, 8 * PAGE, 0));
        assertEquals(List.of(ev(CLEAR, src, src + 8 * PAGE), ev(CLEAR, src + 2 * PAGE, src + 8 * PAGE)), rec.events());
        // 2. Nothing moved at all: the errno.
        assertEquals(-Errno.EEXIST.code(), mm.uffdMove(dst + 2 * PAGE, src + 2 * PAGE, PAGE, 0));
        // 3. Source page 0 is a hole now.
        assertEquals(-Errno.ENOENT.code(), mm.uffdMove(dst + 4 * PAGE, src, PAGE, 0));
        rec.clear();
        assertEquals(PAGE, mm.uffdMove(dst + 4 * PAGE, src, PAGE, Uffd.MOVE_MODE_ALLOW_SRC_HOLES));
        assertEquals(List.of(ev(CLEAR, src, src + PAGE)), rec.events());
        assertEquals(0, pte(mm, dst + 4 * PAGE));
    }

    /** A page shared with a fork child is not exclusive: EBUSY, and nothing changes. */
    @Test
    void sharedPagesAreBusy() {
        setUpMove();
        AddressSpace child = mm.fork();
        rec.clear();
        assertEquals(-Errno.EBUSY.code(), mm.uffdMove(dst, src, PAGE, 0));
        assertTrue(PteLayout.isPresent(pte(mm, src)));
        assertEquals(0, pte(mm, dst));
        child.exit();
    }

    /** The destination must be registered, both anonymous and private with the same protection. */
    @Test
    void mappingsThatCannotMoveAreEinval() {
        setUpMove();
        long other = anon(8);
        assertEquals(-Errno.EINVAL.code(), mm.uffdMove(other, src, PAGE, 0), "destination not registered");
        assertEquals(-Errno.EINVAL.code(), mm.uffdMove(dst, dst + PAGE, 2 * PAGE, 0), "overlapping ranges");
        long shared = mm.mmap(0, 8 * PAGE, Prot.RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        assertEquals(-Errno.EINVAL.code(), mm.uffdMove(dst, shared, PAGE, 0));
        assertEquals(-Errno.ENOENT.code(), mm.uffdMove(dst, 0x1000, PAGE, 0), "no source VMA");
    }

    /** A swapped-out exclusive page moves as its swap entry. */
    @Test
    void swapEntriesMove() {
        setUpMove();
        assertEquals(8, mm.reclaim(src, 8 * PAGE));
        rec.clear();
        assertEquals(8 * PAGE, mm.uffdMove(dst, src, 8 * PAGE, 0));
        assertEquals(8, rec.events().size(), "one move_pages_ptes step, one CLEAR, per swap entry");
        assertEquals(ev(CLEAR, src + 7 * PAGE, src + 8 * PAGE), rec.events().get(7));
        assertTrue(PteLayout.isSwap(pte(mm, dst)));
        assertPages(mm, dst, 8, 10);
    }

    /** An aligned 2 MiB leaf moves whole: one CLEAR over the source 2 MiB. */
    @Test
    void hugePagesMoveWhole() {
        long a = mm.mmap(0, 4 * PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGEPAGE);
        long s = (a + PMD - 1) & -PMD;
        long d = s + PMD;
        assertEquals(Errno.OK, mm.cpuWrite(s, new byte[] {42}, 0, 1));
        assertTrue(PteLayout.isHuge(mm.pageTable().getPmd(s)));
        assertEquals(Errno.OK, mm.uffdApi(0));
        assertEquals(Errno.OK, mm.uffdRegister(a, 4 * PMD, Uffd.REGISTER_MODE_WP));
        rec.clear();
        assertEquals(PMD, mm.uffdMove(d, s, PMD, 0));
        assertEquals(List.of(ev(CLEAR, s, s + PMD)), rec.events());
        assertTrue(PteLayout.isHuge(mm.pageTable().getPmd(d)));
        byte[] b = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(d, b, 0, 1));
        assertEquals(42, b[0]);
    }
}

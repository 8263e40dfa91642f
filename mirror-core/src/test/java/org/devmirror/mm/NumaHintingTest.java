package org.devmirror.mm;

import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_VMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/**
 * NUMA hinting (task_numa_work → change_prot_numa, do_numa_page): PROTECTION_VMA over
 * change_pud_range's range with the VMA still read-write, entries made protnone except the ones
 * prot_numa_skip leaves, and the hinting fault restoring them without an invalidation.
 */
class NumaHintingTest extends HostFixture {

    /** The scan hints every exclusive present page; the VMA keeps rw; the oracle's reuse test says no write. */
    @Test
    void changeProtNumaMakesEntriesProtNoneUnderAWritableVma() {
        long a = anon(16);
        writePages(mm, a + 4 * PAGE, 4, 1);
        assertEquals(4, mm.changeProtNuma(a, 16 * PAGE));
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 16 * PAGE)), rec.events());
        assertEquals(Prot.RW, mm.vmas().get(0).prot());
        long e = pte(mm, a + 4 * PAGE);
        assertTrue(PteLayout.isPresent(e) && PteLayout.isProtNone(e), describe(e));
        assertFalse(writeWouldReuse(a + 4 * PAGE));
        // Already hinted: the next pass changes nothing but still raises its event.
        rec.clear();
        assertEquals(0, mm.changeProtNuma(a, 16 * PAGE));
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 16 * PAGE)), rec.events());
    }

    /** A CPU access takes the hinting fault: the data is there, the entry is back (writable for an exclusive page), nothing raised. */
    @Test
    void hintingFaultRestoresTheEntry() {
        long a = anon(2);
        writePages(mm, a, 2, 7);
        mm.changeProtNuma(a, 2 * PAGE);
        rec.clear();
        assertPages(mm, a, 2, 7);
        assertTrue(PteLayout.isRead(pte(mm, a)) && PteLayout.isWrite(pte(mm, a)), describe(pte(mm, a)));
        assertEquals(Errno.OK, mm.cpuWrite(a + PAGE, new byte[] {9}, 0, 1));
        assertEquals(List.of(), rec.events());
    }

    /** Zero pages and pages shared copy-on-write are skipped; an empty range raises nothing; inaccessible VMAs are skipped. */
    @Test
    void skippedPages() {
        long a = anon(4);
        assertPages(mm, a, 1, 0); // the zero page
        writePages(mm, a + PAGE, 1, 1);
        AddressSpace child = mm.fork();
        rec.clear();
        assertEquals(0, mm.changeProtNuma(a, 4 * PAGE));
        assertTrue(PteLayout.isRead(pte(mm, a)) && PteLayout.isRead(pte(mm, a + PAGE)));
        child.exit();
        long empty = anon(4);
        rec.clear();
        assertEquals(0, mm.changeProtNuma(empty, 4 * PAGE));
        assertEquals(
                List.of(ev(PROTECTION_VMA, empty, empty + 4 * PAGE)),
                rec.events(),
                "change_pud_range: the PUD is populated (by a), so the notifier starts");
        long none = anon(1);
        writePages(mm, none, 1, 1);
        assertEquals(Errno.OK, mm.mprotect(none, PAGE, Prot.NONE));
        rec.clear();
        assertEquals(0, mm.changeProtNuma(none, PAGE));
        assertEquals(List.of(), rec.events(), "task_numa_work skips inaccessible VMAs");
    }

    /** A hinted THP stays one leaf; the hinting fault restores it whole. */
    @Test
    void hugePagesAreHintedWhole() {
        long a = mm.mmap(0, 2 * PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGEPAGE);
        long h = (a + PMD - 1) & -PMD;
        assertEquals(Errno.OK, mm.cpuWrite(h, new byte[] {3}, 0, 1));
        assertEquals(1, mm.changeProtNuma(h, PMD));
        long pmd = mm.pageTable().getPmd(h);
        assertTrue(PteLayout.isHuge(pmd) && PteLayout.isProtNone(pmd));
        byte[] b = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(h + 5 * PAGE, b, 0, 1));
        assertTrue(PteLayout.isRead(mm.pageTable().getPmd(h)));
    }
}

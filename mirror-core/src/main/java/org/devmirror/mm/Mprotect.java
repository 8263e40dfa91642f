package org.devmirror.mm;

import java.util.List;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models mm/mprotect.c: {@code do_mprotect_pkey}, {@code mprotect_fixup} and
 * {@code change_protection}. For every VMA whose protection actually changes,
 * {@code change_protection_range} walks the VMA's share of the range one PGD entry (512 GiB) at a
 * time and {@code change_pud_range} raises PROTECTION_VMA lazily: from the first PUD (1 GiB) that
 * has a page table below it to the end of that PGD entry's part of the range, nothing for a PGD
 * entry with no page table at all. The PUD may be populated outside the range (the range then
 * starts where the VMA's share does). Since devmirror frees a table with its last entry, a PUD
 * has a table exactly when something in its 1 GiB is populated. Under
 * {@link InvalidationRanges#NARROWED}, one PROTECTION_VMA over the populated part of the VMA's
 * share instead. A hugetlb VMA ({@link MapFlags#HUGETLB}) goes through
 * {@code hugetlb_change_protection} instead, which raises one PROTECTION_VMA over its whole share,
 * populated or not. Then each entry gets the new protection: read is granted or removed, write is
 * only removed (a later write fault grants it page by page, so COW and dirty tracking keep
 * working).
 *
 * <h2>Locking</h2>
 * Takes the mmap write lock.
 */
final class Mprotect {
    private Mprotect() {}

    static Errno mprotect(AddressSpace mm, long addr, long length, int prot) {
        long end = UserRange.end("addr", addr, "length", length);
        Prot.check(prot);
        mm.lockForWrite();
        try {
            if (!Mmap.fullyMapped(mm, addr, end)) {
                return Errno.ENOMEM; // checked first: nothing changes
            }
            Vma first = mm.vmaAt(addr);
            Vma last = mm.vmaAt(end - 1);
            if (first.prot != prot) {
                Errno r = HugeMemory.splitStraddling(mm, addr);
                if (!r.isOk()) {
                    return r;
                }
            }
            if (last.prot != prot) {
                Errno r = HugeMemory.splitStraddling(mm, end);
                if (!r.isOk()) {
                    return r;
                }
            }
            List<Vma> vmas = mm.vmasIn(addr, end);
            CpuPageTable pt = mm.pageTable();
            for (Vma v : vmas) {
                if (v.prot == prot) {
                    continue; // mprotect_fixup: newflags == oldflags
                }
                if (v.start < addr) {
                    v = Mmap.splitVma(mm, v, addr);
                }
                if (v.end > end) {
                    Mmap.splitVma(mm, v, end);
                }
                // mprotect_fixup sets the VMA's flags and vm_page_prot before change_protection
                // raises PROTECTION_VMA: a subscriber may read the new protection from the VMA
                // instead of the CPU page table, which is what the event promises.
                v.prot = prot;
                if (mm.notify.narrowed() || v.isHugetlb()) {
                    // hugetlb_change_protection: one PROTECTION_VMA over [start, end) whatever is
                    // populated (adjust_range_if_pmd_sharing_possible widens nothing for a private
                    // mapping); narrowed, its populated part as for any VMA
                    int slot = mm.notify.startOver(MmuNotifierEvent.PROTECTION_VMA, v.start, v.end, null);
                    try {
                        changeProtection(mm, v.start, v.end, prot);
                    } finally {
                        mm.notify.end(slot);
                    }
                } else {
                    changeProtectionRange(mm, pt, v.start, v.end, prot);
                }
            }
            Mmap.mergeRange(mm, addr, end);
            return Errno.OK;
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /**
     * {@code change_protection_range}: per PGD entry of {@code [start, end)}, the PROTECTION_VMA of
     * {@code change_pud_range} from its first populated PUD to the end of the entry's part.
     */
    private static void changeProtectionRange(AddressSpace mm, CpuPageTable pt, long start, long end, int prot) {
        for (long addr = start; addr < end; ) {
            long next = Math.min(end, (addr & -Host.PGDIR_SIZE) + Host.PGDIR_SIZE); // pgd_addr_end
            long from = ChangeProtection.notifierStart(pt, addr, next);
            if (from < next) {
                int slot = mm.notify.start(MmuNotifierEvent.PROTECTION_VMA, from, next, null);
                try {
                    changeProtection(mm, from, next, prot);
                } finally {
                    mm.notify.end(slot);
                }
            }
            addr = next;
        }
    }

    /** {@code change_pte_range}/{@code change_huge_pmd} over {@code [start, end)}. */
    private static void changeProtection(AddressSpace mm, long start, long end, int prot) {
        boolean read = (prot & Prot.READ) != 0;
        boolean write = (prot & Prot.WRITE) != 0;
        PageWalk walk = PageWalk.over(mm.pageTable(), start, end);
        mm.ptl.lock();
        try {
            while (walk.next()) {
                long e = walk.entry();
                long n = e;
                if (PteLayout.isPresent(e)) {
                    n = read ? n | PteLayout.READ : n & ~PteLayout.READ; // PROT_NONE: pte_protnone
                    if (!write || !read) {
                        n = PteLayout.wrProtect(n);
                    }
                } else if (!write && PteLayout.type(e) != PteLayout.TYPE_SWAP) {
                    n = PteLayout.wrProtect(n); // make_readable_*_entry
                }
                if (n != e) {
                    walk.set(n);
                }
            }
        } finally {
            mm.ptl.unlock();
        }
    }
}

package org.devmirror.mm;

import java.util.List;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models mm/mprotect.c: {@code do_mprotect_pkey}, {@code mprotect_fixup} and
 * {@code change_protection}. For every VMA whose protection actually changes, one
 * PROTECTION_VMA over the populated part of that VMA's share of the range (the kernel starts its
 * notifier at the first populated PUD), then each entry gets the new protection: read is granted
 * or removed, write is only removed (a later write fault grants it page by page, so COW and
 * dirty tracking keep working).
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
                long from = PageWalk.firstPopulated(pt, v.start, v.end);
                if (from < v.end) {
                    long to = PageWalk.populatedEnd(pt, from, v.end);
                    int slot = mm.notify.start(MmuNotifierEvent.PROTECTION_VMA, from, to, null);
                    try {
                        changeProtection(mm, from, to, prot);
                    } finally {
                        mm.notify.end(slot);
                    }
                }
                v.prot = prot;
            }
            Mmap.mergeRange(mm, addr, end);
            return Errno.OK;
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /** {@code change_pte_range}/{@code change_huge_pmd} over {@code [start, end)}. */
    private static void changeProtection(AddressSpace mm, long start, long end, int prot) {
        CpuPageTable pt = mm.pageTable();
        boolean read = (prot & Prot.READ) != 0;
        boolean write = (prot & Prot.WRITE) != 0;
        mm.ptl.lock();
        try {
            long va = start;
            while (va < end) {
                va = pt.nextPopulated(va, end);
                if (va >= end) {
                    break;
                }
                long e = pt.get(va);
                long n = e;
                if (PteLayout.isPresent(e)) {
                    n = read ? n | PteLayout.READ : n & ~PteLayout.READ; // PROT_NONE: pte_protnone
                    if (!write || !read) {
                        n = PteLayout.wrProtect(n);
                    }
                } else if (!write && PteLayout.type(e) != PteLayout.TYPE_SWAP) {
                    n = PteLayout.wrProtect(n); // make_readable_*_entry
                }
                if (PteLayout.isHuge(e)) {
                    long haddr = UserRange.pmdFloor(va);
                    if (n != e) {
                        pt.setPmd(haddr, n);
                    }
                    va = haddr + Host.PMD_SIZE;
                } else {
                    if (n != e) {
                        pt.set(va, n);
                    }
                    va += Host.PAGE_SIZE;
                }
            }
        } finally {
            mm.ptl.unlock();
        }
    }
}

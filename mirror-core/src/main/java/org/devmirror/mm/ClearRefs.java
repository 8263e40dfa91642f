package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code clear_refs_write} with {@code CLEAR_REFS_SOFT_DIRTY} (fs/proc/task_mmu.c):
 * every VMA loses {@code VM_SOFTDIRTY}, every present entry loses its soft-dirty bit and is
 * write-protected (so the next write faults and sets it again), every swap-style entry loses its
 * soft-dirty bit. One SOFT_DIRTY over
 * {@code [0, ULONG_MAX)} brackets the walk, whatever the address space holds
 * ({@code mmu_notifier_range_init(&range, MMU_NOTIFY_SOFT_DIRTY, 0, mm, 0, -1UL)}). Under
 * {@link InvalidationRanges#NARROWED} it covers only the span of the entries that change, and is
 * not raised when nothing changes.
 *
 * <h2>Locking</h2>
 * Takes the mmap write lock, as the kernel does for soft-dirty clearing.
 */
final class ClearRefs {
    private ClearRefs() {}

    static Errno clearSoftDirty(AddressSpace mm) {
        mm.lockForWrite();
        try {
            for (Vma v : mm.allVmas()) {
                v.flags &= ~Vma.SOFTDIRTY; // soft-dirty tracking starts: pagemap now reads the entries
            }
            if (!mm.notify.narrowed()) {
                int slot = mm.notify.start(MmuNotifierEvent.SOFT_DIRTY, 0, ExitMmap.ULONG_MAX, null);
                mm.ptl.lock();
                try {
                    PageWalk walk = new PageWalk(mm.pageTable());
                    for (Vma v : mm.allVmas()) {
                        clearRange(walk.reset(v.start, v.end));
                    }
                } finally {
                    mm.ptl.unlock();
                    mm.notify.end(slot);
                }
                return Errno.OK;
            }
            CpuPageTable pt = mm.pageTable();
            PageWalk walk = new PageWalk(pt);
            long first = -1;
            long last = -1;
            for (Vma v : mm.allVmas()) {
                walk.reset(v.start, v.end);
                while (walk.next()) {
                    if (cleared(walk.entry()) != walk.entry()) {
                        if (first < 0) {
                            first = walk.entryStart();
                        }
                        last = walk.entryEnd();
                    }
                }
            }
            if (first < 0) {
                return Errno.OK;
            }
            int slot = mm.notify.start(MmuNotifierEvent.SOFT_DIRTY, first, last, null);
            mm.ptl.lock();
            try {
                clearRange(walk.reset(first, last));
            } finally {
                mm.ptl.unlock();
                mm.notify.end(slot);
            }
            return Errno.OK;
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /** {@code clear_refs_pte_range} over a walk, under the page-table lock. */
    private static void clearRange(PageWalk walk) {
        while (walk.next()) {
            long n = cleared(walk.entry());
            if (n != walk.entry()) {
                walk.set(n);
            }
        }
    }

    /** {@code clear_soft_dirty}/{@code clear_soft_dirty_pmd}. */
    private static long cleared(long e) {
        if (PteLayout.isPresent(e)) {
            return PteLayout.clearSoftDirty(PteLayout.wrProtect(e));
        }
        return PteLayout.clearSoftDirty(e);
    }
}

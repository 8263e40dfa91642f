package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code clear_refs_write} with {@code CLEAR_REFS_SOFT_DIRTY} (fs/proc/task_mmu.c):
 * every present entry loses its soft-dirty bit and is write-protected (so the next write faults
 * and sets it again), every swap-style entry loses its soft-dirty bit. The kernel raises one
 * SOFT_DIRTY over the whole address space; devmirror raises it over the span of entries that
 * actually change, and none when nothing changes.
 *
 * <h2>Locking</h2>
 * Takes the mmap write lock, as the kernel does for soft-dirty clearing.
 */
final class ClearRefs {
    private ClearRefs() {}

    static Errno clearSoftDirty(AddressSpace mm) {
        mm.lockForWrite();
        try {
            CpuPageTable pt = mm.pageTable();
            long first = -1;
            long last = -1;
            for (Vma v : mm.allVmas()) {
                for (long va = pt.nextPopulated(v.start, v.end); va < v.end; ) {
                    long e = pt.get(va);
                    long next = PageWalk.nextEntry(va, e);
                    if (cleared(e) != e) {
                        if (first < 0) {
                            first = PteLayout.isHuge(e) ? UserRange.pmdFloor(va) : va;
                        }
                        last = next;
                    }
                    va = next < v.end ? pt.nextPopulated(next, v.end) : v.end;
                }
            }
            if (first < 0) {
                return Errno.OK;
            }
            int slot = mm.notify.start(MmuNotifierEvent.SOFT_DIRTY, first, last, null);
            mm.ptl.lock();
            try {
                for (long va = pt.nextPopulated(first, last); va < last; ) {
                    long e = pt.get(va);
                    long n = cleared(e);
                    if (n != e) {
                        if (PteLayout.isHuge(e)) {
                            pt.setPmd(UserRange.pmdFloor(va), n);
                        } else {
                            pt.set(va, n);
                        }
                    }
                    long next = PageWalk.nextEntry(va, e);
                    va = next < last ? pt.nextPopulated(next, last) : last;
                }
            } finally {
                mm.ptl.unlock();
                mm.notify.end(slot);
            }
            return Errno.OK;
        } finally {
            mm.mmapWriteUnlock();
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

package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code clear_refs_write} with {@code CLEAR_REFS_SOFT_DIRTY} (fs/proc/task_mmu.c):
 * every VMA loses {@code VM_SOFTDIRTY}, every present entry loses its soft-dirty bit and is write-protected (so the next write faults
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
            for (Vma v : mm.allVmas()) {
                v.flags &= ~Vma.SOFTDIRTY; // soft-dirty tracking starts: pagemap now reads the entries
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
                walk.reset(first, last);
                while (walk.next()) {
                    long n = cleared(walk.entry());
                    if (n != walk.entry()) {
                        walk.set(n);
                    }
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

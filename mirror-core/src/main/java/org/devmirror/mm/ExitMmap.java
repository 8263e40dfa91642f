package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code exit_mmap} (mm/mmap.c): {@code mmu_notifier_release} first (RELEASE over
 * everything to interval notifiers, {@code release} to classic ones), then {@code unmap_vmas}
 * raises one UNMAP over the populated part of the address space and every entry is zapped,
 * freeing frames, swap slots and device pages. The VMAs go, the address space leaves its fork
 * families and files, and its page table is freed.
 *
 * <h2>Locking</h2>
 * The release runs before the mmap lock is taken, as in the kernel; the teardown holds the write
 * lock. Only the first call does anything.
 */
final class ExitMmap {
    private ExitMmap() {}

    static void exit(AddressSpace mm) {
        if (!mm.claimExit()) {
            return;
        }
        if (mm.notify.active()) {
            mm.notifiers().release();
        }
        mm.mmapWriteLock();
        try {
            CpuPageTable pt = mm.pageTable();
            long from = PageWalk.firstPopulated(pt, 0, Host.TASK_SIZE);
            int slot = MmuNotify.OFF;
            if (from < Host.TASK_SIZE) {
                slot = mm.notify.start(MmuNotifierEvent.UNMAP, from, PageWalk.populatedEnd(pt, from, Host.TASK_SIZE), null);
            }
            try {
                for (Vma v : mm.allVmas()) {
                    Zap.range(mm, v, v.start, v.end);
                }
            } finally {
                mm.notify.end(slot);
            }
            for (Vma v : mm.allVmas()) {
                if (v.anonVma != null) {
                    v.anonVma.remove(mm);
                }
                if (v.object != null) {
                    v.object.removeMapper(mm);
                }
                mm.removeVma(v);
            }
            mm.markExited();
            pt.close();
        } finally {
            mm.mmapWriteUnlock();
        }
        mm.host().removeAddressSpace(mm);
    }
}

package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code exit_mmap} (mm/mmap.c): {@code mmu_notifier_release} first (RELEASE over
 * everything to interval notifiers, {@code release} to classic ones), then, if any VMA is left,
 * {@code unmap_vmas(&tlb, &vmi.mas, vma, 0, ULONG_MAX, ULONG_MAX, false)} raises one UNMAP over
 * {@code [0, ULONG_MAX)} (under {@link InvalidationRanges#NARROWED}: over the populated part of
 * the address space, none when nothing is populated) and every entry is zapped,
 * freeing frames, swap slots and device pages. The VMAs go, the address space leaves its fork
 * families and files, and its page table is freed.
 *
 * <h2>Locking</h2>
 * The release runs before the mmap lock is taken, as in the kernel; the teardown holds the write
 * lock. Only the first call does anything.
 */
final class ExitMmap {
    /** The kernel's ULONG_MAX as an exclusive range end: the whole address space. */
    static final long ULONG_MAX = -1L;

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
            int slot = MmuNotify.OFF;
            if (mm.notify.narrowed()) {
                slot = mm.notify.startOver(MmuNotifierEvent.UNMAP, 0, Host.TASK_SIZE, null);
            } else if (!mm.allVmas().isEmpty()) {
                slot = mm.notify.start(MmuNotifierEvent.UNMAP, 0, ULONG_MAX, null);
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
                    v.anonVma.members.remove(mm);
                }
                if (v.object != null) {
                    v.object.mappers.remove(mm);
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

package org.devmirror.mm;

import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code __oom_reap_task_mm} (mm/oom_kill.c): frees the private memory of an address
 * space chosen by the OOM killer without waiting for it to exit. Per private VMA, a non-blockable
 * CLEAR ({@code mmu_notifier_invalidate_range_start_nonblock}) over {@code [vm_start, vm_end)},
 * whatever is populated (under {@link InvalidationRanges#NARROWED}: over the populated part, none
 * when nothing is); if a subscriber refuses it (it would have to sleep) that VMA is left
 * exactly as it was and the reaper goes on with the others, reporting EAGAIN so it can be retried.
 * VMAs stay; later accesses fault in zero pages.
 *
 * <h2>Locking</h2>
 * {@code mmap_read_trylock}: EAGAIN without doing anything when the lock is contended.
 */
final class OomReaper {
    private OomReaper() {}

    static Errno reap(AddressSpace mm) {
        mm.checkAlive();
        if (!mm.tryMmapReadLock()) {
            return Errno.EAGAIN;
        }
        try {
            if (mm.isExited()) {
                return Errno.OK;
            }
            boolean refused = false;
            for (Vma v : mm.allVmas()) {
                if (v.isShared()) {
                    continue;
                }
                int slot = mm.notify.startOverNonblock(MmuNotifierEvent.CLEAR, v.start, v.end, null);
                if (slot == MmuNotify.REFUSED) {
                    refused = true;
                    continue;
                }
                try {
                    Zap.range(mm, v, v.start, v.end);
                } finally {
                    mm.notify.end(slot);
                }
            }
            return refused ? Errno.EAGAIN : Errno.OK;
        } finally {
            mm.mmapReadUnlock();
        }
    }
}

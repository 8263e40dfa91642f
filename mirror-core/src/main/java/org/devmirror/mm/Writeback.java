package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models writeback of a file's dirty pages with {@code folio_mkclean} → {@code page_mkclean_one}
 * (mm/rmap.c): for each dirty page that is mapped somewhere ({@code folio_mapped}), the reverse
 * map visits every shared VMA, in every address space, that covers the page's file offset, and
 * {@code page_vma_mkclean_one} raises PROTECTION_PAGE over the page in that VMA before it looks
 * at the entry, whether the entry maps the page or not. An entry that maps it writable or dirty
 * becomes read-only and clean, so the next write faults ({@code wp_page_shared}) and dirties the
 * page again. Under {@link InvalidationRanges#NARROWED} only mappings that change raise the event.
 *
 * <h2>Locking</h2>
 * Takes each mapping address space's mmap read lock in turn (never two at once), and its
 * page-table lock for each entry change.
 */
final class Writeback {
    private Writeback() {}

    static Errno writeback(AddressSpace self, MemoryObject file) {
        if (file == null) {
            throw new IllegalArgumentException("file=null");
        }
        self.checkAlive();
        long pages = file.pageCount();
        for (long idx = 0; idx < pages; idx++) {
            long pfn = file.lookup(idx);
            if (pfn == PhysicalMemory.NO_FRAME || !file.testAndClearDirty(idx)) {
                continue;
            }
            folioMkclean(file, idx, pfn);
        }
        return Errno.OK;
    }

    /**
     * {@code folio_mkclean} of page {@code idx} of {@code file} (frame {@code pfn}): every shared
     * mapping of it that is writable or dirty becomes read-only and clean, each under its own
     * PROTECTION_PAGE.
     *
     * @return whether any mapping was writable or dirty (the kernel's count of cleaned entries)
     */
    static boolean folioMkclean(MemoryObject file, long idx, long pfn) {
        boolean cleaned = false;
        for (AddressSpace mm : file.mappers.snapshot()) {
            mm.mmapReadLock();
            try {
                if (mm.isExited()) {
                    continue;
                }
                for (Vma v : mm.allVmas()) {
                    if (v.object == file && v.isShared()) {
                        cleaned |= mkcleanOne(mm, v.addressOf(idx), pfn);
                    }
                }
            } finally {
                mm.mmapReadUnlock();
            }
        }
        return cleaned;
    }

    /** Whether {@code page_vma_mkclean_one} changes entry e of page pfn: it maps it writable or dirty. */
    private static boolean cleans(long e, long pfn) {
        return PteLayout.isPresent(e) && PteLayout.pfn(e) == pfn && (PteLayout.isWrite(e) || PteLayout.isDirty(e));
    }

    private static boolean mkcleanOne(AddressSpace mm, long addr, long pfn) {
        if (addr < 0) {
            return false;
        }
        CpuPageTable pt = mm.pageTable();
        long e = pt.get(addr);
        if (mm.notify.narrowed() && !cleans(e, pfn)) {
            return false;
        }
        int slot = mm.notify.start(MmuNotifierEvent.PROTECTION_PAGE, addr, addr + Host.PAGE_SIZE, null);
        mm.ptl.lock();
        try {
            long now = pt.get(addr);
            if (!cleans(now, pfn)) {
                return false;
            }
            pt.set(addr, PteLayout.mkClean(PteLayout.wrProtect(now)));
            return true;
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }
}

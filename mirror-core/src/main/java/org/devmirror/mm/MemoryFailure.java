package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code memory_failure} (mm/memory-failure.c, Linux 6.15) for one 4 KiB frame of system
 * RAM, and {@code madvise_inject_error} ({@code MADV_HWPOISON}, mm/madvise.c), the way user space
 * triggers it:
 *
 * <ol>
 *   <li>{@code TestSetPageHWPoison}: a frame already poisoned is EHWPOISON; a free frame is taken
 *       off the free lists ({@code take_page_off_buddy}) and that is all (OK).</li>
 *   <li>{@code unmap_poisoned_folio}: a clean page of a file with a backing store
 *       ({@code mapping_can_writeback}) is first cleaned in every shared mapping
 *       ({@code folio_mkclean}, PROTECTION_PAGE per writable or dirty mapping); if no mapping was
 *       writable or dirty the page is "dropped without side effects": its entries are simply
 *       cleared. Otherwise (dirty file pages, shmem, anonymous and KSM pages) every entry becomes a
 *       hwpoison entry ({@code try_to_unmap} with {@code TTU_HWPOISON}). Either way each mapping, in
 *       every address space, gets its own blockable CLEAR over the page ({@code try_to_unmap_one}).</li>
 *   <li>The page-state action: a regular file's page leaves the page cache
 *       ({@code truncate_error_folio}; its dirty data is lost and the next access reads the backing
 *       store), a shmem page stays in the cache poisoned ({@code shmem_error_remove_folio}), an
 *       anonymous page is left to its hwpoison entries.</li>
 * </ol>
 *
 * <p>Afterwards a CPU access to a hwpoison entry is {@link Errno#EHWPOISON} (SIGBUS with
 * {@code BUS_MCEERR_AR}), {@code hmm_range_fault} of it EFAULT, and the frame is never freed.
 *
 * <p>Simplified: no process is killed ({@code kill_procs}: devmirror has no signals; the error
 * shows on the next access instead); a huge page is refused with EBUSY rather than split
 * ({@code try_to_split_thp_page}); a frame with an entry the reverse map cannot reach (a
 * device-exclusive entry, a contended address space) is unmapped where it can be and reported
 * EBUSY, as {@code unmap_poisoned_folio} reports a folio still mapped; a frame that nothing maps
 * and no page cache holds (a device's private copy, a page being migrated) is EBUSY, as
 * {@code get_hwpoison_page} failing is; device-private memory is ENXIO
 * ({@code memory_failure_dev_pagemap}).
 *
 * <h2>Locking</h2>
 * The caller holds no mmap lock. Mappings are reached through {@link Rmap} (try-locks) and
 * {@link Writeback#folioMkclean} (each address space's read lock in turn).
 */
final class MemoryFailure {
    private MemoryFailure() {}

    /** {@code memory_failure(pfn, flags)}. */
    static Errno memoryFailure(Host host, long pfn) {
        PhysicalMemory mem = host.memory();
        if (pfn < 0 || pfn >= mem.frameCount()) {
            return Errno.ENXIO; // device-private memory, or no such frame
        }
        switch (mem.poison(pfn)) {
            case ALREADY -> {
                return Errno.EHWPOISON;
            }
            case BUSY -> {
                return Errno.EBUSY;
            }
            case TAKEN_OFF_FREE -> {
                return Errno.OK;
            }
            case POISONED -> {
                // mapped or cached: unmap it below
            }
        }
        Object mapping = host.rmap().mappingOf(pfn);
        long idx = host.rmap().indexOf(pfn);
        MemoryObject file = mapping instanceof MemoryObject f ? f : null;
        if (file == null && !(mapping instanceof AnonVma) && !(mapping instanceof KsmStable)) {
            return Errno.EBUSY;
        }
        boolean poisonEntries = true;
        if (file != null && !file.isShmem() && !file.isDirty(idx)) {
            if (Writeback.folioMkclean(file, idx, pfn)) {
                file.markDirty(idx); // folio_set_dirty: the data may differ from the backing store
            } else {
                poisonEntries = false; // "corrupted page was clean: dropped without side effects"
            }
        }
        boolean unmapped = unmapAll(host, pfn, poisonEntries);
        if (file != null) {
            file.errorRemove(idx, pfn);
        }
        return unmapped ? Errno.OK : Errno.EBUSY;
    }

    /** {@code try_to_unmap}: every mapping the reverse map finds; false if some mapping was out of its reach. */
    private static boolean unmapAll(Host host, long pfn, boolean poisonEntries) {
        Rmap walk = new Rmap();
        try {
            boolean all = walk.collect(host, pfn);
            for (int i = 0; i < walk.count; i++) {
                unmapOne(walk.mms[i], walk.addrs[i], pfn, poisonEntries);
            }
            return all;
        } finally {
            walk.release();
        }
    }

    /** {@code try_to_unmap_one}: CLEAR over the page, then a hwpoison entry (or nothing). */
    private static void unmapOne(AddressSpace mm, long addr, long pfn, boolean poisonEntry) {
        PhysicalMemory mem = mm.host().memory();
        CpuPageTable pt = mm.pageTable();
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, addr, addr + Host.PAGE_SIZE, null);
        mm.ptl.lock();
        try {
            long e = pt.get(addr);
            if (PteLayout.isPresent(e) && PteLayout.pfn(e) == pfn) {
                pt.set(addr, poisonEntry ? PteLayout.hwpoisonEntry(pfn) : 0);
                mem.decMapcount(pfn);
                mem.put(pfn);
            }
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    /**
     * {@code madvise_inject_error} for {@code MADV_HWPOISON}: per page of the range,
     * {@code get_user_pages_fast} (a read fault, so a device-private page comes back to RAM and
     * an untouched anonymous page is the zero page), then {@code memory_failure} of its frame.
     * Stops at the first error: the fault's (EFAULT, EHWPOISON for a page already poisoned) or
     * memory_failure's.
     */
    static Errno inject(AddressSpace mm, long start, long end) {
        for (long addr = start; addr < end; addr += Host.PAGE_SIZE) {
            long pfn;
            mm.lockForRead();
            try {
                Errno r = MemoryFault.handle(mm, addr, false);
                if (!r.isOk()) {
                    return r;
                }
                long e = mm.pageTable().get(addr);
                if (!PteLayout.isPresent(e)) {
                    return Errno.EBUSY; // changed under us (the kernel's GUP would retry)
                }
                pfn = PteLayout.pfn(e) + (PteLayout.isHuge(e) ? (addr & (Host.PMD_SIZE - 1)) >>> Host.PAGE_SHIFT : 0);
            } finally {
                mm.mmapReadUnlock();
            }
            Errno r = memoryFailure(mm.host(), pfn);
            if (!r.isOk()) {
                return r;
            }
        }
        return Errno.OK;
    }
}

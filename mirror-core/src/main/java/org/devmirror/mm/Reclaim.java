package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.mm.phys.SwapDevice;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models page reclaim of anonymous pages (mm/vmscan.c {@code shrink_folio_list} with
 * mm/rmap.c {@code try_to_unmap_one}, as driven by {@code MADV_PAGEOUT}): each private
 * anonymous 4 KiB page of the range is written to a swap slot and every entry mapping it, in
 * every address space (fork relatives included), becomes a swap entry, each under its own
 * CLEAR over that page. A {@code MADV_FREE}d page whose entries are all still clean is dropped
 * instead of swapped. Huge pages, page-cache pages, KSM pages and pages with an entry the
 * reverse map cannot reach (device-exclusive) are skipped.
 *
 * <h2>Locking</h2>
 * Runs with this address space's mmap write lock; other address spaces are reached through
 * {@link Rmap}.
 */
final class Reclaim {
    private Reclaim() {}

    static long reclaim(AddressSpace mm, long addr, long length) {
        long end = UserRange.end("addr", addr, "length", length);
        mm.lockForWrite();
        try {
            return reclaimLocked(mm, addr, end);
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    static long reclaimLocked(AddressSpace mm, long start, long end) {
        Host host = mm.host();
        CpuPageTable pt = mm.pageTable();
        Rmap rmapWalk = new Rmap();
        PageWalk walk = new PageWalk(pt);
        long reclaimed = 0;
        for (Vma v : mm.vmasIn(start, end)) {
            if (v.isShared()) {
                continue;
            }
            walk.reset(Math.max(start, v.start), Math.min(end, v.end));
            while (walk.next()) {
                long pte = walk.entry();
                // a device-coherent page is on no LRU list: reclaim never meets it
                if (PteLayout.isPresent(pte)
                        && !PteLayout.isHuge(pte)
                        && !PteLayout.isSpecial(pte)
                        && host.rmap().mappingOf(PteLayout.pfn(pte)) instanceof AnonVma
                        && !host.memory().isZoneDevice(PteLayout.pfn(pte))) {
                    int r = reclaimPage(host, PteLayout.pfn(pte), rmapWalk);
                    if (r < 0) {
                        break; // swap is full
                    }
                    reclaimed += r;
                }
            }
        }
        return reclaimed;
    }

    /** Returns 1 if reclaimed, 0 if skipped, -1 if swap is full. */
    private static int reclaimPage(Host host, long pfn, Rmap walk) {
        PhysicalMemory mem = host.memory();
        SwapDevice swap = host.swap();
        try {
            if (!walk.collect(host, pfn) || mem.refcount(pfn) != mem.mapcount(pfn)) {
                return 0;
            }
            // try_to_unmap_one's MADV_FREE check: a lazily freed folio is discarded only if neither
            // a PTE nor the folio was dirtied again since. A device writes through its own mapping,
            // leaving the PTE clean, and marks the folio (set_page_dirty); missing that lost its data.
            boolean discard = host.rmap().isLazyFree(pfn) && !mem.isDirty(pfn);
            for (int i = 0; i < walk.count && discard; i++) {
                discard = !PteLayout.isDirty(walk.ptes[i]);
            }
            long slot = SwapDevice.NO_SLOT;
            if (!discard) {
                slot = swap.allocSlot();
                if (slot == SwapDevice.NO_SLOT) {
                    return -1;
                }
                swap.writeFrom(mem, pfn, slot); // pageout: every mapping is read-only or ours
                for (int i = 1; i < walk.count; i++) {
                    swap.dupSlot(slot);
                }
            }
            for (int i = 0; i < walk.count; i++) {
                unmapOne(walk.mms[i], walk.addrs[i], pfn, slot);
            }
            return 1;
        } finally {
            walk.release();
        }
    }

    /** {@code try_to_unmap_one} for one mapping: CLEAR over the page, then the swap entry (or none). */
    private static void unmapOne(AddressSpace mm, long addr, long pfn, long slot) {
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        CpuPageTable pt = mm.pageTable();
        int n = mm.notify.start(MmuNotifierEvent.CLEAR, addr, addr + Host.PAGE_SIZE, null);
        mm.ptl.lock();
        try {
            long e = pt.get(addr);
            if (PteLayout.isPresent(e) && PteLayout.pfn(e) == pfn) {
                pt.set(addr, slot == SwapDevice.NO_SLOT ? 0 : PteLayout.swapEntry(slot) | (e & PteLayout.SOFT_DIRTY));
                mem.decMapcount(pfn);
                mem.put(pfn);
            } else if (slot != SwapDevice.NO_SLOT) {
                host.swap().freeSlot(slot); // the mapping went away meanwhile
            }
        } finally {
            mm.ptl.unlock();
            mm.notify.end(n);
        }
    }
}

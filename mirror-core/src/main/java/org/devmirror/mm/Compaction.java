package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models memory compaction (mm/compaction.c) moving pages with {@code migrate_pages}
 * (mm/migrate.c): each movable 4 KiB page of the range (anonymous, page cache, KSM) moves to a
 * new frame. Every mapping, in every address space, is first replaced by a migration entry under
 * its own CLEAR over the page ({@code try_to_migrate_one}); then the contents are copied and the
 * migration entries become present entries naming the new frame ({@code remove_migration_ptes},
 * no event: nothing valid was mapped). A fault on a migration entry waits. Pinned pages (more
 * references than mappings) and huge pages stay.
 *
 * <h2>Locking</h2>
 * Runs with this address space's mmap write lock; other address spaces through {@link Rmap}.
 */
final class Compaction {
    private Compaction() {}

    static long compact(AddressSpace mm, long addr, long length) {
        long end = UserRange.end("addr", addr, "length", length);
        mm.lockForWrite();
        try {
            Host host = mm.host();
            Rmap rmapWalk = new Rmap();
            PageWalk walk = new PageWalk(mm.pageTable());
            long moved = 0;
            for (Vma v : mm.vmasIn(addr, end)) {
                walk.reset(Math.max(addr, v.start), Math.min(end, v.end));
                while (walk.next()) {
                    long pte = walk.entry();
                    // zone-device (device-coherent) pages are not on the LRU: isolate_migratepages skips them
                    if (PteLayout.isPresent(pte)
                            && !PteLayout.isHuge(pte)
                            && !PteLayout.isSpecial(pte)
                            && !host.memory().isZoneDevice(PteLayout.pfn(pte))) {
                        int r = movePage(host, PteLayout.pfn(pte), rmapWalk);
                        if (r < 0) {
                            return moved; // no free frame left
                        }
                        moved += r;
                    }
                }
            }
            return moved;
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /** Returns 1 if moved, 0 if skipped, -1 if no frame is free. */
    private static int movePage(Host host, long pfn, Rmap walk) {
        PhysicalMemory mem = host.memory();
        try {
            if (!walk.collect(host, pfn)) {
                return 0;
            }
            Object mapping = host.rmap().mappingOf(pfn);
            int cacheRef = mapping instanceof MemoryObject ? 1 : 0;
            if (mem.refcount(pfn) != mem.mapcount(pfn) + cacheRef) {
                return 0; // pinned
            }
            long newPfn = mem.allocFrame();
            if (newPfn == PhysicalMemory.NO_FRAME) {
                return -1;
            }
            int n = walk.count;
            for (int i = 0; i < n; i++) {
                walk.ptes[i] = unmapToMigration(walk.mms[i], walk.addrs[i], pfn);
            }
            mem.copyFrame(pfn, newPfn);
            host.rmap().copy(pfn, newPfn);
            mem.setAnon(newPfn, mem.isAnon(pfn));
            for (int i = 0; i < n; i++) {
                if (walk.ptes[i] != 0) {
                    remap(walk.mms[i], walk.addrs[i], pfn, newPfn, walk.ptes[i]);
                }
            }
            if (mapping instanceof MemoryObject obj && obj.replace(host.rmap().indexOf(pfn), pfn, newPfn)) {
                mem.put(pfn); // the cache's reference moves: newPfn keeps its allocation reference
            } else {
                mem.put(newPfn); // drop the allocation reference; the mappings hold their own
            }
            return 1;
        } finally {
            walk.release();
        }
    }

    /** CLEAR over the page, then a migration entry; returns the old entry, or 0 if it changed meanwhile. */
    private static long unmapToMigration(AddressSpace mm, long addr, long pfn) {
        CpuPageTable pt = mm.pageTable();
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, addr, addr + Host.PAGE_SIZE, null);
        mm.ptl.lock();
        try {
            long e = pt.get(addr);
            if (!PteLayout.isPresent(e) || PteLayout.pfn(e) != pfn) {
                return 0;
            }
            pt.set(addr, PteLayout.migrationEntry(pfn, PteLayout.isWrite(e)) | (e & PteLayout.SOFT_DIRTY));
            mm.host().memory().decMapcount(pfn);
            return e;
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    /** {@code remove_migration_pte}: the migration entry becomes the old entry on the new frame. */
    private static void remap(AddressSpace mm, long addr, long oldPfn, long newPfn, long old) {
        PhysicalMemory mem = mm.host().memory();
        CpuPageTable pt = mm.pageTable();
        mm.ptl.lock();
        try {
            long e = pt.get(addr);
            if (PteLayout.isMigration(e) && PteLayout.pfn(e) == oldPfn) {
                mem.get(newPfn);
                mem.incMapcount(newPfn);
                pt.set(addr, PteLayout.present(newPfn, old & PteLayout.PRESENT_FLAGS));
            }
            mem.put(oldPfn); // the reference this mapping held
        } finally {
            mm.ptl.unlock();
        }
    }
}

package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models mm/migrate_device.c: {@code migrate_vma_setup} (collect: {@code migrate_vma_collect}
 * raises one MIGRATE with the caller's pgmap owner over the whole {@code [start, end)}, then each
 * selected page's entry becomes a migration entry), {@code migrate_vma_pages} (empty anonymous
 * pages and zero pages are filled directly, under one MIGRATE with the owner from the first of
 * them to {@code end}) and {@code migrate_vma_finalize}
 * (migration entries become entries for the destination, or the source again when a page did
 * not migrate; no event, nothing valid was mapped). Under {@link InvalidationRanges#NARROWED}
 * the collect MIGRATE covers only the populated part of the range (none when nothing is) and the
 * pages MIGRATE ends after the last page filled.
 *
 * <p>What is selected: with {@code SELECT_SYSTEM}, empty entries and zero pages of private
 * anonymous VMAs and anonymous pages mapped only here; with {@code SELECT_DEVICE_PRIVATE},
 * device-private pages whose pagemap owner is the caller's. With {@code SELECT_COMPOUND} a
 * 2 MiB block the range covers whole moves as one folio ({@link MigrateHuge}); otherwise THP
 * leaves and PMD-level device-private entries are split first (a CLEAR over the 2 MiB) and move
 * as 4 KiB pages. Pages shared with a fork relative, page-cache pages, swap and device-exclusive
 * entries stay.
 *
 * <p>References: a collected system page keeps the reference of the entry it replaced until
 * finalize; a RAM destination's allocation reference becomes its mapping's; a device
 * destination gets a mapping counted by the host. A destination that ends up unused is
 * released ({@code put}, or {@link DevicePagemap#pageFree} for a device page).
 *
 * <h2>Locking</h2>
 * The caller holds the mmap read lock from setup to finalize ({@link IllegalStateException}
 * otherwise), as drivers do; entries change under the page-table lock.
 */
final class MigrateDevice {
    private static final int KNOWN_FLAGS = MigrateVma.SELECT_SYSTEM
            | MigrateVma.SELECT_DEVICE_PRIVATE
            | MigrateVma.SELECT_DEVICE_COHERENT
            | MigrateVma.SELECT_COMPOUND;

    private MigrateDevice() {}

    static Errno setup(AddressSpace mm, MigrateVma args) {
        mm.checkLocked();
        int n = checkArgs(args);
        Vma vma = mm.vmaAt(args.start);
        if (vma == null || args.end > vma.end || vma.isHugetlb()) {
            return Errno.EINVAL; // migrate_vma_setup: no VMA over the range, or is_vm_hugetlb_page
        }
        Errno r = MigrateHuge.splitUncollectable(mm, vma, args);
        if (!r.isOk()) {
            return r;
        }
        for (int i = 0; i < n; i++) {
            args.src[i] = 0;
            args.dst[i] = 0;
        }
        args.cpages = 0;
        args.pagesDone = false;
        if (vma.isPrivateAnon()) {
            MemoryFault.anonVmaPrepare(mm, vma);
        }
        int slot = mm.notify.startOver(MmuNotifierEvent.MIGRATE, args.start, args.end, args.pgmapOwner);
        mm.ptl.lock();
        try {
            for (int i = 0; i < n; ) {
                i += MigrateHuge.collectPmd(mm, vma, args, i) ? Host.PMD_PAGES : collectPte(mm, vma, args, i);
            }
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
        return Errno.OK;
    }

    /**
     * {@code migrate_vma_collect_pmd} for the page-table entries from entry {@code i} to the end of
     * its 2 MiB block (or of the range), under the page-table lock; returns how many entries it
     * looked at.
     *
     * <p>A block that is a 2 MiB mapping again although {@link MigrateHuge#splitUncollectable}
     * split it (or passed it over as another owner's device entry) is skipped whole, its
     * {@code src} entries left 0: another thread mapped it meanwhile under the mmap read lock, a
     * THP fault or another migration's {@code remove_migration_pmd}. The kernel splits such a
     * block from inside the walk, or skips it with {@code migrate_vma_collect_skip} when the split
     * fails; devmirror never raises the split's CLEAR under the page-table lock, so it skips.
     */
    private static int collectPte(AddressSpace mm, Vma vma, MigrateVma args, int i) {
        long va = args.start + ((long) i << Host.PAGE_SHIFT);
        int n = (int) Math.min(args.npages() - i, (UserRange.pmdFloor(va) + Host.PMD_SIZE - va) >>> Host.PAGE_SHIFT);
        if (PteLayout.isHuge(mm.pageTable().getPmd(va))) {
            return n; // migrate_vma_collect_skip: nothing here migrates this time
        }
        for (int k = 0; k < n; k++) {
            collectOne(mm, vma, args, i + k);
        }
        return n;
    }

    /** {@code migrate_vma_collect_pmd} for one page, under the page-table lock. */
    @SuppressWarnings("ReferenceEquality") // owner tokens are compared by identity, as migrate_vma_collect_pmd compares
    // pgmap->owner with args->pgmap_owner
    private static void collectOne(AddressSpace mm, Vma vma, MigrateVma args, int i) {
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        CpuPageTable pt = mm.pageTable();
        long va = args.start + ((long) i << Host.PAGE_SHIFT);
        long e = pt.get(va);
        boolean system = (args.flags & MigrateVma.SELECT_SYSTEM) != 0;
        if (e == 0 || PteLayout.isSpecial(e)) {
            if (system && vma.isPrivateAnon()) {
                args.src[i] = MigrateVma.MIGRATE_PFN_MIGRATE; // a hole (or the zero page) the destination may fill
                args.cpages++;
            }
            return;
        }
        long pfn = PteLayout.pfn(e);
        boolean write = PteLayout.isWrite(e);
        if (PteLayout.isPresent(e)) {
            // a device-coherent page is selected only by its own owner with SELECT_DEVICE_COHERENT
            DevicePagemap coherent = host.coherentPagemapOf(pfn);
            boolean selected = coherent == null
                    ? system
                    : (args.flags & MigrateVma.SELECT_DEVICE_COHERENT) != 0 && coherent.owner() == args.pgmapOwner;
            if (!selected
                    || !(host.rmap().mappingOf(pfn) instanceof AnonVma)
                    || mem.mapcount(pfn) != 1
                    || mem.refcount(pfn) != 1) {
                return;
            }
            if (coherent != null && !host.deviceTryLock(pfn, 1)) {
                return; // migrate_device_pfns holds it
            }
            mem.decMapcount(pfn); // the migration entry maps nothing; the reference stays with the isolation
        } else if (PteLayout.isDevicePrivate(e)) {
            DevicePagemap pgmap = host.pagemapOf(pfn);
            if ((args.flags & MigrateVma.SELECT_DEVICE_PRIVATE) == 0
                    || pgmap == null
                    || pgmap.owner() != args.pgmapOwner
                    || !host.deviceTryLock(pfn, 1)) {
                return; // not selected, or another migration holds the page (folio_trylock failed)
            }
        } else {
            return;
        }
        // The entry remembers a dirty PTE (migrate_vma_collect_pmd's make_migration_entry_dirty),
        // so a page that does not move is mapped back dirty.
        pt.set(va, PteLayout.migrationEntry(pfn, write, PteLayout.isDirty(e)) | (e & PteLayout.SOFT_DIRTY));
        args.src[i] = MigrateVma.migratePfn(pfn)
                | MigrateVma.MIGRATE_PFN_MIGRATE
                | (write ? MigrateVma.MIGRATE_PFN_WRITE : 0);
        args.cpages++;
    }

    static void pages(AddressSpace mm, MigrateVma args) {
        mm.checkLocked();
        int n = checkArgs(args);
        Vma vma = mm.vmaAt(args.start);
        if (vma == null || args.end > vma.end) {
            throw new IllegalArgumentException("start=0x" + Long.toHexString(args.start) + " end=0x"
                    + Long.toHexString(args.end) + " is no longer inside one VMA");
        }
        long firstHole = -1;
        long lastHole = -1;
        for (int i = 0; i < n; i++) {
            long src = args.src[i];
            if ((src & MigrateVma.MIGRATE_PFN_MIGRATE) != 0
                    && MigrateVma.pfnOf(src) < 0
                    && MigrateVma.pfnOf(args.dst[i]) >= 0) {
                long va = args.start + ((long) i << Host.PAGE_SHIFT);
                if (firstHole < 0) {
                    firstHole = va;
                }
                lastHole = va + ((src & MigrateVma.MIGRATE_PFN_COMPOUND) != 0 ? Host.PMD_SIZE : Host.PAGE_SIZE);
            }
        }
        // __migrate_device_pages: mmu_notifier_range_init_owner(..., addr, migrate->end, ...) at the first hole
        long holesEnd = mm.notify.narrowed() ? lastHole : args.end;
        int slot = firstHole >= 0
                ? mm.notify.start(MmuNotifierEvent.MIGRATE, firstHole, holesEnd, args.pgmapOwner)
                : MmuNotify.OFF;
        args.pagesDone = true;
        try {
            for (int i = 0; i < n; ) {
                int done = MigrateHuge.pagesCompound(mm, vma, args, i);
                if (done > 0) {
                    i += done;
                    continue;
                }
                mm.ptl.lock();
                try {
                    pageOne(mm, vma, args, i);
                } finally {
                    mm.ptl.unlock();
                }
                i++;
            }
        } finally {
            mm.notify.end(slot);
        }
    }

    /** {@code migrate_vma_pages} for one page, under the page-table lock. */
    static void pageOne(AddressSpace mm, Vma vma, MigrateVma args, int i) {
        if ((args.src[i] & MigrateVma.MIGRATE_PFN_MIGRATE) == 0) {
            return;
        }
        long dst = MigrateVma.pfnOf(args.dst[i]);
        if (dst < 0 || (args.dst[i] & MigrateVma.MIGRATE_PFN_COMPOUND) != 0) {
            args.src[i] &= ~MigrateVma.MIGRATE_PFN_MIGRATE; // no page, or a folio for a single page
            return;
        }
        Host host = mm.host();
        long src = MigrateVma.pfnOf(args.src[i]);
        boolean dstDevice = host.pagemapOf(dst) != null;
        if (src >= 0) {
            if (dstDevice && src >= Host.DEVICE_PFN_BASE) {
                args.src[i] &= ~MigrateVma.MIGRATE_PFN_MIGRATE; // device to device is not supported
            }
            return; // the entry switches in finalize
        }
        // migrate_vma_insert_page: fill a hole or replace the zero page
        CpuPageTable pt = mm.pageTable();
        long va = args.start + ((long) i << Host.PAGE_SHIFT);
        long e = pt.get(va);
        if (e != 0 && !PteLayout.isSpecial(e)) {
            args.src[i] &= ~MigrateVma.MIGRATE_PFN_MIGRATE;
            return;
        }
        boolean write = vma.canWrite();
        if (dstDevice) {
            host.setDeviceAnon(dst, 1, vma.anonVma, vma.linearIndex(va));
            host.deviceGet(dst);
            pt.set(va, PteLayout.devicePrivateEntry(dst, write) | PteLayout.SOFT_DIRTY);
        } else {
            PhysicalMemory mem = host.memory();
            host.rmap().setAnon(dst, vma.anonVma, vma.linearIndex(va));
            mem.setAnon(dst, true);
            mem.incMapcount(dst);
            pt.set(
                    va,
                    PteLayout.present(
                            dst,
                            PteLayout.READ
                                    | PteLayout.ACCESSED
                                    | PteLayout.SOFT_DIRTY
                                    | (write ? PteLayout.WRITE | PteLayout.DIRTY : 0)));
        }
    }

    static void finalizeMigration(AddressSpace mm, MigrateVma args) {
        mm.checkLocked();
        int n = checkArgs(args);
        Vma vma = mm.vmaAt(args.start);
        mm.ptl.lock();
        try {
            for (int i = 0; i < n; i++) {
                if ((args.src[i] & MigrateVma.MIGRATE_PFN_COMPOUND) != 0) {
                    MigrateHuge.finalizeCompound(mm, vma, args, i);
                } else {
                    finalizeOne(mm, vma, args, i);
                }
            }
        } finally {
            mm.ptl.unlock();
            args.pagesDone = false;
        }
    }

    /** {@code migrate_vma_finalize} for one page, under the page-table lock. */
    private static void finalizeOne(AddressSpace mm, Vma vma, MigrateVma args, int i) {
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        CpuPageTable pt = mm.pageTable();
        long src = MigrateVma.pfnOf(args.src[i]);
        long dst = MigrateVma.pfnOf(args.dst[i]);
        boolean migrate = args.pagesDone && (args.src[i] & MigrateVma.MIGRATE_PFN_MIGRATE) != 0;
        if (src < 0) {
            if (dst >= 0 && !migrate) {
                release(host, args.dst[i]); // a hole that was not filled; a filled one's page is mapped now
            }
            return;
        }
        long va = args.start + ((long) i << Host.PAGE_SHIFT);
        long e = pt.get(va);
        boolean mapped = PteLayout.isMigration(e) && PteLayout.pfn(e) == src;
        boolean migrated = migrate && dst >= 0;
        long target = migrated ? dst : src;
        if (mapped) {
            boolean write = PteLayout.isWrite(e);
            if (target >= Host.DEVICE_PFN_BASE) {
                if (migrated) {
                    host.setDeviceAnon(target, 1, vma.anonVma, vma.linearIndex(va));
                    host.deviceGet(target);
                }
                pt.set(va, PteLayout.devicePrivateEntry(target, write) | (e & PteLayout.SOFT_DIRTY));
            } else {
                if (migrated) {
                    host.rmap().setAnon(target, vma.anonVma, vma.linearIndex(va));
                    mem.setAnon(target, true);
                }
                mem.incMapcount(target);
                // remove_migration_pte: dirty again if the entry remembers a dirty PTE.
                boolean dirty = write || PteLayout.isMigrationDirty(e);
                pt.set(
                        va,
                        PteLayout.present(
                                target,
                                PteLayout.READ
                                        | PteLayout.ACCESSED
                                        | (e & PteLayout.SOFT_DIRTY)
                                        | (write ? PteLayout.WRITE : 0)
                                        | (dirty ? PteLayout.DIRTY : 0)));
            }
        } else if (migrated) {
            release(host, args.dst[i]); // the entry was zapped meanwhile: nothing to map
        }
        if (src >= Host.DEVICE_PFN_BASE || host.coherentPagemapOf(src) != null) {
            host.deviceUnlock(src, 1);
        }
        if (migrated || !mapped) {
            // the source lost its mapping: drop the reference its entry held
            if (src >= Host.DEVICE_PFN_BASE) {
                host.devicePut(src);
            } else {
                mem.put(src);
            }
        }
        if (!migrated && dst >= 0) {
            release(host, args.dst[i]);
        }
    }

    /**
     * Releases an unused destination: its page, or with {@code MIGRATE_PFN_COMPOUND} its 2 MiB
     * folio (each device page of it, or the system folio's one reference).
     */
    static void release(Host host, long dstEntry) {
        long pfn = MigrateVma.pfnOf(dstEntry);
        DevicePagemap pgmap = host.pagemapOf(pfn);
        int nr = pgmap != null && (dstEntry & MigrateVma.MIGRATE_PFN_COMPOUND) != 0 ? Host.PMD_PAGES : 1;
        for (int k = 0; k < nr; k++) {
            if (pgmap != null) {
                pgmap.pageFree(pfn + k);
            } else {
                host.memory().put(pfn);
            }
        }
    }

    private static int checkArgs(MigrateVma args) {
        if (args == null) {
            throw new IllegalArgumentException("args=null");
        }
        UserRange.checkAligned("start", args.start);
        UserRange.checkAligned("end", args.end);
        if (args.start < 0 || args.end > Host.TASK_SIZE || args.end <= args.start) {
            throw new IllegalArgumentException("start=0x" + Long.toHexString(args.start) + " end=0x"
                    + Long.toHexString(args.end) + " is not a non-empty range below TASK_SIZE");
        }
        if ((args.flags & ~KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("flags=0x" + Integer.toHexString(args.flags) + " has unknown bits");
        }
        long n = (args.end - args.start) >>> Host.PAGE_SHIFT;
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "end-start=0x" + Long.toHexString(args.end - args.start) + " is too large");
        }
        if (args.src == null || args.src.length < n) {
            throw new IllegalArgumentException(
                    "src has " + (args.src == null ? "no array" : args.src.length + " entries") + ", needs " + n);
        }
        if (args.dst == null || args.dst.length < n) {
            throw new IllegalArgumentException(
                    "dst has " + (args.dst == null ? "no array" : args.dst.length + " entries") + ", needs " + n);
        }
        return (int) n;
    }
}

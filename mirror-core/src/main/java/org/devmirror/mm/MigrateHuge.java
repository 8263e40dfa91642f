package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;

/**
 * Models the PMD-level half of mm/migrate_device.c, used when the caller sets
 * {@code MIGRATE_VMA_SELECT_COMPOUND}: a 2 MiB folio moves whole between system memory and
 * device-private memory.
 *
 * <ul>
 *   <li>{@code migrate_vma_collect_huge_pmd}: for a 2 MiB block the range covers whole, a PMD leaf
 *       of an exclusive anonymous THP (with {@code SELECT_SYSTEM}) or a PMD-level device-private
 *       entry of the caller's owner (with {@code SELECT_DEVICE_PRIVATE}) becomes one PMD-level
 *       migration entry, and an empty block ({@code pmd_none}) of a private anonymous VMA is
 *       collected as one hole: a single {@code src} entry with {@code MIGRATE_PFN_COMPOUND}, the
 *       511 after it 0, one {@code cpages}.</li>
 *   <li>{@code migrate_vma_pages}: a compound hole with a compound destination is filled by
 *       {@code migrate_vma_insert_huge_pmd_page} (a PMD-level device-private entry, or a THP leaf);
 *       with base-page destinations (the driver's folio allocation failed) each page is filled on
 *       its own. A compound page source with base-page destinations is split first
 *       ({@code migrate_vma_split_unmapped_folio}: {@code split_huge_pmd_address}, a CLEAR over the
 *       2 MiB, turns the PMD migration entry into 512 PTE migration entries) and its pages then
 *       migrate one by one.</li>
 *   <li>{@code migrate_vma_finalize} ({@code remove_migration_pmd}): the PMD migration entry becomes
 *       the destination folio's PMD entry, or the source's again.</li>
 * </ul>
 * Without {@code SELECT_COMPOUND}, or where the range covers a block only in part, every THP leaf
 * and selected device-private PMD entry there is split before collection (a CLEAR over its
 * 2 MiB) and migrates as 512 base pages, as the kernel's fallback does.
 *
 * <p>Device pages: a PMD-level device-private entry holds one mapping reference per device page,
 * so a split moves no count and the last reference of each page frees it.
 *
 * <h2>Locking</h2>
 * As {@link MigrateDevice}: the caller holds the mmap read lock; entries change under the
 * page-table lock, which is never held while an invalidation is raised.
 */
final class MigrateHuge {
    private static final long BOTH = MigrateVma.MIGRATE_PFN_MIGRATE | MigrateVma.MIGRATE_PFN_COMPOUND;

    private MigrateHuge() {}

    /**
     * Splits, before collection, every 2 MiB mapping in the range that will not be collected
     * whole: all of them without {@code SELECT_COMPOUND}, else those the range covers in part. A
     * THP leaf is split only with {@code SELECT_SYSTEM}, a device-private entry only if it is
     * selected, since others are skipped unsplit.
     */
    static Errno splitUncollectable(AddressSpace mm, Vma vma, MigrateVma args) {
        CpuPageTable pt = mm.pageTable();
        for (long h = UserRange.pmdFloor(args.start); h < args.end; h += Host.PMD_SIZE) {
            long e = pt.getPmd(h);
            if (!PteLayout.isHuge(e) || coversWhole(args, h)) {
                continue;
            }
            boolean selected = PteLayout.isPresent(e)
                    ? (args.flags & MigrateVma.SELECT_SYSTEM) != 0
                    : isSelectedDevicePrivate(mm, args, e);
            if (selected) {
                Errno r = HugeMemory.splitPmd(mm, vma, h);
                if (!r.isOk()) {
                    return r;
                }
            }
        }
        return Errno.OK;
    }

    /**
     * {@code migrate_vma_collect_huge_pmd} for the block starting at entry {@code i}, under the
     * page-table lock: true if the block was handled at PMD level (collected whole or skipped),
     * false if it is mapped by PTEs and must be collected page by page.
     */
    static boolean collectPmd(AddressSpace mm, Vma vma, MigrateVma args, int i) {
        long va = args.start + ((long) i << Host.PAGE_SHIFT);
        if (!coversWhole(args, va)) {
            return false;
        }
        Host host = mm.host();
        CpuPageTable pt = mm.pageTable();
        long e = pt.getPmd(va);
        boolean system = (args.flags & MigrateVma.SELECT_SYSTEM) != 0;
        if (e == 0) {
            if (pt.nextPopulated(va, va + Host.PMD_SIZE) < va + Host.PMD_SIZE) {
                return false; // a PTE table
            }
            if (system && vma.isPrivateAnon()) {
                args.src[i] = BOTH; // migrate_vma_collect_hole: one compound hole
                args.cpages++;
            }
            return true;
        }
        if (!PteLayout.isHuge(e)) {
            return false;
        }
        long pfn = PteLayout.pfn(e);
        boolean write = PteLayout.isWrite(e);
        boolean dirty = false;
        if (PteLayout.isPresent(e)) {
            PhysicalMemory mem = host.memory();
            if (!system
                    || !(host.rmap().mappingOf(pfn) instanceof AnonVma)
                    || mem.mapcount(pfn) != 1
                    || mem.refcount(pfn) != 1) {
                return true; // not ours alone: the kernel restores it after the pin check
            }
            dirty = PteLayout.isDirty(e);
            mem.decMapcount(pfn); // the migration entry maps nothing; the reference stays with the isolation
        } else if (!isSelectedDevicePrivate(mm, args, e) || !host.deviceTryLock(pfn, Host.PMD_PAGES)) {
            return true; // another owner's folio, or a migration already in flight (folio_trylock failed)
        }
        // set_pmd_migration_entry: soft-dirty kept, the dirty bit remembered
        pt.setPmd(va, PteLayout.toPmd(PteLayout.migrationEntry(pfn, write, dirty)) | (e & PteLayout.SOFT_DIRTY));
        args.src[i] = MigrateVma.migratePfn(pfn) | BOTH | (write ? MigrateVma.MIGRATE_PFN_WRITE : 0);
        args.cpages++;
        return true;
    }

    /**
     * {@code __migrate_device_pages} for a compound entry {@code i}. Returns how many entries it
     * finished, or 0 when they are base pages now (a fallback or a split) for the caller to
     * migrate one by one. Takes the page-table lock itself.
     */
    static int pagesCompound(AddressSpace mm, Vma vma, MigrateVma args, int i) {
        long src = args.src[i];
        if ((src & BOTH) != BOTH) {
            return 0;
        }
        long dstEntry = args.dst[i];
        long dst = MigrateVma.pfnOf(dstEntry);
        if (dst < 0) {
            args.src[i] &= ~MigrateVma.MIGRATE_PFN_MIGRATE;
            return 1;
        }
        boolean dstCompound = (dstEntry & MigrateVma.MIGRATE_PFN_COMPOUND) != 0;
        long va = args.start + ((long) i << Host.PAGE_SHIFT);
        long srcPfn = MigrateVma.pfnOf(src);
        if (srcPfn < 0) {
            if (!dstCompound) {
                // the driver fell back to base pages: each page of the hole is filled on its own
                args.src[i] = MigrateVma.MIGRATE_PFN_MIGRATE;
                for (int j = 1; j < Host.PMD_PAGES; j++) {
                    args.src[i + j] |= MigrateVma.MIGRATE_PFN_MIGRATE;
                }
                return 0;
            }
            mm.ptl.lock();
            try {
                if (!insertHuge(mm, vma, va, dst)) {
                    args.src[i] &= ~MigrateVma.MIGRATE_PFN_MIGRATE;
                }
            } finally {
                mm.ptl.unlock();
            }
            return 1;
        }
        if (dstCompound) {
            if (srcPfn >= Host.DEVICE_PFN_BASE && mm.host().pagemapOf(dst) != null) {
                args.src[i] &= ~MigrateVma.MIGRATE_PFN_MIGRATE; // device to device is not supported
            }
            return 1; // folio to folio: the entry switches in finalize
        }
        splitUnmapped(mm, args, i, va, srcPfn);
        return 0;
    }

    /**
     * {@code migrate_vma_insert_huge_pmd_page}: maps the destination folio over the empty block at
     * va, as {@code __do_huge_pmd_anonymous_page} would; false (nothing changed) if the block was
     * populated meanwhile. Caller holds the page-table lock.
     */
    private static boolean insertHuge(AddressSpace mm, Vma vma, long va, long dst) {
        Host host = mm.host();
        CpuPageTable pt = mm.pageTable();
        if (pt.getPmd(va) != 0 || pt.nextPopulated(va, va + Host.PMD_SIZE) < va + Host.PMD_SIZE) {
            return false;
        }
        boolean write = vma.canWrite();
        if (host.pagemapOf(dst) != null) {
            host.setDeviceAnon(dst, Host.PMD_PAGES, MemoryFault.anonVmaPrepare(mm, vma), vma.linearIndex(va));
            host.deviceGet(dst, Host.PMD_PAGES);
            pt.setPmd(va, PteLayout.toPmd(PteLayout.devicePrivateEntry(dst, write)) | PteLayout.SOFT_DIRTY);
        } else {
            newAnonFolio(mm, vma, va, dst);
            pt.setPmd(
                    va,
                    PteLayout.pmdLeaf(
                            dst,
                            PteLayout.READ
                                    | PteLayout.ACCESSED
                                    | PteLayout.SOFT_DIRTY
                                    | (write ? PteLayout.WRITE | PteLayout.DIRTY : 0)));
        }
        return true;
    }

    /**
     * {@code migrate_vma_split_unmapped_folio}: the PMD migration entry of entry {@code i} becomes
     * 512 PTE migration entries (a CLEAR over the 2 MiB, {@code split_huge_pmd_address}), a system
     * folio is split into its pages, and entries {@code i..i+511} name the pages one by one.
     */
    private static void splitUnmapped(AddressSpace mm, MigrateVma args, int i, long va, long srcPfn) {
        long e = mm.pageTable().getPmd(va);
        if (PteLayout.isHuge(e) && PteLayout.isMigration(e) && PteLayout.pfn(e) == srcPfn) {
            HugeMemory.splitEntryPmd(mm, va, e);
        }
        if (srcPfn < Host.DEVICE_PFN_BASE) {
            mm.host().memory().splitHuge(srcPfn); // folio_split_unmapped: each page keeps the isolation reference
        }
        long flags = args.src[i] & (MigrateVma.MIGRATE_PFN_MIGRATE | MigrateVma.MIGRATE_PFN_WRITE);
        for (int j = 0; j < Host.PMD_PAGES; j++) {
            args.src[i + j] = MigrateVma.migratePfn(srcPfn + j) | flags;
        }
    }

    /**
     * {@code migrate_vma_finalize} for a compound entry {@code i} ({@code remove_migration_pmd}),
     * under the page-table lock: the PMD migration entry names the destination folio if it
     * migrated, else the source again; references of whichever folio lost its mapping are dropped.
     */
    static void finalizeCompound(AddressSpace mm, Vma vma, MigrateVma args, int i) {
        Host host = mm.host();
        CpuPageTable pt = mm.pageTable();
        long srcPfn = MigrateVma.pfnOf(args.src[i]);
        long dstEntry = args.dst[i];
        long dst = MigrateVma.pfnOf(dstEntry);
        boolean migrate = args.pagesDone && (args.src[i] & MigrateVma.MIGRATE_PFN_MIGRATE) != 0;
        if (srcPfn < 0) {
            if (dst >= 0 && !migrate) {
                MigrateDevice.release(host, dstEntry); // a hole that was not filled
            }
            return;
        }
        long va = args.start + ((long) i << Host.PAGE_SHIFT);
        long e = pt.getPmd(va);
        boolean mapped = PteLayout.isHuge(e) && PteLayout.isMigration(e) && PteLayout.pfn(e) == srcPfn;
        boolean migrated = migrate && dst >= 0;
        long target = migrated ? dst : srcPfn;
        if (mapped) {
            boolean write = PteLayout.isWrite(e);
            long softDirty = e & PteLayout.SOFT_DIRTY;
            if (host.pagemapOf(target) != null) {
                if (migrated) {
                    host.setDeviceAnon(target, Host.PMD_PAGES, vma.anonVma, vma.linearIndex(va));
                    host.deviceGet(target, Host.PMD_PAGES);
                }
                pt.setPmd(va, PteLayout.toPmd(PteLayout.devicePrivateEntry(target, write)) | softDirty);
            } else {
                if (migrated) {
                    newAnonFolio(mm, vma, va, target);
                } else {
                    host.memory().incMapcount(target);
                }
                boolean dirty = write || PteLayout.isMigrationDirty(e);
                pt.setPmd(
                        va,
                        PteLayout.pmdLeaf(
                                target,
                                PteLayout.READ
                                        | PteLayout.ACCESSED
                                        | softDirty
                                        | (write ? PteLayout.WRITE : 0)
                                        | (dirty ? PteLayout.DIRTY : 0)));
            }
        } else if (migrated) {
            MigrateDevice.release(host, dstEntry); // the entry was zapped meanwhile: nothing to map
        }
        if (srcPfn >= Host.DEVICE_PFN_BASE) {
            host.deviceUnlock(srcPfn, Host.PMD_PAGES);
        }
        if (migrated || !mapped) {
            // the source folio lost its mapping: drop what its entry held
            if (srcPfn >= Host.DEVICE_PFN_BASE) {
                host.devicePut(srcPfn, Host.PMD_PAGES);
            } else {
                host.memory().put(srcPfn);
            }
        }
        if (!migrated && dst >= 0) {
            MigrateDevice.release(host, dstEntry);
        }
    }

    /** {@code folio_add_new_anon_rmap} for a system folio about to be mapped at va, with its map count. */
    private static void newAnonFolio(AddressSpace mm, Vma vma, long va, long head) {
        Host host = mm.host();
        AnonVma anon = MemoryFault.anonVmaPrepare(mm, vma);
        long idx = vma.linearIndex(va);
        for (int k = 0; k < Host.PMD_PAGES; k++) {
            host.rmap().setAnon(head + k, anon, idx + k);
        }
        host.memory().setAnon(head, true);
        host.memory().incMapcount(head);
    }

    /** Whether the range covers the whole 2 MiB block at va with {@code SELECT_COMPOUND} set. */
    private static boolean coversWhole(MigrateVma args, long va) {
        return (args.flags & MigrateVma.SELECT_COMPOUND) != 0
                && (va & (Host.PMD_SIZE - 1)) == 0
                && va >= args.start
                && va + Host.PMD_SIZE <= args.end;
    }

    /** A PMD-level device-private entry the migration selects: {@code SELECT_DEVICE_PRIVATE} and the caller's owner. */
    @SuppressWarnings("ReferenceEquality") // owner tokens are compared by identity, as migrate_vma_collect_pmd compares
    // pgmap->owner with args->pgmap_owner
    private static boolean isSelectedDevicePrivate(AddressSpace mm, MigrateVma args, long e) {
        if (!PteLayout.isDevicePrivate(e) || (args.flags & MigrateVma.SELECT_DEVICE_PRIVATE) == 0) {
            return false;
        }
        DevicePagemap pgmap = mm.host().pagemapOf(PteLayout.pfn(e));
        return pgmap != null && pgmap.owner() == args.pgmapOwner;
    }
}

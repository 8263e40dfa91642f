package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code migrate_device_range}, {@code migrate_device_pfns}, {@code migrate_device_pages}
 * and {@code migrate_device_finalize} (mm/migrate_device.c): a driver evicting its device-private
 * memory by page frame number, without knowing the virtual addresses, as lib/test_hmm.c's
 * {@code dmirror_device_evict_chunk} does for {@code HMM_DMIRROR_RELEASE} and when a mirror's file
 * is closed.
 *
 * <p>Collection ({@code migrate_device_pfn_lock}): every device page some entry names gets
 * {@code migratePfn(pfn) | MIGRATE_PFN_MIGRATE}; a free page gets 0. A 512-aligned page mapped only
 * by PMD-level entries is a 2 MiB folio: its entry gets {@code MIGRATE_PFN_COMPOUND} and the 511
 * after it 0. Unmapping ({@code migrate_device_unmap} → {@code try_to_migrate}) walks the reverse
 * map: each mapping, in each address space of the page's fork family, raises CLEAR with no owner,
 * blockable, over its page (or over the 2 MiB of a PMD-level entry), as
 * {@code try_to_migrate_one} does, and becomes a migration entry. The driver's own mirrors
 * therefore see CLEAR, not their own MIGRATE, and drop their entries.
 *
 * <p>{@code migrate_device_pages} has no VMA, so it cannot split: a folio whose destination is
 * not a folio stays on the device ({@code MIGRATE_PFN_MIGRATE} cleared; devmirror keeps
 * {@code MIGRATE_PFN_COMPOUND} in the entry, which finalize still needs to restore the PMD-level
 * entries). Finalize ({@code remove_migration_ptes}) maps the destination at every migration
 * entry of a page that moved, with each mapping's write permission, or restores the device
 * entry; no event, nothing valid was mapped.
 *
 * <p>Where devmirror differs: the kernel decides folio size by {@code folio_nr_pages}; devmirror
 * keeps a device folio only while PMD-level entries map it, so a block also mapped by PTEs
 * somewhere (after a partial munmap in a fork relative) has its PMD-level entries split first
 * (a CLEAR over the 2 MiB each) and moves as base pages.
 *
 * <p>Device-coherent pages ({@link Host#registerCoherentPagemap}, evicted with
 * {@code migrate_device_pfns}) are frames the CPU maps with present entries: collection takes the
 * ones some entry maps, each mapping becomes a migration entry after the same CLEAR, and finalize
 * maps the destination or the coherent page again. They are never compound.
 *
 * <h2>Locking</h2>
 * The caller holds no mmap lock, and calls range (or pfns), pages and finalize on one thread, in
 * that order. From collection to finalize that thread holds every live address space's mmap lock
 * for read (the kernel needs none: its migration entries are understood by fork and munmap,
 * devmirror's are kept from the write-locked operations instead) and each collected device page
 * locked ({@code folio_trylock}; a page another migration holds is skipped). Entries change under
 * each address space's page-table lock, never while an invalidation is being raised.
 */
final class MigrateDeviceRange {
    private MigrateDeviceRange() {}

    /**
     * One eviction in progress on this thread, from collection to finalize: the address spaces it
     * holds read-locked, and per {@code src} entry how many entries it made migration entries.
     */
    @SuppressWarnings(
            "ArrayRecordComponent") // its arrays are read by index and the record is never compared or hashed, so array
    // identity in equals() does not matter
    private record Eviction(AddressSpace[] locked, int[] converted) {}

    // set by collect, cleared by finalizeMigration, on the evicting thread
    private static final ThreadLocal<Eviction> CURRENT = new ThreadLocal<>();

    /** One mapping of a device page: called with the address space read-locked. */
    @FunctionalInterface
    private interface MappingVisitor {
        void visit(AddressSpace mm, long addr);
    }

    static void range(Host host, long[] src, long startPfn, int npages) {
        checkArray("src", src, npages);
        for (int i = 0; i < npages; i++) {
            src[i] = startPfn + i;
        }
        collect(host, src, npages);
    }

    static void pfns(Host host, long[] src, int npages) {
        checkArray("src", src, npages);
        collect(host, src, npages);
    }

    /**
     * {@code migrate_device_pfn_lock} for each pfn in src, then {@code migrate_device_unmap}. Every
     * live address space is read-locked until {@link #finalizeMigration}, so no operation that
     * needs the mmap write lock (fork, munmap, mprotect, mremap) ever meets the migration entries,
     * as with a migration by virtual address.
     */
    private static void collect(Host host, long[] src, int npages) {
        for (int i = 0; i < npages; i++) {
            if (host.pagemapOf(src[i]) == null && host.coherentPagemapOf(src[i]) == null) {
                throw new IllegalArgumentException(
                        "src[" + i + "]=0x" + Long.toHexString(src[i]) + " is not a registered device page");
            }
        }
        if (CURRENT.get() != null) {
            throw new IllegalStateException(
                    "migrate_device_range called again before migrate_device_finalize on this thread");
        }
        AddressSpace[] locked = host.addressSpaces().toArray(new AddressSpace[0]);
        for (AddressSpace mm : locked) {
            mm.mmapReadLock();
        }
        int[] converted = new int[npages];
        CURRENT.set(new Eviction(locked, converted));
        for (int i = 0; i < npages; i++) {
            long pfn = src[i];
            // migrate_device_pfn_lock: a page nothing maps, a free one (get_page_unless_zero
            // fails), or one another migration holds locked, is left alone. The reference taken
            // here keeps the page until finalize even if every entry naming it is zapped before
            // try_to_migrate reaches it (MADV_DONTNEED and the OOM reaper zap under the mmap read
            // lock this thread also holds).
            boolean collected = mapcount(host, pfn) > 0 && tryGet(host, pfn);
            if (collected && !host.deviceTryLock(pfn, 1)) {
                put(host, pfn, 1);
                collected = false;
            }
            src[i] = collected ? MigrateVma.migratePfn(pfn) | MigrateVma.MIGRATE_PFN_MIGRATE : 0;
        }
        for (int i = 0; i < npages; ) {
            long pfn = MigrateVma.pfnOf(src[i]);
            if (pfn < 0) {
                i++;
                continue;
            }
            boolean compound = !coherent(pfn)
                    && (pfn & (Host.PMD_PAGES - 1)) == 0
                    && i + Host.PMD_PAGES <= npages
                    && allCollected(src, i, pfn)
                    && pmdMappedOnly(host, pfn);
            if (compound) {
                src[i] |= MigrateVma.MIGRATE_PFN_COMPOUND;
                for (int j = 1; j < Host.PMD_PAGES; j++) {
                    src[i + j] = 0; // still locked and referenced: the folio is unlocked and put whole in finalize
                }
            }
            converted[i] = tryToMigrate(host, pfn, compound);
            if (converted[i] < 0) {
                host.deviceUnlock(pfn, compound ? Host.PMD_PAGES : 1);
                put(host, pfn, compound ? Host.PMD_PAGES : 1); // the collection's references
                src[i] = 0; // not every mapping could be replaced: leave the page where it is
                converted[i] = 0;
            }
            i += compound ? Host.PMD_PAGES : 1;
        }
    }

    /** Whether entries {@code i..i+511} all name pages {@code pfn..pfn+511} locked by this collection. */
    private static boolean allCollected(long[] src, int i, long pfn) {
        for (int j = 0; j < Host.PMD_PAGES; j++) {
            if (MigrateVma.pfnOf(src[i + j]) != pfn + j) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the folio at pfn is mapped by PMD-level entries only; if it is also mapped by PTEs
     * somewhere, its PMD-level entries are split here so that it moves as base pages.
     */
    private static boolean pmdMappedOnly(Host host, long pfn) {
        boolean[] pmd = new boolean[1];
        boolean[] pte = new boolean[1];
        forEachMapping(host, pfn, (mm, addr) -> {
            long e = mm.pageTable().get(addr);
            if (PteLayout.isHuge(e)) {
                pmd[0] = true;
            } else {
                pte[0] = true;
            }
        });
        if (pmd[0] && pte[0]) {
            forEachMapping(host, pfn, (mm, addr) -> {
                long e = mm.pageTable().getPmd(addr);
                if (PteLayout.isHuge(e) && PteLayout.isDevicePrivate(e)) {
                    HugeMemory.splitEntryPmd(mm, UserRange.pmdFloor(addr), e);
                }
            });
        }
        return pmd[0] && !pte[0];
    }

    /**
     * {@code try_to_migrate}: every mapping of the page (or folio) becomes a migration entry, each
     * after a CLEAR. Returns how many it converted, or -1 (all restored) if a mapping was left.
     */
    private static int tryToMigrate(Host host, long pfn, boolean compound) {
        long size = compound ? Host.PMD_SIZE : Host.PAGE_SIZE;
        int[] converted = new int[1];
        forEachMapping(host, pfn, (mm, addr) -> {
            CpuPageTable pt = mm.pageTable();
            long e = compound ? pt.getPmd(addr) : pt.get(addr);
            if (!names(e, pfn) || PteLayout.isHuge(e) != compound) {
                return;
            }
            int slot = mm.notify.start(MmuNotifierEvent.CLEAR, addr, addr + size, null);
            mm.ptl.lock();
            try {
                long now = compound ? pt.getPmd(addr) : pt.get(addr);
                if (now == e) {
                    long m = PteLayout.migrationEntry(pfn, PteLayout.isWrite(e)) | (e & PteLayout.SOFT_DIRTY);
                    if (PteLayout.isPresent(e)) {
                        host.memory().decMapcount(pfn); // a coherent page: its reference stays with the entry
                    }
                    if (compound) {
                        pt.setPmd(addr, PteLayout.toPmd(m));
                    } else {
                        pt.set(addr, m);
                    }
                    converted[0]++;
                }
            } finally {
                mm.ptl.unlock();
                mm.notify.end(slot);
            }
        });
        // folio_mapped after the walk: a device-private entry still naming the page means a
        // mapping the walk could not reach
        boolean[] left = new boolean[1];
        forEachMapping(host, pfn, (mm, addr) -> {
            long e = mm.pageTable().get(addr);
            left[0] |= coherent(pfn) ? names(e, pfn) : PteLayout.isDevicePrivate(e) && pageAt(mm, addr) == pfn;
        });
        if (left[0]) {
            restore(host, pfn, compound, -1, false, false);
            return -1;
        }
        return converted[0];
    }

    static void pages(Host host, long[] src, long[] dst, int npages) {
        checkArray("src", src, npages);
        checkArray("dst", dst, npages);
        for (int i = 0; i < npages; i++) {
            long s = src[i];
            if (MigrateVma.pfnOf(s) < 0 || (s & MigrateVma.MIGRATE_PFN_MIGRATE) == 0) {
                continue;
            }
            long d = MigrateVma.pfnOf(dst[i]);
            boolean srcCompound = (s & MigrateVma.MIGRATE_PFN_COMPOUND) != 0;
            boolean dstCompound = (dst[i] & MigrateVma.MIGRATE_PFN_COMPOUND) != 0;
            if (d < 0 || srcCompound != dstCompound || host.pagemapOf(d) != null || host.coherentPagemapOf(d) != null) {
                // no page; a folio without a folio to go to (no VMA to split in); or device to device
                src[i] &= ~MigrateVma.MIGRATE_PFN_MIGRATE;
            }
        }
    }

    /** See {@link Host#migrateDeviceFinalize}; {@code markWritable}: {@link Host#migrateDeviceFinalizeMarkingSoftDirty}. */
    static void finalizeMigration(Host host, long[] src, long[] dst, int npages, boolean markWritable) {
        checkArray("src", src, npages);
        checkArray("dst", dst, npages);
        Eviction ev = CURRENT.get();
        if (ev == null || ev.converted().length != npages) {
            throw new IllegalStateException(
                    "migrate_device_finalize without a migrate_device_range of npages=" + npages + " on this thread");
        }
        try {
            for (int i = 0; i < npages; i++) {
                long s = src[i];
                long pfn = MigrateVma.pfnOf(s);
                if (pfn < 0) {
                    continue;
                }
                boolean compound = (s & MigrateVma.MIGRATE_PFN_COMPOUND) != 0;
                int nr = compound ? Host.PMD_PAGES : 1;
                boolean migrated = (s & MigrateVma.MIGRATE_PFN_MIGRATE) != 0 && MigrateVma.pfnOf(dst[i]) >= 0;
                int found =
                        restore(host, pfn, compound, migrated ? MigrateVma.pfnOf(dst[i]) : -1, migrated, markWritable);
                // an entry zapped meanwhile (MADV_DONTNEED under the read lock) took nothing with it
                for (int k = found; k < ev.converted()[i]; k++) {
                    put(host, pfn, nr);
                }
                host.deviceUnlock(pfn, nr);
                put(host, pfn, nr); // the collection's references: the last one frees the page
                if (migrated && found == 0) {
                    MigrateDevice.release(host, dst[i]); // every mapping went meanwhile
                } else if (!migrated && MigrateVma.pfnOf(dst[i]) >= 0) {
                    MigrateDevice.release(host, dst[i]);
                }
            }
        } finally {
            CURRENT.remove();
            for (AddressSpace mm : ev.locked()) {
                mm.mmapReadUnlock();
            }
        }
    }

    /**
     * {@code remove_migration_ptes}: each migration entry naming pfn becomes an entry for
     * {@code target} (a system page or folio) when {@code migrated}, else the device entry again;
     * one that comes back writable on the target is soft-dirty if {@code markWritable}. Returns how
     * many entries now name the target, or the device page again: each keeps the reference the
     * collection took for it, and the caller drops only those of the mappings zapped meanwhile.
     */
    private static int restore(
            Host host, long pfn, boolean compound, long target, boolean migrated, boolean markWritable) {
        PhysicalMemory mem = host.memory();
        int nr = compound ? Host.PMD_PAGES : 1;
        int[] mapped = new int[1];
        if (migrated) {
            mem.setAnon(target, true);
            AnonVma anon = anonOf(host, pfn);
            long idx = indexOf(host, pfn);
            for (int k = 0; k < nr; k++) {
                host.rmap().setAnon(target + k, anon, idx + k);
            }
        }
        forEachMapping(host, pfn, (mm, addr) -> {
            CpuPageTable pt = mm.pageTable();
            mm.ptl.lock();
            try {
                long e = compound ? pt.getPmd(addr) : pt.get(addr);
                if (!PteLayout.isMigration(e) || PteLayout.isHuge(e) != compound || PteLayout.pfn(e) != pfn) {
                    return;
                }
                boolean write = PteLayout.isWrite(e);
                long n;
                if (migrated) {
                    if (mapped[0]++ > 0) {
                        mem.get(target); // the allocation reference went to the first mapping
                    }
                    mem.incMapcount(target);
                    long flags = PteLayout.READ
                            | PteLayout.ACCESSED
                            | (e & PteLayout.SOFT_DIRTY)
                            | (write ? PteLayout.WRITE | PteLayout.DIRTY : 0)
                            | (write && markWritable ? PteLayout.SOFT_DIRTY : 0);
                    n = compound ? PteLayout.pmdLeaf(target, flags) : PteLayout.present(target, flags);
                    put(host, pfn, nr); // the device page loses this mapping
                } else if (coherent(pfn)) {
                    mapped[0]++; // this mapping keeps the reference the collection took for it
                    mem.incMapcount(pfn); // remove_migration_pte: the coherent page is mapped again
                    boolean dirty = write || PteLayout.isMigrationDirty(e);
                    n = PteLayout.present(
                            pfn,
                            PteLayout.READ
                                    | PteLayout.ACCESSED
                                    | (e & PteLayout.SOFT_DIRTY)
                                    | (write ? PteLayout.WRITE : 0)
                                    | (dirty ? PteLayout.DIRTY : 0));
                } else {
                    mapped[0]++; // this mapping keeps the reference the collection took for it
                    long d = PteLayout.devicePrivateEntry(pfn, write) | (e & PteLayout.SOFT_DIRTY);
                    n = compound ? PteLayout.toPmd(d) : d;
                }
                if (compound) {
                    pt.setPmd(addr, n);
                } else {
                    pt.set(addr, n);
                }
            } finally {
                mm.ptl.unlock();
            }
        });
        return mapped[0];
    }

    /** The page an entry at addr names, a PMD-level entry's subpage included; -1 for none. */
    private static long pageAt(AddressSpace mm, long addr) {
        long e = mm.pageTable().get(addr);
        if (e == 0 || PteLayout.isPresent(e)) {
            return -1;
        }
        return PteLayout.pfn(e) + (PteLayout.isHuge(e) ? (addr >>> Host.PAGE_SHIFT) & (Host.PMD_PAGES - 1) : 0);
    }

    /**
     * {@code rmap_walk_anon} for a device page: every address where a VMA of its fork family maps
     * its linear index, each address space read-locked in turn while the visitor runs. Exited
     * address spaces are skipped.
     */
    private static void forEachMapping(Host host, long pfn, MappingVisitor visitor) {
        AnonVma anon = anonOf(host, pfn);
        if (anon == null) {
            return;
        }
        long idx = indexOf(host, pfn);
        for (AddressSpace mm : anon.members.snapshot()) {
            mm.mmapReadLock();
            try {
                if (mm.isExited()) {
                    continue;
                }
                for (Vma v : mm.allVmas()) {
                    long addr = v.anonVma == anon ? v.addressOf(idx) : -1;
                    if (addr >= 0) {
                        visitor.visit(mm, addr);
                    }
                }
            } finally {
                mm.mmapReadUnlock();
            }
        }
    }

    /** Whether {@code pfn} is a device-coherent frame rather than a device-private page. */
    private static boolean coherent(long pfn) {
        return pfn < Host.DEVICE_PFN_BASE;
    }

    /** Entries naming the page: the device-private reference count, or a coherent frame's map count. */
    private static int mapcount(Host host, long pfn) {
        return coherent(pfn) ? host.memory().mapcount(pfn) : host.devicePageMapcount(pfn);
    }

    /** Whether entry {@code e} maps the page: a device-private entry, or a coherent frame's present entry. */
    private static boolean names(long e, long pfn) {
        boolean kind = coherent(pfn) ? PteLayout.isPresent(e) : PteLayout.isDevicePrivate(e);
        return kind && PteLayout.pfn(e) == pfn;
    }

    /** The fork family mapping the page ({@code folio_anon_vma}); null when it is not anonymous. */
    private static AnonVma anonOf(Host host, long pfn) {
        if (coherent(pfn)) {
            return host.rmap().mappingOf(pfn) instanceof AnonVma a ? a : null;
        }
        return host.deviceAnonOf(pfn);
    }

    /** The page's linear index in its fork family ({@code folio->index}). */
    private static long indexOf(Host host, long pfn) {
        return coherent(pfn) ? host.rmap().indexOf(pfn) : host.deviceIndexOf(pfn);
    }

    /** {@code get_page_unless_zero} on a device-private page or a device-coherent frame. */
    private static boolean tryGet(Host host, long pfn) {
        return coherent(pfn) ? host.memory().tryGet(pfn) : host.deviceTryGet(pfn);
    }

    /**
     * A reference to the page goes ({@code folio_put}): a mapping's, or the collection's; the
     * last calls the device's page_free.
     */
    private static void put(Host host, long pfn, int nr) {
        if (coherent(pfn)) {
            host.memory().put(pfn);
        } else {
            host.devicePut(pfn, nr);
        }
    }

    private static void checkArray(String name, long[] a, int npages) {
        if (npages < 0 || a == null || a.length < npages) {
            throw new IllegalArgumentException(
                    name + " has " + (a == null ? "no array" : a.length + " entries") + ", npages=" + npages);
        }
    }
}

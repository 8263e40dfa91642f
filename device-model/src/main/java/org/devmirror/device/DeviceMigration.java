package org.devmirror.device;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SHIFT;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;

import java.util.Arrays;
import org.devmirror.device.driver.CpuMapping;
import org.devmirror.device.driver.MirrorState;
import org.devmirror.device.driver.TrackedRange;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MigrateVma;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models the migration half of lib/test_hmm.c: {@code dmirror_migrate_to_device()} with
 * {@code dmirror_migrate_alloc_and_copy()} and {@code dmirror_migrate_finalize_and_map()},
 * {@code dmirror_migrate_to_system()}, and {@code dmirror_devmem_fault()} (migrate_to_ram). Pages
 * move with the host's {@code migrate_vma_setup/pages/finalize}; contents are copied between
 * physical frames and device pages.
 *
 * <p>Both directions ask for {@code MIGRATE_VMA_SELECT_COMPOUND}, as test_hmm does: a THP moves
 * to a device folio mapped by one PMD-level device-private entry, and back to a new THP.
 * Allocation failure falls back as the kernel does: a compound entry that cannot get a folio is
 * migrated as 512 base pages (the host splits the source), and a page that cannot get a page
 * stays where it is (its {@code dst} entry stays 0, so {@code migrate_vma_pages} leaves it
 * alone).
 *
 * <h2>Assumptions and Guarantees</h2>
 * The caller holds no driver lock. Each migration holds the mmap read lock from setup to finalize
 * (taken here, or held by the CPU fault for {@link #toRam}). A device PTE is installed only under
 * the driver lock, inside a live tracked range, and only if the CPU PTE still names the device page
 * at that moment; otherwise the device PTE is zapped (it may name the old frame, and the device's
 * own MIGRATE invalidation was skipped by the policy).
 */
final class DeviceMigration {
    private DeviceMigration() {}

    /** {@code HMM_DMIRROR_MIGRATE_TO_DEV}; cpages = pages readable through the device afterwards. */
    static DeviceCommand toDevice(Dmirror mirror, long start, long end) {
        DmirrorDevice device = mirror.device();
        MirrorState driver = mirror.driver();
        AddressSpace mm = mirror.mm();
        if (driver.isReleased()) {
            return new DeviceCommand(Errno.EINVAL, 0, 0);
        }
        mm.mmapReadLock();
        try {
            for (long addr = start; addr < end; ) {
                Vma vma = mm.findVma(addr);
                if (vma == null || (vma.prot() & Prot.READ) == 0) {
                    return new DeviceCommand(Errno.EINVAL, 0, 0);
                }
                long next = chunkEnd(driver, addr, Math.min(end, vma.end()));
                MigrateVma args = newArgs(addr, next, device, MigrateVma.SELECT_SYSTEM | MigrateVma.SELECT_COMPOUND);
                Errno r = mm.migrateVmaSetup(args);
                if (r != Errno.OK) {
                    return new DeviceCommand(r, 0, 0);
                }
                // The policies skip this device's own MIGRATE: the device stops using the source
                // pages itself, before they are copied, so no device write lands after the copy
                // and no translation outlives the source frame.
                zapMigrating(device, mm, args);
                allocAndCopyToDevice(device, args, (vma.prot() & Prot.WRITE) != 0);
                mm.migrateVmaPages(args);
                driver.stats().addMigratedToDevice(pagesCopied(args.src, args.dst, args.npages()));
                // finalize turns the migration entries into device-private entries and releases
                // (pageFree) every destination that ended up unused.
                mm.migrateVmaFinalize(args);
                // The policy may have dropped tracking on our own MIGRATE (the blind one does).
                TrackedRange tracked = driver.ensureTracked(addr, next);
                mapMigrated(mirror, args, tracked);
                addr = next;
            }
        } finally {
            mm.mmapReadUnlock();
        }
        // Read back through the device page table like dmirror_migrate_to_device: -ENOENT names a
        // page that did not move.
        long cpages = 0;
        driver.lock().lock();
        try {
            for (long va = start; va < end; va += PAGE_SIZE) {
                long e = driver.pageTable().get(va);
                if (!holdsOwnPage(device, e, va)) {
                    return new DeviceCommand(Errno.ENOENT, cpages, 0);
                }
                cpages++;
            }
        } finally {
            driver.lock().unlock();
        }
        return new DeviceCommand(Errno.OK, cpages, 0);
    }

    /**
     * Whether device entry {@code e} at {@code va} maps a page of {@code device}'s own memory: a
     * local device-private entry, or for a coherent device an ordinary entry naming one of its
     * coherent frames.
     */
    private static boolean holdsOwnPage(DmirrorDevice device, long e, long va) {
        return switch (device.kind()) {
            case PRIVATE -> DevicePteLayout.isDevicePrivate(e) && !DevicePteLayout.isRemote(e);
            case COHERENT ->
                e != 0 && !DevicePteLayout.isDevicePrivate(e) && device.ownsCoherentPfn(DevicePteLayout.pfnAt(e, va));
        };
    }

    /** {@code dmirror_select_device}: the {@code MIGRATE_VMA_SELECT_*} bit of the device's memory kind. */
    private static int selectDevice(DmirrorDevice device) {
        return switch (device.kind()) {
            case PRIVATE -> MigrateVma.SELECT_DEVICE_PRIVATE;
            case COHERENT -> MigrateVma.SELECT_DEVICE_COHERENT;
        };
    }

    /**
     * {@code HMM_DMIRROR_MIGRATE_TO_SYS} ({@code SELECT_DEVICE_PRIVATE} or {@code SELECT_DEVICE_COHERENT},
     * with {@code SELECT_COMPOUND}); cpages
     * counts the {@code src} entries that moved, a 2 MiB folio once, as
     * {@code dmirror_successful_migrated_pages} does.
     */
    static DeviceCommand toSystem(Dmirror mirror, long start, long end) {
        DmirrorDevice device = mirror.device();
        MirrorState driver = mirror.driver();
        AddressSpace mm = mirror.mm();
        if (driver.isReleased()) {
            return new DeviceCommand(Errno.EINVAL, 0, 0);
        }
        long cpages = 0;
        mm.mmapReadLock();
        try {
            for (long addr = start; addr < end; ) {
                Vma vma = mm.findVma(addr);
                if (vma == null || (vma.prot() & Prot.READ) == 0) {
                    return new DeviceCommand(Errno.EINVAL, cpages, 0);
                }
                long next = chunkEnd(driver, addr, Math.min(end, vma.end()));
                cpages +=
                        Math.max(0, migrateBack(device, mm, addr, next, true, driver.stats(), marksSoftDirty(mirror)));
                addr = next;
            }
        } finally {
            mm.mmapReadUnlock();
        }
        return new DeviceCommand(Errno.OK, cpages, 0);
    }

    /**
     * {@code dmirror_devmem_fault}: the CPU touched {@code devicePfn} at {@code addr}. A page the CPU
     * maps with a PMD-level entry moves with its whole 2 MiB folio ({@code vmf->pte} is NULL, so
     * the driver migrates {@code PAGE_SIZE << order} with {@code SELECT_COMPOUND}); a page mapped
     * by a PTE moves alone.
     */
    static Errno toRam(DmirrorDevice device, AddressSpace mm, long addr, long devicePfn) {
        long cpu = mm.pageTable().get(addr);
        boolean huge = PteLayout.isHuge(cpu);
        long size = huge ? HUGE_SIZE : PAGE_SIZE;
        long start = addr & -size;
        // The CPU fault names no mirror: the copy is charged to this device's first mirror of mm.
        Dmirror charged = device.firstMirrorOf(mm);
        long moved = migrateBack(
                device,
                mm,
                start,
                start + size,
                huge,
                charged == null ? null : charged.stats(),
                marksSoftDirty(charged));
        long after = mm.pageTable().get(addr);
        boolean stillThere = PteLayout.isDevicePrivate(after) && CpuMapping.pageAt(after, addr) == devicePfn;
        if (!stillThere) {
            return Errno.OK;
        }
        if (moved < 0) {
            return Errno.EFAULT; // migrate_vma_setup failed: dmirror_devmem_fault's VM_FAULT_SIGBUS
        }
        // Nothing moved: either no system frame was free, or migrate_vma_collect did not collect
        // the page because another migration holds its lock (folio_trylock). dmirror_devmem_fault
        // then returns 0 and the CPU retries the fault once that migration is done.
        return device.systemMemory().freeFrames() == 0 ? Errno.ENOMEM : Errno.OK;
    }

    /**
     * Migrates this device's pages in {@code [start, end)} to system memory
     * ({@code dmirror_devmem_fault_alloc_and_copy} between setup and pages); returns the
     * {@code src} entries that migrated, as {@code dmirror_successful_migrated_pages} counts them
     * (a 2 MiB folio once), or -1 if {@code migrate_vma_setup} failed. The 4 KiB pages copied are
     * added to {@code charged}'s migration counter when it is not null.
     */
    private static long migrateBack(
            DmirrorDevice device,
            AddressSpace mm,
            long start,
            long end,
            boolean compound,
            DeviceStats charged,
            boolean markSoftDirty) {
        MigrateVma args =
                newArgs(start, end, device, selectDevice(device) | (compound ? MigrateVma.SELECT_COMPOUND : 0));
        if (mm.migrateVmaSetup(args) != Errno.OK) {
            return -1;
        }
        // dmirror_devmem_fault_alloc_and_copy erases the device entries before it copies: the
        // policies skip this device's own MIGRATE, so the device stops using its pages here,
        // before the copy and long before migrate_vma_finalize frees them.
        device.zapMirrors(mm, start, end, null, MmuNotifierEvent.MIGRATE);
        PhysicalMemory memory = device.systemMemory();
        int n = args.npages();
        for (int i = 0; i < n; i++) {
            args.dst[i] = 0;
        }
        for (int i = 0; i < n; ) {
            long src = args.src[i];
            long pfn = MigrateVma.pfnOf(src);
            if ((src & MigrateVma.MIGRATE_PFN_MIGRATE) == 0 || pfn < 0 || !device.ownsPage(pfn)) {
                i++;
                continue;
            }
            long write = src & MigrateVma.MIGRATE_PFN_WRITE;
            if ((src & MigrateVma.MIGRATE_PFN_COMPOUND) != 0) {
                // HMM_DMIRROR_FLAG_FAIL_ALLOC makes the folio allocation fail; then base pages
                long head = device.takeInjectedFailure() ? PhysicalMemory.NO_FRAME : memory.allocHuge();
                if (head != PhysicalMemory.NO_FRAME) {
                    for (int k = 0; k < HUGE_PAGES; k++) {
                        device.copyToFrame(pfn + k, head + k);
                    }
                    args.dst[i] = MigrateVma.migratePfn(head) | MigrateVma.MIGRATE_PFN_COMPOUND | write;
                } else {
                    for (int k = 0; k < HUGE_PAGES; k++) {
                        copyBack(device, memory, args, i + k, pfn + k, write);
                    }
                }
                i += HUGE_PAGES;
                continue;
            }
            copyBack(device, memory, args, i, pfn, write);
            i++;
        }
        mm.migrateVmaPages(args);
        if (charged != null) {
            charged.addMigratedToSystem(pagesCopied(args.src, args.dst, n));
        }
        long moved = 0;
        for (int i = 0; i < n; i++) {
            if (MigrateVma.pfnOf(args.src[i]) >= 0
                    && (args.src[i] & MigrateVma.MIGRATE_PFN_MIGRATE) != 0
                    && args.dst[i] != 0) {
                moved++;
            }
        }
        mm.migrateVmaFinalize(args);
        if (markSoftDirty) {
            markReturnedSoftDirty(mm, args);
        }
        return moved;
    }

    /**
     * Whether {@code mirror}'s policy keeps soft-dirty complete for what returns from device memory
     * ({@link org.devmirror.device.driver.InvalidationPolicy#marksDeviceMemorySoftDirty}); true
     * without a mirror (a CPU fault on a page whose owner has no mirror of this address space).
     */
    private static boolean marksSoftDirty(Dmirror mirror) {
        return mirror == null || mirror.driver().policy().marksDeviceMemorySoftDirty();
    }

    /**
     * Marks soft-dirty the pages that came back writable from device memory. clear_refs cleans a
     * writable device-private entry without write-protecting it ({@code clear_soft_dirty} only
     * clears the bit of a non-present entry), and {@code remove_migration_pte} maps the page back
     * writable with that bit: from then on neither a CPU write nor a device write sets it. The
     * owner marks its pages at the end of SOFT_DIRTY when it tracks them, but an mremap moves
     * device-private entries to addresses no notifier of the owner covers (its UNMAP reaches only
     * the old ones), and there clear_refs passes unheard. The owner cannot tell whether that
     * happened, so every page that returns writable reads soft-dirty: at worst a checkpointer
     * copies a page it could have skipped.
     */
    private static void markReturnedSoftDirty(AddressSpace mm, MigrateVma args) {
        int n = args.npages();
        long[] scratch = new long[Math.min(n, HUGE_PAGES)];
        for (int i = 0; i < n; ) {
            long va = args.start + ((long) i << PAGE_SHIFT);
            int count = (int) Math.min(n - i, (HUGE_SIZE - (va & (HUGE_SIZE - 1))) >>> PAGE_SHIFT);
            long any = 0;
            for (int k = i; k < i + count; k++) {
                any |= args.src[k] & args.dst[k] & MigrateVma.MIGRATE_PFN_WRITE;
            }
            if (any != 0) {
                // src's WRITE bit selects: a page that was a writable device-private entry
                mm.markSoftDirty(
                        va,
                        i == 0 && count == n ? args.src : Arrays.copyOfRange(args.src, i, i + count),
                        MigrateVma.MIGRATE_PFN_WRITE,
                        scratch,
                        count,
                        null);
            }
            i += count;
        }
    }

    /**
     * The 4 KiB pages whose contents a migration copies, read after {@code migrate_vma_pages}:
     * every entry still marked MIGRATE that has a source page and a destination, a 2 MiB folio
     * moved whole (compound source and destination) as 512. A hole filled on the destination
     * copies nothing.
     */
    static long pagesCopied(long[] src, long[] dst, int n) {
        long pages = 0;
        for (int i = 0; i < n; i++) {
            if ((src[i] & MigrateVma.MIGRATE_PFN_MIGRATE) != 0
                    && MigrateVma.pfnOf(src[i]) >= 0
                    && MigrateVma.pfnOf(dst[i]) >= 0) {
                pages += (src[i] & dst[i] & MigrateVma.MIGRATE_PFN_COMPOUND) != 0 ? HUGE_PAGES : 1;
            }
        }
        return pages;
    }

    /** One device page back into a new system frame; a page without a frame stays on the device. */
    private static void copyBack(
            DmirrorDevice device, PhysicalMemory memory, MigrateVma args, int i, long pfn, long write) {
        long frame = memory.allocFrame();
        if (frame != PhysicalMemory.NO_FRAME) {
            device.copyToFrame(pfn, frame);
            args.dst[i] = MigrateVma.migratePfn(frame) | write;
        }
    }

    /**
     * Zaps, from every mirror of {@code device} on {@code mm}, the pages {@code migrate_vma_setup}
     * isolated for migration (MIGRATE_PFN_MIGRATE; a compound entry covers its 2 MiB), one run of
     * consecutive pages at a time; pages that stay where they are keep their device PTEs.
     */
    private static void zapMigrating(DmirrorDevice device, AddressSpace mm, MigrateVma args) {
        int n = args.npages();
        for (int i = 0; i < n; ) {
            if ((args.src[i] & MigrateVma.MIGRATE_PFN_MIGRATE) == 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && (args.src[j] & MigrateVma.MIGRATE_PFN_MIGRATE) != 0) {
                // a compound entry stands for its whole 2 MiB folio: the 511 entries after it are empty
                j += (args.src[j] & MigrateVma.MIGRATE_PFN_COMPOUND) != 0 ? HUGE_PAGES : 1;
            }
            j = Math.min(j, n);
            device.zapMirrors(
                    mm,
                    args.start + ((long) i << PAGE_SHIFT),
                    args.start + ((long) j << PAGE_SHIFT),
                    null,
                    MmuNotifierEvent.MIGRATE);
            i = j;
        }
    }

    /**
     * Models dmirror_migrate_alloc_and_copy: a device page per isolated system page, and a device
     * folio per compound entry, falling back to 512 device pages when the folio allocation fails
     * (as test_hmm does); contents copied, holes left zeroed.
     */
    private static void allocAndCopyToDevice(DmirrorDevice device, MigrateVma args, boolean vmaWrite) {
        int n = args.npages();
        for (int i = 0; i < n; i++) {
            args.dst[i] = 0;
        }
        for (int i = 0; i < n; ) {
            long src = args.src[i];
            long spfn = MigrateVma.pfnOf(src);
            if ((src & MigrateVma.MIGRATE_PFN_MIGRATE) == 0 || spfn >= DevicePteLayout.DEVICE_PFN_BASE) {
                i++;
                continue;
            }
            if ((src & MigrateVma.MIGRATE_PFN_COMPOUND) != 0) {
                long head = device.allocHuge();
                for (int k = 0; k < HUGE_PAGES; k++) {
                    long dpfn = head >= 0 ? head + k : device.allocPage();
                    if (dpfn >= 0) {
                        fill(
                                device,
                                args,
                                i + k,
                                spfn < 0 ? -1 : spfn + k,
                                dpfn,
                                (src & MigrateVma.MIGRATE_PFN_WRITE) != 0 || (spfn < 0 && vmaWrite));
                    }
                }
                if (head >= 0) {
                    // one compound destination at the head; the other entries stay 0
                    args.dst[i] = (args.dst[i] | MigrateVma.MIGRATE_PFN_COMPOUND);
                    for (int k = 1; k < HUGE_PAGES; k++) {
                        args.dst[i + k] = 0;
                    }
                }
                i += HUGE_PAGES;
                continue;
            }
            long dpfn = device.allocPage();
            if (dpfn >= 0) {
                fill(device, args, i, spfn, dpfn, (src & MigrateVma.MIGRATE_PFN_WRITE) != 0 || (spfn < 0 && vmaWrite));
            }
            i++;
        }
    }

    /** Copies system page {@code spfn} (or nothing for a hole, -1: the device page is zeroed) into {@code dpfn} and sets dst[i]. */
    private static void fill(DmirrorDevice device, MigrateVma args, int i, long spfn, long dpfn, boolean write) {
        if (spfn >= 0) {
            device.copyFromFrame(spfn, dpfn);
        }
        args.dst[i] = MigrateVma.migratePfn(dpfn) | (write ? MigrateVma.MIGRATE_PFN_WRITE : 0);
    }

    /**
     * Models dmirror_migrate_finalize_and_map: device PTEs for the pages that moved. Runs after
     * finalize, so a page is mapped only if the CPU PTE still names its device page (a CPU touch
     * may already have migrated it back); anything else the device had there is zapped, since the
     * policy skipped the device's own MIGRATE and the old frame may be gone.
     */
    private static void mapMigrated(Dmirror mirror, MigrateVma args, TrackedRange tracked) {
        MirrorState driver = mirror.driver();
        DevicePageTable pt = driver.pageTable();
        AddressSpace mm = mirror.mm();
        int n = args.npages();
        driver.lock().lock();
        try {
            boolean live =
                    tracked != null && tracked.isLive() && tracked.start() <= args.start && args.end <= tracked.end();
            for (int i = 0; i < n; i++) {
                long dst = args.dst[i];
                if (dst == 0) {
                    continue; // not isolated, or no device page: the system page and its device PTE stay
                }
                long va = args.start + ((long) i << PAGE_SHIFT);
                long dpfn = MigrateVma.pfnOf(dst);
                long cpu = mm.pageTable().get(va);
                if (mirror.device().kind() == DeviceMemoryKind.COHERENT) {
                    // the CPU maps a coherent page with an ordinary present entry: so does the device
                    boolean present =
                            live && PteLayout.isPresent(cpu) && !PteLayout.isHuge(cpu) && PteLayout.pfn(cpu) == dpfn;
                    pt.set(va, present ? DevicePteLayout.systemPage(dpfn, PteLayout.isWrite(cpu)) : 0);
                    continue;
                }
                boolean current = live && PteLayout.isDevicePrivate(cpu) && CpuMapping.pageAt(cpu, va) == dpfn;
                if ((dst & MigrateVma.MIGRATE_PFN_COMPOUND) != 0) {
                    // a device folio the CPU maps with one PMD-level entry: one 2 MiB device leaf
                    boolean whole = current && PteLayout.isHuge(cpu);
                    pt.setHuge(
                            va,
                            whole
                                    ? DevicePteLayout.huge(
                                            DevicePteLayout.devicePrivatePage(dpfn, PteLayout.isWrite(cpu), false))
                                    : 0);
                    continue;
                }
                pt.set(va, current ? DevicePteLayout.devicePrivatePage(dpfn, PteLayout.isWrite(cpu), false) : 0);
            }
            driver.tlb().flushRange(args.start, args.end);
        } finally {
            driver.lock().unlock();
        }
    }

    private static MigrateVma newArgs(long start, long end, DmirrorDevice device, int flags) {
        MigrateVma args = new MigrateVma();
        int n = (int) ((end - start) >>> PAGE_SHIFT);
        args.start = start;
        args.end = end;
        args.src = new long[n];
        args.dst = new long[n];
        args.pgmapOwner = device;
        args.flags = flags;
        return args;
    }

    /** End of the migration chunk at {@code addr}: at most 512 pages, inside one 2 MiB block and one tracking chunk. */
    private static long chunkEnd(MirrorState driver, long addr, long limit) {
        long chunk = Math.min(driver.trackChunk(), HUGE_SIZE);
        return Math.min(limit, (addr & -chunk) + chunk);
    }
}

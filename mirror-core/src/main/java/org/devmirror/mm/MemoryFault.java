package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.mm.phys.SwapDevice;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models mm/memory.c's fault handling, {@code handle_mm_fault}: {@code do_anonymous_page} (the
 * zero page on read, a new frame on write, a THP in huge regions), {@code do_read_fault},
 * {@code do_cow_fault} and {@code do_shared_fault} for file and shmem pages,
 * {@code do_wp_page} (reuse an exclusive page, make a shared page writable, or copy:
 * {@code wp_page_copy} raises CLEAR over the page), {@code do_swap_page} (read back from swap;
 * a device-private entry, or a PMD-level one ({@code do_huge_pmd_device_private}), calls the
 * pagemap's {@code migrate_to_ram}; a device-exclusive entry is
 * restored with CLEAR), and the wait on a migration entry.
 *
 * <h2>Locking</h2>
 * The caller holds the mmap lock for read (or write). Each step allocates and copies outside the
 * page-table lock, then takes it, re-checks the entry it started from ({@code pte_same}) and
 * retries from the top if another thread changed it. Invalidations are raised before taking
 * the page-table lock. Range fault calls {@link #handle} directly, so a fault it triggers
 * behaves exactly like a CPU fault.
 */
final class MemoryFault {
    private static final long NEW_PAGE = PteLayout.READ | PteLayout.DIRTY | PteLayout.ACCESSED | PteLayout.SOFT_DIRTY;

    private MemoryFault() {}

    /**
     * Faults the page at addr (page aligned) in for read or write, as a fault without
     * {@code FAULT_FLAG_ALLOW_RETRY} ({@code hmm_range_fault}, {@code get_user_pages}): a write to a
     * page write-protected by a synchronous userfaultfd is {@code VM_FAULT_SIGBUS}, reported as
     * EFAULT.
     *
     * @return OK, EFAULT (no VMA, no read permission, a device that failed to migrate the page
     *         back, a uffd-wp page), EPERM (write to a VMA without write permission), ENOMEM (no
     *         frame; the entry is as before), SIGBUS (a file page beyond the end of the file, or a
     *         poisoned shmem page) or EHWPOISON (a hwpoison entry)
     */
    static Errno handle(AddressSpace mm, long addr, boolean write) {
        return handle(mm, addr, write, false);
    }

    /**
     * As {@link #handle(AddressSpace, long, boolean)}; with {@code allowRetry}
     * ({@code FAULT_FLAG_ALLOW_RETRY}, a user-space access) a write to a uffd-wp page is delivered
     * to the userfaultfd ({@code handle_userfault}) and EAGAIN says the access waits for it.
     */
    static Errno handle(AddressSpace mm, long addr, boolean write, boolean allowRetry) {
        Vma vma = mm.vmaAt(addr);
        if (vma == null || !vma.canRead()) {
            return Errno.EFAULT;
        }
        if (write && !vma.canWrite()) {
            return Errno.EPERM;
        }
        CpuPageTable pt = mm.pageTable();
        while (true) {
            long e = pt.get(addr);
            Errno r;
            if (PteLayout.isNoneMostly(e)) {
                r = faultNone(mm, vma, addr, write, e);
            } else if (PteLayout.isPresent(e)) {
                if (PteLayout.isProtNone(e)) {
                    // handle_pte_fault: pte_protnone in an accessible VMA is a NUMA hinting entry
                    r = NumaBalancing.doNumaPage(mm, vma, addr, e);
                } else if (!write || PteLayout.isWrite(e)) {
                    return Errno.OK;
                } else if (PteLayout.isUffdWp(e) && vma.isUffdWp()) {
                    r = Userfaultfd.wpFault(mm, vma, addr, e, allowRetry);
                } else {
                    r = PteLayout.isHuge(e) ? wpHuge(mm, vma, addr, e) : wpPage(mm, vma, addr, e);
                }
            } else {
                r = faultNonPresent(mm, vma, addr, e);
            }
            if (r != null) {
                return r;
            }
            // null: the entry changed under us or a step finished; look again
        }
    }

    // ------------------------------------------------------------------ empty entry

    /**
     * {@code do_pte_missing} for a none entry or a uffd-wp marker ({@code orig}). A marker left
     * behind after the VMA was unregistered is cleared ({@code pte_marker_handle_uffd_wp}); a
     * live one makes the new entry uffd-wp too ({@code vmf_orig_pte_uffd_wp}), so a write then
     * faults again into the userfault. Returns null to retry, or an error.
     */
    private static Errno faultNone(AddressSpace mm, Vma vma, long addr, boolean write, long orig) {
        if (orig != 0 && !vma.isUffdWp()) {
            mm.pageTable().compareAndSet(addr, orig, 0); // pte_marker_clear
            return null;
        }
        if (vma.object != null) {
            return vma.isShared()
                    ? sharedFault(mm, vma, addr, write, orig)
                    : privateFileFault(mm, vma, addr, write, orig);
        }
        if (HugeMemory.faultEligible(mm, vma, addr) && HugeMemory.faultHuge(mm, vma, addr)) {
            return null;
        }
        if (vma.isHugetlb()) {
            return Errno.ENOMEM; // hugetlb_no_page: no free huge page (VM_FAULT_OOM); there is no 4 KiB fallback
        }
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        CpuPageTable pt = mm.pageTable();
        if (!write) {
            // do_anonymous_page, read: map the shared zero page read-only
            mm.ptl.lock();
            try {
                if (pt.get(addr) == orig) {
                    long zero = PteLayout.zeroPage(mem.zeroPfn());
                    pt.set(addr, orig != 0 ? PteLayout.mkUffdWp(zero) : zero);
                }
            } finally {
                mm.ptl.unlock();
            }
            return null;
        }
        long pfn = mem.allocFrame();
        if (pfn == PhysicalMemory.NO_FRAME) {
            return Errno.ENOMEM;
        }
        installAnon(mm, vma, addr, orig, pfn, uffdWpIf(orig, NEW_PAGE | PteLayout.WRITE));
        return null;
    }

    /** The flags of a new entry replacing {@code orig}: uffd-wp (hence write-protected) if orig was a uffd-wp marker. */
    private static long uffdWpIf(long orig, long flags) {
        return orig != 0 ? (flags & ~PteLayout.WRITE) | PteLayout.UFFD_WP : flags;
    }

    /** do_shared_fault / do_read_fault on a shared mapping: map the page-cache page. */
    private static Errno sharedFault(AddressSpace mm, Vma vma, long addr, boolean write, long orig) {
        Host host = mm.host();
        long idx = vma.linearIndex(addr);
        long pfn = vma.object.findGet(idx);
        if (pfn < 0) {
            return cacheError(pfn);
        }
        long flags = PteLayout.READ
                | PteLayout.ACCESSED
                | (write ? PteLayout.WRITE | PteLayout.DIRTY | PteLayout.SOFT_DIRTY : 0);
        if (write) {
            vma.object.markDirty(idx);
        }
        mapCachePage(mm, addr, orig, pfn, uffdWpIf(orig, flags), host.memory());
        return null;
    }

    /** do_read_fault maps the cache page read-only; do_cow_fault copies it into a new anonymous page. */
    private static Errno privateFileFault(AddressSpace mm, Vma vma, long addr, boolean write, long orig) {
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        long cached = vma.object.findGet(vma.linearIndex(addr));
        if (cached < 0) {
            return cacheError(cached);
        }
        if (!write) {
            mapCachePage(mm, addr, orig, cached, uffdWpIf(orig, PteLayout.READ | PteLayout.ACCESSED), mem);
            return null;
        }
        long pfn = mem.allocFrame();
        if (pfn == PhysicalMemory.NO_FRAME) {
            mem.put(cached);
            return Errno.ENOMEM;
        }
        mem.copyFrame(cached, pfn);
        mem.put(cached);
        installAnon(mm, vma, addr, orig, pfn, uffdWpIf(orig, NEW_PAGE | PteLayout.WRITE));
        return null;
    }

    /**
     * What a failed page-cache lookup means to the fault: beyond the end of the file
     * ({@code filemap_fault}'s i_size check) or a poisoned shmem page (-EIO from
     * {@code shmem_get_folio_gfp}) is VM_FAULT_SIGBUS; no frame is VM_FAULT_OOM.
     */
    private static Errno cacheError(long lookup) {
        return lookup == PhysicalMemory.NO_FRAME ? Errno.ENOMEM : Errno.SIGBUS;
    }

    /** Maps cache page pfn over entry {@code orig}; the reference from {@code findGet} becomes the mapping's (or is dropped). */
    private static void mapCachePage(AddressSpace mm, long addr, long orig, long pfn, long flags, PhysicalMemory mem) {
        CpuPageTable pt = mm.pageTable();
        mm.ptl.lock();
        try {
            if (pt.get(addr) == orig) {
                mem.incMapcount(pfn);
                pt.set(addr, PteLayout.present(pfn, flags));
                return;
            }
        } finally {
            mm.ptl.unlock();
        }
        mem.put(pfn);
    }

    /**
     * Installs new anonymous frame pfn (its allocation reference becomes the mapping's) at addr if
     * the entry is still {@code expected}; otherwise frees it. Returns whether it was installed.
     */
    static boolean installAnon(AddressSpace mm, Vma vma, long addr, long expected, long pfn, long flags) {
        PhysicalMemory mem = mm.host().memory();
        newAnonRmap(mm, vma, addr, pfn);
        CpuPageTable pt = mm.pageTable();
        mm.ptl.lock();
        try {
            if (pt.get(addr) != expected) {
                mem.put(pfn);
                return false;
            }
            mem.incMapcount(pfn);
            pt.set(addr, PteLayout.present(pfn, flags));
            return true;
        } finally {
            mm.ptl.unlock();
        }
    }

    /**
     * {@code folio_add_new_anon_rmap} for a frame not yet mapped: it joins the VMA's fork family
     * at addr's linear index, so the reverse map can find the mapping about to be installed.
     */
    private static void newAnonRmap(AddressSpace mm, Vma vma, long addr, long pfn) {
        mm.host().rmap().setAnon(pfn, anonVmaPrepare(mm, vma), vma.linearIndex(addr));
        mm.host().memory().setAnon(pfn, true);
    }

    /** {@code anon_vma_prepare}: the VMA's fork family, created on its first anonymous page. */
    static AnonVma anonVmaPrepare(AddressSpace mm, Vma vma) {
        AnonVma a = vma.anonVma;
        if (a != null) {
            return a;
        }
        mm.ptl.lock();
        try {
            a = vma.anonVma;
            if (a == null) {
                a = new AnonVma();
                a.members.add(mm);
                vma.anonVma = a;
            }
            return a;
        } finally {
            mm.ptl.unlock();
        }
    }

    // ------------------------------------------------------------------ write-protect faults

    /** {@code do_wp_page}. Returns null to retry, or an error. */
    private static Errno wpPage(AddressSpace mm, Vma vma, long addr, long e) {
        Host host = mm.host();
        CpuPageTable pt = mm.pageTable();
        if (PteLayout.isSpecial(e)) {
            return wpCopy(mm, vma, addr, e, PhysicalMemory.NO_FRAME);
        }
        long pfn = PteLayout.pfn(e);
        if (vma.isShared()) {
            // wp_page_shared: the page stays, now writable and dirty (after page_mkclean)
            vma.object.markDirty(host.rmap().indexOf(pfn));
            upgrade(mm, pt, addr, e);
            return null;
        }
        if (isExclusiveAnon(host, pfn)) {
            // wp_page_reuse: only this entry maps the page
            host.rmap().setLazyFree(pfn, false);
            upgrade(mm, pt, addr, e);
            return null;
        }
        return wpCopy(mm, vma, addr, e, pfn);
    }

    /** The reuse test of {@code do_wp_page}: an anonymous page that only this entry maps and nobody else holds. */
    private static boolean isExclusiveAnon(Host host, long pfn) {
        PhysicalMemory mem = host.memory();
        return host.rmap().mappingOf(pfn) instanceof AnonVma && mem.mapcount(pfn) == 1 && mem.refcount(pfn) == 1;
    }

    /** The reuse test of {@code do_huge_pmd_wp_page}: a THP that only this PMD maps. */
    private static boolean isExclusiveHuge(PhysicalMemory mem, long head) {
        return mem.mapcount(head) == 1 && mem.refcount(head) == 1;
    }

    /**
     * Whether a CPU write to the read-only present entry {@code e} of a writable VMA would keep the
     * same frame and only make the entry writable again, with nothing else to account: an
     * exclusive anonymous page ({@code wp_page_reuse}), or a shared page whose entry is still
     * dirty ({@code wp_page_shared} on a page that is already dirty). Soft-dirty clearing leaves
     * pages in this state. A clean shared page is not: its write-protection is how writeback
     * learns of the next write ({@code page_mkclean}).
     */
    static boolean writeWouldReuse(AddressSpace mm, Vma vma, long e) {
        if ((vma.prot() & Prot.WRITE) == 0 || !PteLayout.isRead(e) || PteLayout.isSpecial(e)) {
            return false; // a NUMA-hinting (protnone) entry faults before any write
        }
        if (PteLayout.isUffdWp(e)) {
            return false; // the write is a userfault (or, async, must first drop the uffd-wp bit)
        }
        if (vma.isShared()) {
            return PteLayout.isDirty(e);
        }
        long pfn = PteLayout.pfn(e);
        return PteLayout.isHuge(e) ? isExclusiveHuge(mm.host().memory(), pfn) : isExclusiveAnon(mm.host(), pfn);
    }

    /**
     * {@code can_change_pte_writable}: whether a present read-only entry of the writable VMA may
     * be made writable without a write fault (NUMA hinting restore, uffd-wp resolve): not
     * protnone, not needed write-protected for soft-dirty tracking ({@code VM_SOFTDIRTY} clear and
     * the entry not soft-dirty) or for uffd-wp, and the same page a write fault would reuse. The
     * caller passes the entry with the permissions it is about to get; protnone is judged by the
     * caller.
     */
    static boolean canChangePteWritable(AddressSpace mm, Vma vma, long e) {
        if (!vma.isSoftDirty() && !PteLayout.isSoftDirty(e)) {
            return false; // pte_needs_soft_dirty_wp
        }
        if (PteLayout.isUffdWp(e) && vma.isUffdWp()) {
            return false; // userfaultfd_pte_wp
        }
        return writeWouldReuse(mm, vma, PteLayout.isPresent(e) ? e | PteLayout.READ : e);
    }

    private static void upgrade(AddressSpace mm, CpuPageTable pt, long addr, long e) {
        mm.ptl.lock();
        try {
            if (pt.get(addr) == e) {
                pt.set(addr, reuseWritable(e));
            }
        } finally {
            mm.ptl.unlock();
        }
    }

    /** {@code wp_page_reuse}/{@code maybe_mkwrite}: the same page, now young, writable and dirty. */
    private static long reuseWritable(long e) {
        // a uffd-wp bit reaching here is stale (the VMA is no longer registered): drop it
        return PteLayout.clearUffdWp(PteLayout.mkDirty(PteLayout.mkWrite(PteLayout.mkYoung(e))));
    }

    /** {@code wp_page_copy}: a private copy replaces the shared one, CLEAR over the page. */
    private static Errno wpCopy(AddressSpace mm, Vma vma, long addr, long e, long oldPfn) {
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        long pfn = mem.allocFrame();
        if (pfn == PhysicalMemory.NO_FRAME) {
            return Errno.ENOMEM;
        }
        if (oldPfn != PhysicalMemory.NO_FRAME) {
            mem.copyFrame(oldPfn, pfn);
        }
        newAnonRmap(mm, vma, addr, pfn);
        CpuPageTable pt = mm.pageTable();
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, addr, addr + Host.PAGE_SIZE, null);
        mm.ptl.lock();
        try {
            if (pt.get(addr) != e) {
                mem.put(pfn);
                return null;
            }
            mem.incMapcount(pfn);
            pt.set(addr, PteLayout.present(pfn, NEW_PAGE | PteLayout.WRITE));
            if (oldPfn != PhysicalMemory.NO_FRAME) {
                mem.decMapcount(oldPfn);
                mem.put(oldPfn);
            }
            return null;
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    /** {@code do_huge_pmd_wp_page}: reuse an exclusive THP, else split (which copies a shared one). */
    private static Errno wpHuge(AddressSpace mm, Vma vma, long addr, long e) {
        PhysicalMemory mem = mm.host().memory();
        long head = PteLayout.pfn(e);
        long haddr = UserRange.pmdFloor(addr);
        if (isExclusiveHuge(mem, head)) {
            CpuPageTable pt = mm.pageTable();
            mm.ptl.lock();
            try {
                if (pt.getPmd(haddr) == e) {
                    pt.setPmd(haddr, reuseWritable(e));
                }
            } finally {
                mm.ptl.unlock();
            }
            return null;
        }
        if (vma.isHugetlb()) {
            return HugeMemory.hugetlbCopy(mm, vma, haddr, e);
        }
        Errno r = HugeMemory.splitPmd(mm, vma, haddr);
        return r.isOk() ? null : r;
    }

    // ------------------------------------------------------------------ non-present entries

    /** {@code do_swap_page} and its non-swap cases. Returns null to retry, or an error. */
    @SuppressWarnings(
            "ThreadPriorityCheck") // migration_entry_wait sleeps until the migrating thread replaces the entry;
    // yielding is the closest a spinning emulator gets, and on two cores the spinning
    // thread must let that thread run
    private static Errno faultNonPresent(AddressSpace mm, Vma vma, long addr, long e) {
        return switch (PteLayout.type(e)) {
            case PteLayout.TYPE_SWAP -> swapIn(mm, vma, addr, e);
            case PteLayout.TYPE_DEVICE_PRIVATE -> {
                // do_huge_pmd_device_private hands migrate_to_ram the page touched (vmf->page) with
                // vmf->pte NULL: the driver may then move the whole folio.
                long devPfn = PteLayout.pfn(e)
                        + (PteLayout.isHuge(e) ? (addr >>> Host.PAGE_SHIFT) & (Host.PMD_PAGES - 1) : 0);
                DevicePagemap pgmap = mm.host().pagemapOf(devPfn);
                if (pgmap == null) {
                    yield Errno.EFAULT;
                }
                Errno r = pgmap.migrateToRam(mm, addr, devPfn);
                if (!r.isOk()) {
                    // VM_FAULT_SIGBUS/OOM: the page stays on the device
                    yield r == Errno.ENOMEM ? Errno.ENOMEM : Errno.EFAULT;
                }
                yield null;
            }
            case PteLayout.TYPE_DEVICE_EXCLUSIVE -> {
                restoreExclusive(mm, addr, e);
                yield null;
            }
            // do_swap_page: is_hwpoison_entry -> VM_FAULT_HWPOISON (SIGBUS, BUS_MCEERR_AR)
            case PteLayout.TYPE_HWPOISON -> Errno.EHWPOISON;
            case PteLayout.TYPE_MIGRATION -> {
                // migration_entry_wait: the migrating thread holds the mmap read lock too and
                // will replace the entry; let it run
                Thread.onSpinWait();
                Thread.yield();
                yield null;
            }
            default -> Errno.EFAULT;
        };
    }

    /** {@code do_swap_page} for a swap entry: read the slot into a new frame. */
    private static Errno swapIn(AddressSpace mm, Vma vma, long addr, long e) {
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        SwapDevice swap = host.swap();
        long slot = PteLayout.swapSlot(e);
        long pfn = mem.allocFrame();
        if (pfn == PhysicalMemory.NO_FRAME) {
            return Errno.ENOMEM;
        }
        // The entry was read without the lock. Hold the slot for the read, as do_swap_page holds
        // the swap entry: a concurrent fault may have swapped the page in and freed it already
        // (then the entry has changed: retry), and without the hold the slot could be freed and
        // handed to the same page again, making a stale copy pass the entry check below.
        if (!swap.tryDupSlot(slot)) {
            mem.put(pfn);
            return null;
        }
        try {
            swap.readInto(slot, mem, pfn);
            newAnonRmap(mm, vma, addr, pfn);
            CpuPageTable pt = mm.pageTable();
            mm.ptl.lock();
            try {
                if (pt.get(addr) != e) {
                    mem.put(pfn);
                    return null;
                }
                // exclusive (no fork relative shares the slot; our hold is the second use) pages
                // of a writable VMA come back writable, as do_swap_page does for a write fault;
                // shared ones stay COW
                boolean exclusive = swap.slotRefcount(slot) == 2;
                mem.incMapcount(pfn);
                pt.set(addr, PteLayout.present(pfn, restoredFlags(e, exclusive && vma.canWrite())));
                swap.freeSlot(slot);
                return null;
            } finally {
                mm.ptl.unlock();
            }
        } finally {
            swap.freeSlot(slot); // the hold
        }
    }

    /** {@code remove_device_exclusive_entry}: CLEAR (owner null), then the original entry is back. */
    static void restoreExclusive(AddressSpace mm, long addr, long e) {
        CpuPageTable pt = mm.pageTable();
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, addr, addr + Host.PAGE_SIZE, null);
        mm.ptl.lock();
        try {
            if (pt.get(addr) == e) {
                pt.set(addr, PteLayout.present(PteLayout.pfn(e), restoredFlags(e, PteLayout.isWrite(e))));
                mm.exclusiveOwners.remove(PteLayout.pfn(e));
            }
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    /**
     * The flags of a present entry brought back from a non-present one (swap, device-exclusive):
     * young, the old entry's soft-dirty bit kept, and writable only if asked. A writable entry is
     * made dirty with {@code pte_mkdirty}, which on x86 sets soft-dirty too
     * ({@code restore_exclusive_pte}, and {@code do_swap_page}, which never makes a page writable
     * without it while soft-dirty tracking is on: {@code pte_needs_soft_dirty_wp}); otherwise a
     * device could write the page through the writable entry, without a CPU fault, and pagemap
     * would report it clean.
     */
    private static long restoredFlags(long old, boolean writable) {
        if (PteLayout.isUffdWp(old)) {
            // do_swap_page: pte_swp_uffd_wp -> pte_mkuffd_wp, which write-protects
            return PteLayout.READ | PteLayout.ACCESSED | PteLayout.UFFD_WP | (old & PteLayout.SOFT_DIRTY);
        }
        long e = PteLayout.READ | PteLayout.ACCESSED | (old & PteLayout.SOFT_DIRTY);
        return writable ? PteLayout.mkDirty(e | PteLayout.WRITE) : e;
    }
}

package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code dup_mmap} and {@code copy_page_range} (kernel/fork.c, mm/memory.c): the child
 * gets a copy of every VMA, joins each fork family and maps each file. Page-table entries are
 * copied only for VMAs that have anonymous pages ({@code vma_needs_copy}); shared and file VMAs
 * without them are faulted in by the child. For a private (COW) VMA, {@code copy_page_range}
 * raises one PROTECTION_PAGE over {@code [vm_start, vm_end)} before the copy, however little of
 * it is populated (under {@link InvalidationRanges#NARROWED}: over the span of the parent's
 * populated entries, none when there are none): present pages, THPs and device-private
 * entries become read-only and shared in both, so the first write on either side copies.
 * Device-exclusive entries are first restored in the parent (CLEAR each, as a CPU access would)
 * and then copied like any present page. Swap entries share their slot.
 *
 * <h2>Locking</h2>
 * The parent's mmap write lock (no migration, which holds the read lock, can be in progress)
 * and the child's, which nobody else can see yet.
 */
final class Fork {
    private Fork() {}

    static AddressSpace fork(AddressSpace parent) {
        parent.lockForWrite();
        try {
            AddressSpace child = parent.host().newAddressSpace();
            child.mmapWriteLock();
            try {
                for (Vma v : parent.allVmas()) {
                    Vma cv = v.copy();
                    // dup_userfaultfd without UFFD_FEATURE_EVENT_FORK: the child is not registered
                    cv.flags &= ~Vma.UFFD_WP;
                    child.insertVma(cv);
                    if (cv.anonVma != null) {
                        cv.anonVma.members.add(child);
                        copyRange(parent, child, v);
                    }
                    if (cv.object != null) {
                        cv.object.mappers.add(child);
                    }
                }
                return child;
            } finally {
                child.mmapWriteUnlock();
            }
        } finally {
            parent.mmapWriteUnlock();
        }
    }

    private static void copyRange(AddressSpace parent, AddressSpace child, Vma v) {
        boolean cow = v.isCow();
        PageWalk walk = PageWalk.over(parent.pageTable(), v.start, v.end);
        while (walk.next()) {
            if (PteLayout.isDeviceExclusive(walk.entry())) {
                MemoryFault.restoreExclusive(parent, walk.va(), walk.entry());
            }
        }
        // copy_page_range raises PROTECTION_PAGE over the whole COW VMA, not only over the entries
        // still writable: a page already read-only (soft-dirty clearing write-protects exclusive
        // pages) becomes shared with the child all the same, and a mirror that kept writing it
        // would write into the child's copy.
        // copy_hugetlb_page_range raises CLEAR instead, over the same [vm_start, vm_end).
        MmuNotifierEvent event = v.isHugetlb() ? MmuNotifierEvent.CLEAR : MmuNotifierEvent.PROTECTION_PAGE;
        int slot = cow ? parent.notify.startOver(event, v.start, v.end, null) : MmuNotify.OFF;
        parent.ptl.lock();
        try {
            copyEntries(parent, child, v, cow);
        } finally {
            parent.ptl.unlock();
            parent.notify.end(slot);
        }
    }

    /** {@code copy_pte_range}/{@code copy_huge_pmd}, under the parent's page-table lock. */
    private static void copyEntries(AddressSpace parent, AddressSpace child, Vma v, boolean cow) {
        Host host = parent.host();
        PhysicalMemory mem = host.memory();
        CpuPageTable cpt = child.pageTable();
        PageWalk walk = PageWalk.over(parent.pageTable(), v.start, v.end);
        while (walk.next()) {
            long va = walk.va();
            long e = walk.entry();
            long n = cow ? PteLayout.wrProtect(e) : e;
            if (PteLayout.isMarker(e)) {
                continue; // copy_pte_marker: a uffd-wp marker only survives into a uffd-wp child VMA
            }
            switch (PteLayout.type(e)) {
                case PteLayout.TYPE_PRESENT -> {
                    if (!PteLayout.isSpecial(e)) {
                        long pfn = PteLayout.pfn(e);
                        mem.get(pfn);
                        mem.incMapcount(pfn);
                        if (host.rmap().mappingOf(pfn) instanceof KsmStable node) {
                            node.add(child, va);
                        }
                    }
                }
                case PteLayout.TYPE_SWAP -> host.swap().dupSlot(PteLayout.swapSlot(e));
                case PteLayout.TYPE_DEVICE_PRIVATE ->
                    host.deviceGet(PteLayout.pfn(e), PteLayout.isHuge(e) ? Host.PMD_PAGES : 1);
                case PteLayout.TYPE_HWPOISON -> {
                    // copy_nonpresent_pte copies the entry as it is: the child inherits the poison
                }
                default ->
                    throw new IllegalStateException("mm " + parent.id() + ": unexpected entry during fork at 0x"
                            + Long.toHexString(va) + ": " + PteLayout.describe(e));
            }
            if (n != e) {
                walk.set(n);
            }
            // copy_present_pte / copy_nonpresent_pte: the child VMA is not VM_UFFD_WP, so its
            // entries lose the uffd-wp bit (pte_clear_uffd_wp); the parent keeps it
            long c = PteLayout.clearUffdWp(n);
            if (walk.isHuge()) {
                cpt.setPmd(walk.entryStart(), c);
            } else {
                cpt.set(va, c);
            }
        }
    }
}

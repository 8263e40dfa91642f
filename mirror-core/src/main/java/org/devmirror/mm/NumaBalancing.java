package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * Models automatic NUMA balancing: the periodic scan of {@code task_numa_work}
 * (kernel/sched/fair.c) calling {@code change_prot_numa} (mm/mempolicy.c) on a window of the
 * address space, and the NUMA hinting fault that follows ({@code do_numa_page},
 * {@code do_huge_pmd_numa_page}; mm/memory.c, mm/huge_memory.c).
 *
 * <p>{@code change_prot_numa} is {@code change_protection} with {@code MM_CP_PROT_NUMA}
 * ({@link ChangeProtection}): one PROTECTION_VMA per VMA over the kernel's range, the eligible
 * present entries made {@code pte_protnone}, the VMA's protection untouched. The next access to
 * such a page, by the CPU or by {@code hmm_range_fault} (which reports a protnone entry as not
 * valid and faults it when asked), takes the hinting fault: the entry gets its permissions back
 * from the VMA (writable only where {@code can_change_pte_writable} allows, else the next write
 * faults as usual) and, young. devmirror's host is one NUMA node, so the page is never found
 * misplaced and never migrated: the fault only restores the entry and raises nothing.
 *
 * <h2>Locking</h2>
 * The scan takes the mmap read lock ({@code task_numa_work}); the fault runs under the caller's.
 */
final class NumaBalancing {
    private NumaBalancing() {}

    /**
     * {@code task_numa_work} over {@code [addr, addr + length)}: {@code change_prot_numa} on
     * every VMA share it may hint, skipping the VMAs the scan skips (inaccessible, and read-only
     * file mappings: "shared library pages").
     *
     * @return the number of entries made protnone
     */
    static long changeProtNuma(AddressSpace mm, long addr, long length) {
        long end = UserRange.end("addr", addr, "length", length);
        mm.lockForRead();
        try {
            long pages = 0;
            for (Vma v : mm.vmasIn(addr, end)) {
                if (!v.canRead() && !v.canWrite()) {
                    continue; // !vma_is_accessible
                }
                if (v.isHugetlb()) {
                    continue; // task_numa_work skips is_vm_hugetlb_page
                }
                if (v.file() != null && !v.canWrite()) {
                    continue; // read-only file mappings are likely shared libraries
                }
                pages += ChangeProtection.change(
                        mm, v, Math.max(v.start, addr), Math.min(v.end, end), ChangeProtection.Mode.PROT_NUMA);
            }
            return pages;
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /**
     * {@code do_numa_page} / {@code do_huge_pmd_numa_page} for the protnone entry {@code e} at
     * {@code addr} of the accessible {@code vma}: the entry is rebuilt from the VMA's protection.
     * Returns null: the caller looks at the entry again.
     */
    static Errno doNumaPage(AddressSpace mm, Vma vma, long addr, long e) {
        long restored = PteLayout.mkYoung(e | PteLayout.READ); // pte_modify(old_pte, vma->vm_page_prot)
        if (vma.canWrite() && MemoryFault.canChangePteWritable(mm, vma, restored)) {
            restored = PteLayout.mkWrite(restored);
        }
        CpuPageTable pt = mm.pageTable();
        mm.ptl.lock();
        try {
            if (PteLayout.isHuge(e)) {
                long haddr = UserRange.pmdFloor(addr);
                if (pt.getPmd(haddr) == e) {
                    pt.setPmd(haddr, restored);
                }
            } else if (pt.get(addr) == e) {
                pt.set(addr, restored);
            }
        } finally {
            mm.ptl.unlock();
        }
        return null;
    }
}

/**
 * {@code hmm_range_fault} (mm/hmm.c): {@link org.devmirror.hmm.HmmRange} (struct hmm_range with its pfn array),
 * {@link org.devmirror.hmm.HmmPfn} (the HMM_PFN_* bits) and {@link org.devmirror.hmm.RangeFault}, which walks the CPU
 * page table, faults pages in where asked, and reports the sequence a driver must check with
 * {@code mmu_interval_read_retry}.
 *
 * <p>May use: {@code org.devmirror.mm}, {@code org.devmirror.mm.pagetable}, {@code org.devmirror.notifier} and the
 * JDK.
 */
package org.devmirror.hmm;

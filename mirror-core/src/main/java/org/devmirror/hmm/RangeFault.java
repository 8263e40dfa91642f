package org.devmirror.hmm;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.DevicePagemap;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.IntervalNotifier;

/**
 * Models {@code hmm_range_fault} (mm/hmm.c): snapshots the CPU page table over a range into
 * {@link HmmPfn} words, faulting pages in first where the caller asks for it.
 *
 * <p>Per page the request is {@code (word & pfnFlagsMask) | defaultFlags}. REQ_FAULT asks for a
 * VALID result and REQ_WRITE (with REQ_FAULT) for a WRITE one; without REQ_FAULT the page is
 * only reported. Results:
 * <ul>
 *   <li>a present page: its PFN with VALID, plus WRITE if the entry is writable; the zero page is
 *       VALID read-only; a page inside a 2 MiB leaf also carries map order 9;</li>
 *   <li>a device-private page whose pagemap owner is {@code devPrivateOwner}: its device PFN with
 *       VALID[|WRITE], never faulted; mapped by a PMD-level device-private entry it also carries
 *       map order 9 ({@code hmm_vma_handle_absent_pmd});</li>
 *   <li>a PMD-level device-private entry of another owner: faulted when requested, else ERROR
 *       (the PTE-level entry reports 0: the kernel treats the two levels differently);</li>
 *   <li>nothing mapped, a swap entry, another device's page, a device-exclusive entry, a PROT_NONE
 *       entry: 0 ("faultable"), or faulted when requested;</li>
 *   <li>no VMA, or a VMA without read permission: ERROR, or EFAULT when a fault was requested;</li>
 *   <li>a hwpoison entry, or a file page beyond the end of the file: 0, or EFAULT when a fault was
 *       requested (the fault's VM_FAULT_HWPOISON / VM_FAULT_SIGBUS);</li>
 *   <li>a write request on a VMA without write permission: EPERM.</li>
 * </ul>
 * The sticky bits ({@link HmmPfn#INOUT_FLAGS}) of each input word are kept. Faults go through
 * the same code as {@link AddressSpace#cpuFault}; as in the kernel, a fault covers the rest of
 * the 2 MiB-aligned block from the first page that needs it, and the walk then restarts from
 * that page. Before every walk the notifier's sequence is checked ({@code mmu_interval_check_retry}):
 * if an invalidation has hit the range since {@code readBegin} the result is EBUSY and the caller
 * starts again from {@code readBegin}. A migration entry makes the walk wait and retry.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The caller holds the address space's mmap lock (IllegalStateException otherwise). Over
 * populated pages the walk allocates nothing: no iterators, no boxing, no per-page objects.
 */
public final class RangeFault {
    private static final long ORDER_PMD = 9L << HmmPfn.ORDER_SHIFT;
    private static final int NEED_FAULT = 1;
    private static final int NEED_WRITE_FAULT = 2;
    private static final long PMD_SIZE = Host.PMD_SIZE;
    private static final long PAGE = Host.PAGE_SIZE;
    /** How far a present CPU entry's write bit moves to become {@link HmmPfn#WRITE}. */
    private static final int CPU_TO_HMM_WRITE =
            Long.numberOfTrailingZeros(HmmPfn.WRITE) - Long.numberOfTrailingZeros(PteLayout.WRITE);

    private RangeFault() {}

    /**
     * Fills the range's buffer.
     *
     * @return OK; EBUSY (invalidated meanwhile: restart from readBegin); EFAULT (a requested
     *         page has no VMA or no read permission, or its fault failed); EPERM (write requested
     *         on a non-writable VMA); ENOMEM (a fault ran out of frames)
     */
    public static Errno fault(AddressSpace mm, HmmRange range) {
        if (mm == null || range == null) {
            throw new IllegalArgumentException("mm " + (mm == null ? "is null" : "is set") + ", range "
                    + (range == null ? "is null" : "is set") + ": both are required");
        }
        if (!mm.isMmapLocked()) {
            throw new IllegalStateException(
                    "mm " + mm.id() + ": hmm_range_fault needs the mmap lock held by the caller");
        }
        checkRange(range);
        IntervalNotifier notifier = range.notifier();
        long seq = range.notifierSeq();
        long addr = range.start();
        long end = range.end();
        while (true) {
            if (notifier.checkRetry(seq)) {
                return Errno.EBUSY;
            }
            long r = walk(mm, range, addr);
            if (r == end) {
                return Errno.OK;
            }
            if (r < 0) {
                return errno(-r);
            }
            addr = r; // a fault (or a migration wait) happened: walk again from there
        }
    }

    private static void checkRange(HmmRange range) {
        long start = range.start();
        long end = range.end();
        if ((start & (PAGE - 1)) != 0) {
            throw new IllegalArgumentException("start=0x" + Long.toHexString(start) + " is not page aligned");
        }
        if ((end & (PAGE - 1)) != 0) {
            throw new IllegalArgumentException("end=0x" + Long.toHexString(end) + " is not page aligned");
        }
        if (start < 0 || end <= start || end > Host.TASK_SIZE) {
            throw new IllegalArgumentException("start=0x" + Long.toHexString(start) + " end=0x" + Long.toHexString(end)
                    + " is not a non-empty range below TASK_SIZE");
        }
        if (range.notifier() == null) {
            throw new IllegalArgumentException("notifier=null");
        }
        long npages = (end - start) >>> Host.PAGE_SHIFT;
        if (range.capacity() < npages) {
            throw new IllegalArgumentException("pfns holds " + range.capacity() + " words, the range needs " + npages);
        }
        if ((range.defaultFlags() & HmmPfn.REQ_WRITE) != 0 && (range.defaultFlags() & HmmPfn.REQ_FAULT) == 0) {
            throw new IllegalArgumentException(
                    "defaultFlags=0x" + Long.toHexString(range.defaultFlags()) + " has REQ_WRITE without REQ_FAULT");
        }
    }

    /** One walk from addr; returns end when done, a restart address after a fault, or -errno. */
    private static long walk(AddressSpace mm, HmmRange range, long addr) {
        long end = range.end();
        while (addr < end) {
            Vma vma = mm.findVma(addr);
            if (vma == null) {
                long holeEnd = nextVmaStart(mm, addr, end);
                if (needFaultAny(range, addr, holeEnd)) {
                    return -Errno.EFAULT.code();
                }
                fill(range, addr, holeEnd, HmmPfn.ERROR);
                addr = holeEnd;
                continue;
            }
            long vEnd = Math.min(vma.end(), end);
            if ((vma.prot() & Prot.READ) == 0) {
                // hmm_vma_walk_test: no VM_READ
                if (needFaultAny(range, addr, vEnd)) {
                    return -Errno.EFAULT.code();
                }
                fill(range, addr, vEnd, HmmPfn.ERROR);
                addr = vEnd;
                continue;
            }
            long r = walkVma(mm, vma, range, addr, vEnd);
            if (r != vEnd) {
                return r;
            }
            addr = vEnd;
        }
        return end;
    }

    /** Walks [addr, vEnd) inside one readable VMA, one 2 MiB block of CPU entries at a time. */
    private static long walkVma(AddressSpace mm, Vma vma, HmmRange range, long addr, long vEnd) {
        CpuPageTable pt = mm.pageTable();
        long start = range.start();
        long[] entries = range.blockEntries;
        while (addr < vEnd) {
            long blockEnd = Math.min((addr & -PMD_SIZE) + PMD_SIZE, vEnd);
            int n = pt.getBlock(addr, entries, 0, (int) ((blockEnd - addr) >>> Host.PAGE_SHIFT));
            long e = entries[0];
            if (PteLayout.isHuge(e) && PteLayout.isPresent(e)) {
                // hmm_vma_handle_pmd: every page of the leaf gets the same flags and order 9
                long cpu =
                        PteLayout.isRead(e) ? HmmPfn.VALID | (PteLayout.isWrite(e) ? HmmPfn.WRITE : 0) | ORDER_PMD : 0;
                int need = 0;
                for (long a = addr; a < blockEnd; a += PAGE) {
                    need |= needFault(request(range, index(start, a)), cpu);
                }
                if (need != 0) {
                    return faultRange(mm, vma, addr, blockEnd, need);
                }
                long pfn = PteLayout.pfn(e) + ((addr & (PMD_SIZE - 1)) >>> Host.PAGE_SHIFT);
                for (long a = addr; a < blockEnd; a += PAGE, pfn++) {
                    int i = index(start, a);
                    range.setPfn(i, (range.pfn(i) & HmmPfn.INOUT_FLAGS) | (cpu == 0 ? 0 : pfn | cpu));
                }
                addr = blockEnd;
                continue;
            }
            if (PteLayout.isHuge(e)) {
                long r = absentPmd(mm, vma, range, addr, blockEnd, e);
                if (r != blockEnd) {
                    return r;
                }
                addr = blockEnd;
                continue;
            }
            int run = presentRun(range, entries, n, index(start, addr));
            addr += (long) run << Host.PAGE_SHIFT;
            for (int j = run; j < n; j++, addr += PAGE) {
                e = entries[j];
                int i = index(start, addr);
                long in = range.pfn(i);
                long req = (in & range.pfnFlagsMask()) | range.defaultFlags();
                long out;
                if (e == 0) {
                    int need = needFault(req, 0);
                    if (need != 0) {
                        return faultRange(mm, vma, addr, blockEnd, need);
                    }
                    out = 0;
                } else if (!PteLayout.isPresent(e)) {
                    long pfn = PteLayout.pfn(e);
                    if (PteLayout.isDevicePrivate(e) && isOwnDevicePage(mm, range, pfn)) {
                        out = pfn | HmmPfn.VALID | (PteLayout.isWrite(e) ? HmmPfn.WRITE : 0);
                    } else {
                        int need = needFault(req, 0);
                        if (need == 0) {
                            out = 0;
                        } else if (PteLayout.isMigration(e)) {
                            Thread.onSpinWait(); // migration_entry_wait, then -EBUSY: walk again from here
                            return addr;
                        } else {
                            return faultRange(mm, vma, addr, blockEnd, need); // swap, other device, exclusive
                        }
                    }
                } else {
                    long cpu = PteLayout.isRead(e) ? HmmPfn.VALID | (PteLayout.isWrite(e) ? HmmPfn.WRITE : 0) : 0;
                    int need = needFault(req, cpu);
                    if (need != 0) {
                        return faultRange(mm, vma, addr, blockEnd, need);
                    }
                    out = cpu == 0 ? 0 : PteLayout.pfn(e) | cpu;
                }
                range.setPfn(i, (in & HmmPfn.INOUT_FLAGS) | out);
            }
        }
        return vEnd;
    }

    /**
     * The present-entry case of {@code hmm_vma_handle_pte} over a run: from {@code entries[0]},
     * every 4 KiB entry that is present and readable and needs no fault (a write is requested only
     * of writable entries) gets its PFN, VALID and WRITE as the general loop would give it, written
     * straight into an array buffer from word {@code first}; the general loop goes on from the
     * first entry that is anything else. A segment buffer, or per-page requests
     * ({@code pfnFlagsMask} not 0), take the general loop only.
     *
     * <p>The block a fault over populated memory walks is usually all such entries: one pass
     * without branches checks that, and a second writes every word, both loops the JIT can
     * vectorize; otherwise one pass stops at the first other entry.
     *
     * @return how many entries the run covered
     */
    private static int presentRun(HmmRange range, long[] entries, int n, int first) {
        long[] out = range.array();
        if (out == null || range.pfnFlagsMask() != 0) {
            return 0;
        }
        int base = range.arrayOffset() + first;
        long def = range.defaultFlags();
        // hmm_pte_need_fault with the CPU flags of a present, readable entry: a fault only for a
        // write request on an entry without write permission.
        boolean writeReq = (def & HmmPfn.REQ_FAULT) != 0 && (def & HmmPfn.REQ_WRITE) != 0;
        long must = PteLayout.PRESENT | PteLayout.READ | (writeReq ? PteLayout.WRITE : 0);
        long missing = 0;
        for (int j = 0; j < n; j++) {
            missing |= ~entries[j] & must;
        }
        if (missing == 0) {
            // Two call sites on purpose, as in the device's fault commit: where the buffer's words
            // for the block start at out[0] (a device fault of one 2 MiB unit), the inlined loop
            // reads and writes both arrays at one index, which C2 vectorises; at two offsets the
            // loop stayed scalar once inlined into the fault path on JDK 25 (docs/perf.md, "The
            // fault path, settled").
            if (base == 0) {
                presentPfns(entries, out, 0, n);
            } else {
                presentPfns(entries, out, base, n);
            }
            return n;
        }
        int j = 0;
        for (; j < n && (~entries[j] & must) == 0; j++) {
            long e = entries[j];
            out[base + j] = (out[base + j] & HmmPfn.INOUT_FLAGS)
                    | PteLayout.pfn(e)
                    | HmmPfn.VALID
                    | ((e & PteLayout.WRITE) << CPU_TO_HMM_WRITE);
        }
        return j;
    }

    /**
     * The words of {@code n} present, readable 4 KiB entries from {@code entries[0]}, written to
     * {@code out[base ..)}: PFN, VALID and WRITE as the CPU entry gives them, the buffer's in-out
     * flags kept.
     */
    private static void presentPfns(long[] entries, long[] out, int base, int n) {
        for (int j = 0; j < n; j++) {
            long e = entries[j];
            out[base + j] = (out[base + j] & HmmPfn.INOUT_FLAGS)
                    | ((e & PteLayout.PFN_MASK) >>> PteLayout.PFN_SHIFT)
                    | HmmPfn.VALID
                    | ((e & PteLayout.WRITE) << CPU_TO_HMM_WRITE);
        }
    }

    /**
     * {@code hmm_vma_handle_absent_pmd} and the PMD migration-entry case of {@code hmm_vma_walk_pmd}
     * for {@code [addr, blockEnd)} under the PMD-level non-present entry {@code e}: a device-private
     * folio of the caller's owner is reported as it is (VALID, WRITE if writable, map order 9, every
     * page's PFN filled in); a migration entry waits and walks again if a fault is wanted, else
     * reports 0; anything else (another owner's folio) is faulted when a fault is wanted and
     * reported ERROR otherwise.
     *
     * @return blockEnd when done, addr to walk again, or -errno
     */
    private static long absentPmd(AddressSpace mm, Vma vma, HmmRange range, long addr, long blockEnd, long e) {
        long start = range.start();
        if (PteLayout.isMigration(e)) {
            if (needFaultAny(range, addr, blockEnd)) {
                Thread.onSpinWait(); // pmd_migration_entry_wait, then -EBUSY: walk again from here
                return addr;
            }
            fill(range, addr, blockEnd, 0);
            return blockEnd;
        }
        if (PteLayout.isDevicePrivate(e) && isOwnDevicePage(mm, range, PteLayout.pfn(e))) {
            long cpu = HmmPfn.VALID | ORDER_PMD | (PteLayout.isWrite(e) ? HmmPfn.WRITE : 0);
            long pfn = PteLayout.pfn(e) + ((addr & (PMD_SIZE - 1)) >>> Host.PAGE_SHIFT);
            for (long a = addr; a < blockEnd; a += PAGE, pfn++) {
                int i = index(start, a);
                range.setPfn(i, (range.pfn(i) & HmmPfn.INOUT_FLAGS) | pfn | cpu);
            }
            return blockEnd;
        }
        int need = 0;
        for (long a = addr; a < blockEnd; a += PAGE) {
            need |= needFault(request(range, index(start, a)), 0);
        }
        if (need != 0) {
            return PteLayout.isDevicePrivate(e) ? faultRange(mm, vma, addr, blockEnd, need) : -Errno.EFAULT.code();
        }
        fill(range, addr, blockEnd, HmmPfn.ERROR);
        return blockEnd;
    }

    @SuppressWarnings(
            "ReferenceEquality") // owner tokens are compared by identity, as hmm_range_fault compares pgmap->owner with
    // range->dev_private_owner
    private static boolean isOwnDevicePage(AddressSpace mm, HmmRange range, long pfn) {
        DevicePagemap pgmap = mm.host().pagemapOf(pfn);
        return pgmap != null && pgmap.owner() == range.devPrivateOwner();
    }

    /** {@code hmm_vma_fault}: faults every page of [addr, end), then the walk restarts at addr. */
    private static long faultRange(AddressSpace mm, Vma vma, long addr, long end, int need) {
        boolean write = (need & NEED_WRITE_FAULT) != 0;
        if (write && (vma.prot() & Prot.WRITE) == 0) {
            return -Errno.EPERM.code();
        }
        for (long a = addr; a < end; a += PAGE) {
            Errno r = mm.cpuFault(a, write);
            if (!r.isOk()) {
                return -(r == Errno.ENOMEM ? Errno.ENOMEM : Errno.EFAULT).code();
            }
        }
        return addr;
    }

    /** {@code hmm_pte_need_fault}. */
    private static int needFault(long req, long cpu) {
        if ((req & HmmPfn.REQ_FAULT) == 0) {
            return 0;
        }
        if ((req & HmmPfn.REQ_WRITE) != 0 && (cpu & HmmPfn.WRITE) == 0) {
            return NEED_FAULT | NEED_WRITE_FAULT;
        }
        return (cpu & HmmPfn.VALID) == 0 ? NEED_FAULT : 0;
    }

    /** {@code hmm_range_need_fault} with no CPU flags over [from, to). */
    private static boolean needFaultAny(HmmRange range, long from, long to) {
        if (((range.defaultFlags() | range.pfnFlagsMask()) & HmmPfn.REQ_FAULT) == 0) {
            return false;
        }
        long start = range.start();
        for (long a = from; a < to; a += PAGE) {
            if (needFault(request(range, index(start, a)), 0) != 0) {
                return true;
            }
        }
        return false;
    }

    /** {@code hmm_pfns_fill}: sticky bits kept, the rest replaced by flags. */
    private static void fill(HmmRange range, long from, long to, long flags) {
        long start = range.start();
        for (long a = from; a < to; a += PAGE) {
            int i = index(start, a);
            range.setPfn(i, (range.pfn(i) & HmmPfn.INOUT_FLAGS) | flags);
        }
    }

    private static long request(HmmRange range, int i) {
        return (range.pfn(i) & range.pfnFlagsMask()) | range.defaultFlags();
    }

    private static int index(long start, long addr) {
        return (int) ((addr - start) >>> Host.PAGE_SHIFT);
    }

    /** Start of the first VMA above addr, capped at end. */
    private static long nextVmaStart(AddressSpace mm, long addr, long end) {
        long next = mm.nextVmaStart(addr);
        return next < 0 ? end : Math.min(next, end);
    }

    private static Errno errno(long code) {
        if (code == Errno.EFAULT.code()) {
            return Errno.EFAULT;
        }
        if (code == Errno.EPERM.code()) {
            return Errno.EPERM;
        }
        if (code == Errno.ENOMEM.code()) {
            return Errno.ENOMEM;
        }
        return Errno.EINVAL;
    }
}

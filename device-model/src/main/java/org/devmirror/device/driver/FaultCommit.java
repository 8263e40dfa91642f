package org.devmirror.device.driver;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;

import java.util.function.LongPredicate;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.tlb.DeviceTlb;
import org.devmirror.hmm.HmmPfn;

/**
 * Models {@code dmirror_do_fault()} (lib/test_hmm.c): the work a device fault does under the
 * driver lock once {@code mmu_interval_read_retry()} said the range fault is still current —
 * writing device PTEs from the {@code hmm_pfns} output. Beyond dmirror, a run of 512 pages that the
 * CPU maps with one PMD (map order 9) becomes one 2 MiB device leaf, and device-private pages
 * become DEVICE_PRIVATE entries, REMOTE when another device owns them.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Every word of {@code pfns} for the range is VALID (the fault asked for REQ_FAULT and succeeded).
 * An entry already equal to the one computed is left alone, so a fault over populated pages writes
 * nothing; if any entry changes, one ranged TLB flush drops whatever the device cached for the
 * range. Each 2 MiB block of 4 KiB entries is read with one {@link DevicePageTable#getBlock} and,
 * if anything changed, written with one {@link DevicePageTable#setBlock}; a write fault's check
 * that every page came back writable is folded into that pass when the range lies in one block.
 * Allocates nothing.
 *
 * <h2>Locking</h2>
 * The caller holds the driver lock (the device page table checks it).
 */
public final class FaultCommit {
    /** The PFN bits of an {@link HmmPfn} word that only a device-private page's PFN sets. */
    private static final long DEVICE_PFN_BITS = HmmPfn.PFN_MASK & -DevicePteLayout.DEVICE_PFN_BASE;
    /** How far {@link HmmPfn#WRITE} moves to become the device entry's {@link DevicePteLayout#WRITE}. */
    private static final int HMM_TO_DEVICE_WRITE =
            Long.numberOfTrailingZeros(HmmPfn.WRITE) - Long.numberOfTrailingZeros(DevicePteLayout.WRITE);

    private final DevicePageTable pt;
    private final DeviceTlb tlb;
    private final LongPredicate localDevicePfn;
    /**
     * The entries of the block being committed: read from the table, then changed in place into
     * those written back; scratch guarded by the driver lock.
     */
    private final long[] block = new long[HUGE_PAGES];
    /**
     * Whether the last {@link #commit} wrote a writable entry naming a page of this device's own
     * memory; guarded by the driver lock.
     */
    private boolean mappedOwnWritable;

    /**
     * @param pt             the mirror's device page table
     * @param tlb            the mirror's TLB
     * @param localDevicePfn true for a device-private PFN of this device
     */
    public FaultCommit(DevicePageTable pt, DeviceTlb tlb, LongPredicate localDevicePfn) {
        this.pt = pt;
        this.tlb = tlb;
        this.localDevicePfn = localDevicePfn;
    }

    /** Returned by {@link #commit} when a write fault got a read-only page (the kernel's -EFAULT). */
    public static final long NOT_WRITABLE = -1;

    /**
     * Writes the device PTEs of {@code [start, end)} from {@code pfns[0 ..)}.
     *
     * @param write whether the fault asked for write access
     * @return the PTEs written (4 KiB equivalents), or {@link #NOT_WRITABLE}, writing nothing, when
     *     {@code write} and a page came back read-only: range fault reports a device-private page
     *     of the caller's own device as it is, without faulting it writable, and dmirror_do_fault
     *     then fails with -EFAULT
     */
    public long commit(long start, long end, long[] pfns, boolean write) {
        mappedOwnWritable = false;
        int n = (int) ((end - start) >>> DevicePteLayout.PAGE_SHIFT);
        // Inside one 2 MiB block (every unit of a device fault) the block's own pass checks the
        // WRITE bits before it writes anything; across blocks a first pass checks them all.
        boolean oneBlock = ((start ^ (end - 1)) & -HUGE_SIZE) == 0;
        if (write && !oneBlock) {
            for (int i = 0; i < n; i++) {
                if (!HmmPfn.isWrite(pfns[i])) {
                    return NOT_WRITABLE;
                }
            }
        }
        long written = 0;
        int i = 0;
        while (i < n) {
            long va = start + ((long) i << DevicePteLayout.PAGE_SHIFT);
            long hmm = pfns[i];
            if (mapsHugeLeaf(va, hmm, n - i)) {
                // hmm_range_fault gives every subpage of a PMD mapping the same flags: one leaf.
                if (write && !HmmPfn.isWrite(hmm)) {
                    return NOT_WRITABLE; // nothing written: a leaf fills the whole range's one block
                }
                long leaf = DevicePteLayout.huge(entryFor(HmmPfn.pfn(hmm), HmmPfn.isWrite(hmm)));
                if (pt.get(va) != leaf) {
                    pt.setHuge(va, leaf);
                    written += HUGE_PAGES;
                    mappedOwnWritable |= isOwnWritable(leaf);
                }
                i += HUGE_PAGES;
                continue;
            }
            // 4 KiB entries up to the end of va's 2 MiB block (a leaf can only start a block).
            int count = (int) Math.min(n - i, (HUGE_SIZE - (va & (HUGE_SIZE - 1))) >>> DevicePteLayout.PAGE_SHIFT);
            int changed = commitBlock(va, pfns, i, count, write);
            if (changed < 0) {
                return NOT_WRITABLE; // only inside one block (else checked above): nothing written
            }
            written += changed;
            i += count;
        }
        if (written != 0) {
            tlb.flushRange(start, end); // the TLB may hold a read-only or split translation
        }
        return written;
    }

    /**
     * The 4 KiB entries of {@code count} pages from {@code va}, within one 2 MiB block, from
     * {@code pfns[first ..)}: the block's entries read once, every VALID page's entry computed and
     * compared, and the block written back once if any differs (the pages without a VALID word
     * keep what they had, a HUGE leaf's subpage if the leaf is split by the write).
     *
     * @return the entries that changed, or {@link #NOT_WRITABLE}, writing nothing, when
     *     {@code write} and a page came back read-only
     */
    private int commitBlock(long va, long[] pfns, int first, int count, boolean write) {
        pt.getBlock(va, block, 0, count);
        if (unchanged(pfns, first, count, write)) {
            return 0;
        }
        int leafIndex = (int) (va >>> DevicePteLayout.PAGE_SHIFT) & (HUGE_PAGES - 1);
        int changed = 0;
        for (int k = 0; k < count; k++) {
            long old = block[k];
            long hmm = pfns[first + k];
            if (write && !HmmPfn.isWrite(hmm)) {
                return (int) NOT_WRITABLE;
            }
            long now = DevicePteLayout.isHuge(old) ? DevicePteLayout.hugeSubpage(old, leafIndex + k) : old;
            if (HmmPfn.isValid(hmm)) {
                long entry = entryFor(HmmPfn.pfn(hmm), HmmPfn.isWrite(hmm));
                if (entry != old) {
                    now = entry;
                    changed++;
                    mappedOwnWritable |= isOwnWritable(entry);
                }
            }
            block[k] = now;
        }
        if (changed != 0) {
            pt.setBlock(va, block, 0, count);
        }
        return changed;
    }

    /**
     * Whether the {@code count} entries read into {@code block} already are what {@code pfns}
     * gives them: every word VALID (and WRITE for a write fault), of a system page, and its entry
     * ({@link DevicePteLayout#systemPage}) equal to the one read. The steady state of a fault over
     * pages the device maps, a refault of unchanged memory: one pass without branches, a loop the
     * JIT can vectorize, instead of the per-page comparison. False sends the block to that.
     */
    private boolean unchanged(long[] pfns, int first, int count, boolean write) {
        long must = HmmPfn.VALID | (write ? HmmPfn.WRITE : 0);
        // Two call sites on purpose: in the one a device fault takes (its unit's words start at
        // pfns[0]), the inlined loop reads both arrays at one index, and C2 vectorises it. Read at
        // two offsets, the same loop stayed scalar once inlined into the fault path on JDK 25 (it
        // was vectorised only when compiled on its own): a 512-page fault took 1,230 ns instead
        // of 650 (docs/perf.md, "The fault path, settled").
        return first == 0
                ? sameSystemEntries(block, pfns, 0, count, must)
                : sameSystemEntries(block, pfns, first, count, must);
    }

    /** {@link #unchanged} over explicit arrays, each word required to carry every bit of {@code must}. */
    private static boolean sameSystemEntries(long[] entries, long[] pfns, int first, int count, long must) {
        long odd = 0;
        long diff = 0;
        for (int k = 0; k < count; k++) {
            long hmm = pfns[first + k];
            odd |= (~hmm & must) | (hmm & DEVICE_PFN_BITS);
            diff |= entries[k]
                    ^ (DevicePteLayout.VALID
                            | ((hmm & HmmPfn.WRITE) >>> HMM_TO_DEVICE_WRITE)
                            | ((hmm & HmmPfn.PFN_MASK) << DevicePteLayout.PFN_SHIFT));
        }
        return (odd | diff) == 0;
    }

    /**
     * Whether the last {@link #commit} wrote a writable entry naming a page of this device's own
     * memory: {@code hmm_vma_handle_pte} reports such a page writable as it is, without a CPU fault,
     * so nothing on the CPU side marks it soft-dirty before the device writes it. Caller holds the
     * driver lock.
     */
    public boolean mappedOwnWritable() {
        return mappedOwnWritable;
    }

    private static boolean isOwnWritable(long entry) {
        return (entry & (DevicePteLayout.DEVICE_PRIVATE | DevicePteLayout.REMOTE | DevicePteLayout.WRITE))
                == (DevicePteLayout.DEVICE_PRIVATE | DevicePteLayout.WRITE);
    }

    /**
     * Whether the page at {@code va}, reported by {@code hmm_range_fault} as {@code hmm}, starts a
     * 2 MiB device leaf when {@code pages} pages from it are committed: a PMD-order, aligned mapping
     * of an aligned frame, wholly inside the range.
     */
    static boolean mapsHugeLeaf(long va, long hmm, long pages) {
        return HmmPfn.isValid(hmm)
                && HmmPfn.mapOrder(hmm) == 9
                && (va & (HUGE_SIZE - 1)) == 0
                && pages >= HUGE_PAGES
                && (HmmPfn.pfn(hmm) & (HUGE_PAGES - 1)) == 0;
    }

    private long entryFor(long pfn, boolean write) {
        if (pfn >= DevicePteLayout.DEVICE_PFN_BASE) {
            return DevicePteLayout.devicePrivatePage(pfn, write, !localDevicePfn.test(pfn));
        }
        return DevicePteLayout.systemPage(pfn, write);
    }
}

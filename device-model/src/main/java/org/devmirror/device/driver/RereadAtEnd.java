package org.devmirror.device.driver;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SHIFT;

import java.util.function.LongPredicate;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Host;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * The mirror's classic mmu notifier: it carries out {@link MirrorActions#rereadAtEnd} and
 * {@link MirrorActions#softDirtyAtEnd} requests in {@code invalidate_range_end}, once the host has
 * changed the CPU PTEs (the kernel-doc of PROTECTION_PAGE: the mirror must read the CPU page table,
 * in end; that of SOFT_DIRTY: it should soft dirty the page in the end callback), and it learns of
 * the address space's release. Its {@code invalidate_range_start}, which the host calls after every
 * interval callback of an invalidation, issues the TLB flush the mirror's callbacks batched
 * ({@link MirrorActions#flushBatched}).
 *
 * <p>A soft-dirty request marks, in the CPU page table, every page of the range the device can
 * write without a CPU fault: a writable device entry, an ATOMIC one (exclusive access), or an
 * entry naming a device-private page (the device writes its own memory with no CPU path at all). See
 * {@link org.devmirror.mm.AddressSpace#markSoftDirty}.
 *
 * <p>Per device PTE still present in a queued range (read a 2 MiB block at a time, see
 * {@link #reread}): if the CPU entry no longer maps the same page
 * readably the device PTE is zapped; if it does, the (already downgraded) device PTE stays, and
 * regains WRITE when the CPU grants it and no invalidation is in flight (an in-flight one may be
 * about to take write away, and its callback may already have run).
 *
 * <h2>Assumptions and Guarantees</h2>
 * A request is queued by the interval callback on the host thread that raised the range, and
 * carried out by the end callback of that same range on that same thread. Only existing device
 * PTEs are changed: a PTE another invalidation has zapped in between stays zapped. Requests of one
 * kind for one range on one thread merge into their hull (the tracked ranges an invalidation
 * reaches come in ascending order), which re-reads or marks at most pages the same invalidation
 * reached through another tracked range of this mirror, with the same policy: the same decision.
 * The queue is bounded; {@link #queue} returns false when it is full and the caller falls back to
 * something safe. Allocation free.
 *
 * <h2>Locking</h2>
 * The queue is guarded by the driver lock. {@link #pending} is written under it and read without it
 * in {@link #invalidateRangeEnd} as a hint: the thread that queued a request reads its own write.
 */
final class RereadAtEnd implements MmuNotifier {
    private static final int CAPACITY = 64;
    /** Request kind: re-read the device PTEs from the CPU PTEs. */
    static final int REREAD = 0;
    /** Request kind: mark soft-dirty the pages the device can write without the CPU. */
    static final int SOFT_DIRTY = 1;

    /** The first bit above the CPU PTE's PFN field: a device entry with any bit from here differs. */
    private static final int CPU_PFN_END = Long.SIZE - Long.numberOfLeadingZeros(PteLayout.PFN_MASK);

    static {
        // rereadPtes compares the CPU and device PFNs in place and moves WRITE across as is.
        if (PteLayout.PFN_SHIFT != DevicePteLayout.PFN_SHIFT || PteLayout.WRITE != DevicePteLayout.WRITE) {
            throw new AssertionError("the CPU and device PTE layouts keep the PFN or WRITE at different bits");
        }
    }

    /** Device entry bits that let the device write the page without the CPU. */
    private static final long CAN_WRITE =
            DevicePteLayout.WRITE | DevicePteLayout.ATOMIC | DevicePteLayout.DEVICE_PRIVATE;

    private final MirrorState driver;
    // Guarded by the driver lock; entries [0, pending).
    private final long[] rangeStart = new long[CAPACITY];
    private final long[] rangeEnd = new long[CAPACITY];
    private final long[] from = new long[CAPACITY];
    private final long[] to = new long[CAPACITY];
    private final Thread[] thread = new Thread[CAPACITY];
    private final int[] kind = new int[CAPACITY];
    /** The event ordinal the work is counted under. */
    private final int[] event = new int[CAPACITY];
    /** The device entries of the 2 MiB block being re-read; scratch guarded by the driver lock. */
    private final long[] deviceBlock = new long[DevicePteLayout.HUGE_PAGES];
    /** The CPU entries of the same block; scratch guarded by the driver lock. */
    private final long[] cpuBlock = new long[DevicePteLayout.HUGE_PAGES];
    /** Device entries examined by the re-read in progress; guarded by the driver lock. */
    private long examined;
    /** Device entries it zapped; guarded by the driver lock. */
    private long zapped;
    /** Requests queued; written under the driver lock, volatile so end() may test it first. */
    private volatile int pending;

    RereadAtEnd(MirrorState driver) {
        this.driver = driver;
    }

    /**
     * Queues work {@code k} ({@link #REREAD} or {@link #SOFT_DIRTY}) on {@code [f, t)} for the end of
     * the range {@code [rs, re)}, counted under event {@code ev}; caller holds the lock.
     *
     * @return false if the queue is full (nothing queued)
     */
    boolean queue(int k, int ev, long rs, long re, long f, long t) {
        int n = pending;
        Thread self = Thread.currentThread();
        for (int i = 0; i < n; i++) {
            if (thread[i] == self && kind[i] == k && rangeStart[i] == rs && rangeEnd[i] == re) {
                from[i] = Math.min(from[i], f); // the hull: see the class comment
                to[i] = Math.max(to[i], t);
                return true;
            }
        }
        if (n == CAPACITY) {
            return false;
        }
        rangeStart[n] = rs;
        rangeEnd[n] = re;
        from[n] = f;
        to[n] = t;
        thread[n] = self;
        kind[n] = k;
        event[n] = ev;
        pending = n + 1; // volatile write: the plain stores above are visible to a reader that sees it
        return true;
    }

    @Override
    public boolean invalidateRangeStart(MmuNotifierRange range) {
        driver.flushTlbBatch(range); // after every interval callback of the range: the batched TLB flush
        return true; // the rest of the work is at start in the interval callback, or here at end
    }

    @Override
    public void invalidateRangeEnd(MmuNotifierRange range) {
        boolean softDirty = DeviceWriteLog.ENABLED && range.event() == MmuNotifierEvent.SOFT_DIRTY;
        boolean zap = DeviceWriteLog.ENABLED
                && range.isBlockable()
                && (range.event() == MmuNotifierEvent.CLEAR || range.event() == MmuNotifierEvent.UNMAP);
        if (pending == 0 && !softDirty && !zap) {
            return;
        }
        Thread self = Thread.currentThread();
        driver.lock().lock();
        try {
            if (softDirty) {
                // The oracle's shadow starts again where clear_refs cleared the bits.
                driver.writeLog().clear(range.start(), range.end());
            } else if (zap) {
                // Pages whose CPU entry the host emptied lost their soft-dirty bit with it.
                driver.writeLog()
                        .forgetZapped(range.start(), range.end(), driver.mm().pageTable());
            }
            for (int i = pending - 1; i >= 0; i--) {
                if (thread[i] == self && rangeStart[i] == range.start() && rangeEnd[i] == range.end()) {
                    if (kind[i] == SOFT_DIRTY) {
                        markSoftDirty(from[i], to[i], event[i]);
                    } else {
                        reread(from[i], to[i], event[i]);
                    }
                    int last = pending - 1;
                    rangeStart[i] = rangeStart[last];
                    rangeEnd[i] = rangeEnd[last];
                    from[i] = from[last];
                    to[i] = to[last];
                    thread[i] = thread[last];
                    kind[i] = kind[last];
                    event[i] = event[last];
                    thread[last] = null;
                    pending = last;
                }
            }
        } finally {
            driver.lock().unlock();
        }
    }

    /**
     * Decides the {@code n} 4 KiB device entries in {@link #deviceBlock} (from page {@code va})
     * against the CPU entries in {@link #cpuBlock}, in place: 0 where the device must let go,
     * WRITE added where the CPU grants it and {@code quiet}. Counts into {@link #examined} and
     * {@link #zapped}.
     *
     * <p>The common case is that every device entry present has a readable 4 KiB CPU PTE of the
     * same frame. A first loop checks that (and counts the entries); if it holds, a second adds
     * WRITE where the CPU PTE has it; otherwise {@link #rereadSlow} decides every entry with the
     * general test of {@link CpuMapping}. The two loops are kept this small on purpose: C2's
     * superword vectorises a counted loop over arrays only if the unrolled body stays under its
     * unrolling budget, and one loop doing both the check and the update, which fits when
     * compiled alone, stayed scalar (about 1.5 ns an entry, 3-5x slower) once inlined into the
     * end callback on JDK 25. Both loops rely on the CPU and device PTE layouts keeping the PFN at
     * bit 12 and WRITE at bit 1 (checked when the class loads): the PFNs are compared in place,
     * and a device PFN bit above the CPU's 40 (or a reserved bit) counts as a mismatch.
     *
     * @return whether any entry changed
     */
    private boolean rereadPtes(long va, int n, boolean quiet) {
        long[] device = deviceBlock;
        long[] cpu = cpuBlock;
        long uncommon = 0;
        long present = 0;
        for (int i = 0; i < n; i++) {
            long d = device[i];
            long c = cpu[i];
            long mapped = (d | -d) >> 63; // -1 for a device entry, 0 for none
            uncommon |= (((c & (PteLayout.PRESENT | PteLayout.READ | PteLayout.HUGE))
                                    ^ (PteLayout.PRESENT | PteLayout.READ))
                            | ((c ^ d) & PteLayout.PFN_MASK)
                            | (d >>> CPU_PFN_END))
                    & mapped;
            present += mapped & 1;
        }
        examined += present;
        if (uncommon != 0) {
            return rereadSlow(va, n, quiet);
        }
        long grant = quiet ? PteLayout.WRITE : 0; // the same bit as DevicePteLayout.WRITE
        long changed = 0;
        for (int i = 0; i < n; i++) {
            long d = device[i];
            long updated = d | (cpu[i] & grant & ((d | -d) >> 63));
            changed |= updated ^ d;
            device[i] = updated;
        }
        return changed != 0;
    }

    /** {@link #rereadPtes} entry by entry, for a block where some entry is not the common case. */
    private boolean rereadSlow(long va, int n, boolean quiet) {
        boolean changed = false;
        for (int i = 0; i < n; i++) {
            long d = deviceBlock[i];
            if (d == 0) {
                continue;
            }
            long c = cpuBlock[i];
            long page = va + ((long) i << PAGE_SHIFT);
            boolean same = !PteLayout.isDeviceExclusive(c)
                    && CpuMapping.pageAt(c, page) == DevicePteLayout.pfn(d)
                    && !(DevicePteLayout.isDevicePrivate(d) && vmaDeniesRead(page));
            if (!same) {
                deviceBlock[i] = 0;
                zapped++;
                changed = true;
            } else if (quiet && CpuMapping.grantsWrite(c) && !DevicePteLayout.isWrite(d)) {
                deviceBlock[i] = d | DevicePteLayout.WRITE;
                changed = true;
            }
        }
        return changed;
    }

    /**
     * Whether the VMA at {@code va} no longer allows reading (mprotect(PROT_NONE), or no VMA). A
     * device-private CPU entry keeps its page through such an mprotect, so only the VMA tells that
     * the device must let go. Read only when the host thread holds the mmap lock (every event
     * that changes a VMA's protection does); otherwise the VMA cannot have changed.
     */
    private boolean vmaDeniesRead(long va) {
        AddressSpace mm = driver.mm();
        if (!mm.isMmapLocked()) {
            return false;
        }
        Vma vma = mm.findVma(va);
        return vma == null || (vma.prot() & Prot.READ) == 0;
    }

    @Override
    public void release(Object mm) {
        driver.markReleased();
    }

    /**
     * Re-reads [start, end) one 2 MiB block at a time, as {@code hmm_vma_walk_pmd} reads one CPU
     * PTE table per block: the device entries of the block in one {@link DevicePageTable#getBlock},
     * the CPU entries in one {@link CpuPageTable#getBlock}, the decision per entry in a loop over
     * the two arrays, and one {@link DevicePageTable#setBlock} if any entry changed (a zapped entry
     * written as 0, which frees a PTE table left empty as a zap does).
     *
     * <p>The TLB is flushed only if an entry was zapped. Giving WRITE back needs no flush: the
     * device TLB may still cache the read-only entry the downgrade left, and a device write
     * through it takes a permission fault, on which the device drops that translation and walks
     * the page table again ({@link MirrorState#retranslate}), finding the writable entry. The
     * kernel treats permission upgrades the same way: x86's {@code ptep_set_access_flags} (the
     * write-fault path of {@code do_wp_page}'s reuse) and {@code mprotect}'s
     * {@code change_protection} when it only adds permissions flush nothing that the upgrade
     * needs, relying on the faulting access to re-walk ({@code flush_tlb_fix_spurious_fault} is a
     * no-op on x86, since a page fault drops the faulting address's TLB entry); GPU drivers flush
     * their TLBs when PTEs are invalidated or lose permissions, not when they gain them (nouveau's
     * and Xe's SVM code flush from the notifier's zap and on unbind). A stale read-only entry
     * allows less than the page table, never more, so it cannot let the device write what the
     * CPU protects; the downgrade's flush at the start, which takes WRITE away, stays.
     */
    private void reread(long start, long end, int ev) {
        DevicePageTable pt = driver.pageTable();
        CpuPageTable cpu = driver.mm().pageTable();
        // Even = no invalidation in flight on this address space: nobody is about to take write
        // away. getAcquire in sequence() pairs with the subscriptions' setRelease.
        boolean quiet = (driver.mm().notifiers().sequence() & 1) == 0;
        examined = 0;
        zapped = 0;
        long va = pt.nextPopulated(start, end);
        while (va < end) {
            long leaf = va & -HUGE_SIZE;
            long blockEnd = Math.min(end, leaf + HUGE_SIZE);
            int n = (int) ((blockEnd - va) >>> PAGE_SHIFT);
            pt.getBlock(va, deviceBlock, 0, n);
            long dev = deviceBlock[0];
            if (DevicePteLayout.isHuge(dev)) {
                long c = cpu.get(leaf);
                boolean same = PteLayout.isHuge(c)
                        && !PteLayout.isDeviceExclusive(c)
                        && CpuMapping.pageAt(c, leaf) == DevicePteLayout.pfn(dev)
                        && !(DevicePteLayout.isDevicePrivate(dev) && vmaDeniesRead(leaf));
                if (!same) {
                    zapped += pt.zap(leaf, leaf + HUGE_SIZE);
                } else if (quiet && CpuMapping.grantsWrite(c) && !DevicePteLayout.isWrite(dev)) {
                    pt.setHuge(leaf, dev | DevicePteLayout.WRITE);
                }
                examined += DevicePteLayout.HUGE_PAGES;
            } else {
                cpu.getBlock(va, cpuBlock, 0, n);
                if (rereadPtes(va, n, quiet)) {
                    pt.setBlock(va, deviceBlock, 0, n);
                }
            }
            va = blockEnd < end ? pt.nextPopulated(blockEnd, end) : end;
        }
        driver.stats().addReread(ev, examined);
        driver.stats().addZapped(ev, zapped);
        if (zapped != 0) {
            driver.tlb().flushRange(start, end);
            driver.stats().addTlbFlush(ev);
        }
    }

    /**
     * Marks soft-dirty, in the CPU page table, each page of [start, end) whose device entry is
     * writable or names a device-private page, one 2 MiB block at a time: the device entries of the
     * block in one {@link DevicePageTable#getBlock}, its write bits ({@code CAN_WRITE}) as the selection, and one
     * {@link org.devmirror.mm.AddressSpace#markSoftDirty} (which reads the CPU entries into
     * {@link #cpuBlock}) per block that selects any page.
     * Counts the device entries examined as re-read under {@code ev}.
     */
    private void markSoftDirty(long start, long end, int ev) {
        DevicePageTable pt = driver.pageTable();
        long seen = 0;
        // The 2 MiB tracked chunk at the top of the address space reaches one page past
        // TASK_SIZE, where nothing is ever mapped: stop there, as the host's range check does.
        end = Math.min(end, Host.TASK_SIZE);
        // Pages of this device's own memory are marked even where the device maps nothing now: a
        // device fault maps them again without faulting the CPU, so a zap does not stop the
        // device writing them. Skipped while the device has no memory in use (the usual case,
        // and every benchmark's): the CPU page table is then not searched at all. The count is
        // read without the device lock; a device page mapped here was allocated before the
        // migration that mapped it released the mmap lock this thread now holds.
        LongPredicate own = driver.hasLocalPages() ? driver.localDevicePfn() : null;
        CpuPageTable cpu = own == null ? null : driver.mm().pageTable();
        long va = nextPopulated(pt, cpu, start, end);
        while (va < end) {
            long leaf = va & -HUGE_SIZE;
            long blockEnd = Math.min(end, leaf + HUGE_SIZE);
            int n = (int) ((blockEnd - va) >>> PAGE_SHIFT);
            pt.getBlock(va, deviceBlock, 0, n);
            // The device entries are the selection (markSoftDirty tests their write bits): one
            // small reduction over the block, which C2 vectorises.
            long any = 0;
            for (int i = 0; i < n; i++) {
                long d = deviceBlock[i];
                any |= d & CAN_WRITE;
                seen += (d | -d) >>> 63;
            }
            if (any != 0 || own != null) {
                driver.mm().markSoftDirty(va, deviceBlock, CAN_WRITE, cpuBlock, n, own);
            }
            va = blockEnd < end ? nextPopulated(pt, cpu, blockEnd, end) : end;
        }
        driver.stats().addReread(ev, seen);
    }

    /** The first address in {@code [from, end)} populated in the device table, or in the CPU table if given. */
    private static long nextPopulated(DevicePageTable pt, CpuPageTable cpu, long from, long end) {
        long device = pt.nextPopulated(from, end);
        return cpu == null ? device : Math.min(device, cpu.nextPopulated(from, end));
    }
}

package org.devmirror.device.driver;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;

import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * The mirror's {@link MirrorActions}: armed by {@link MirrorState#invalidate} around one policy
 * call, counting everything the policy does in the mirror's {@code DeviceStats} under the event
 * being handled.
 *
 * <h2>Locking</h2>
 * Every field is guarded by the driver lock; every action checks the lock is held by the caller
 * and that an invalidation is being handled.
 */
final class DeviceActions implements MirrorActions {
    private final MirrorState driver;
    // Guarded by the driver lock; set by begin(), cleared by end().
    private boolean active;
    private int event;
    private MmuNotifierRange range;
    /** The part of the range this policy call may act on. */
    private long from;

    private long to;
    /** The tracked range's bounds: zap and flush may act anywhere inside them. */
    private long trackedStart;

    private long trackedEnd;
    /** PTEs zapped, downgraded or re-read during this call (for the JFR event). */
    private long touched;
    /** PTEs zapped or downgraded since this call's last TLB flush: whether a flush now changes anything. */
    private long changedSinceFlush;
    /** The span of those changes, for flushChanged; empty when changedLo >= changedHi. */
    private long changedLo;

    private long changedHi;
    /**
     * The device's TLB batch ({@link #flushBatched}): the span of every PTE changed by callbacks of
     * this device whose flush is still owed, empty when {@code batchLo >= batchHi}. Unlike the
     * fields above it outlives one callback: it is emptied by the flush that issues it.
     */
    private long batchLo = Long.MAX_VALUE;

    private long batchHi = Long.MIN_VALUE;
    /** The event the batch's flush is counted under: that of the callback that opened the batch. */
    private int batchEvent;
    /**
     * Whether a batch is owed; written under the driver lock, read without it by
     * {@link MirrorState#flushTlbBatch} as a hint (the thread that deferred a flush reads its own
     * write; another thread's batch is that thread's to issue).
     */
    private volatile boolean batchOwed;

    DeviceActions(MirrorState driver) {
        this.driver = driver;
    }

    void begin(int event, MmuNotifierRange range, long from, long to, long trackedStart, long trackedEnd) {
        this.event = event;
        this.range = range;
        this.from = from;
        this.to = to;
        this.trackedStart = trackedStart;
        this.trackedEnd = trackedEnd;
        this.touched = 0;
        this.changedSinceFlush = 0;
        this.changedLo = Long.MAX_VALUE;
        this.changedHi = Long.MIN_VALUE;
        this.active = true;
    }

    /** Disarms; returns the PTEs touched. */
    long end() {
        active = false;
        range = null;
        return touched;
    }

    @Override
    public long zap(long start, long end) {
        checkTracked(start, end);
        long n = driver.pageTable().zap(start, end);
        driver.stats().addZapped(event, n);
        changed(start, end, n);
        return n;
    }

    /** Records {@code n} PTEs changed in {@code [start, end)}: counted, and owed a TLB flush. */
    private void changed(long start, long end, long n) {
        touched += n;
        changedSinceFlush += n;
        if (n != 0) {
            changedLo = Math.min(changedLo, start);
            changedHi = Math.max(changedHi, end);
        }
    }

    /**
     * One ranged TLB invalidation of the range, issued and counted only when device PTEs changed
     * since this callback's last flush: the TLB caches only translations the page table holds
     * (every path that removes or downgrades an entry flushes it), so when nothing changed there is
     * nothing the TLB could still translate wrongly, and a driver issues no invalidation (Xe's
     * {@code tile_present}/{@code tile_invalidated} check in {@code xe_svm_invalidate}, KVM's
     * {@code if (flush)} in {@code kvm_handle_hva_range}).
     */
    @Override
    public long flushTlb(long start, long end) {
        checkTracked(start, end);
        if (changedSinceFlush == 0) {
            return 0;
        }
        long dropped = driver.tlb().flushRange(start, end);
        driver.stats().addTlbFlush(event);
        clearChanged();
        return dropped;
    }

    private void clearChanged() {
        changedSinceFlush = 0;
        changedLo = Long.MAX_VALUE;
        changedHi = Long.MIN_VALUE;
    }

    @Override
    public long flushChanged() {
        checkTracked(from, to);
        return changedLo < changedHi ? flushTlb(changedLo, changedHi) : 0;
    }

    /**
     * Moves what this callback changed since its last flush into the device's batch, and issues the
     * batch now if no later callback of this device can follow for this invalidation: the range
     * ends inside this tracked range (the dispatch calls a device's tracked ranges in ascending
     * order and they do not overlap, so none follows), or the range is non-blockable or RELEASE
     * (no {@code invalidate_range_start} of the classic notifier follows for certain: a
     * non-blockable start can be refused, RELEASE comes through {@code mn_itree_release}), or the
     * address space is already released. Otherwise the batch waits for
     * {@link MirrorState#flushTlbBatch}, which the host calls after every interval callback of
     * the invalidation and before it changes a PTE.
     */
    @Override
    public long flushBatched() {
        checkTracked(from, to);
        if (changedLo < changedHi) {
            if (batchLo >= batchHi) {
                batchEvent = event;
            }
            batchLo = Math.min(batchLo, changedLo);
            batchHi = Math.max(batchHi, changedHi);
            clearChanged();
        }
        if (batchLo >= batchHi) {
            return 0;
        }
        boolean lastCallback = Long.compareUnsigned(range.end(), trackedEnd) <= 0
                || !range.isBlockable()
                || range.event() == MmuNotifierEvent.RELEASE
                || driver.isReleased();
        if (!lastCallback) {
            if (!batchOwed) {
                batchOwed = true; // a volatile write once per batch, not once per callback
            }
            return 0;
        }
        return issueBatch();
    }

    /** Whether a batched flush may be owed (a hint, read without the lock). */
    boolean batchOwed() {
        return batchOwed;
    }

    /**
     * Issues the owed batch as one ranged TLB invalidation over its span, counted under the event
     * that opened it; nothing when none is owed. Caller holds the driver lock.
     *
     * @return the TLB entries dropped
     */
    long issueBatch() {
        if (batchLo >= batchHi) {
            return 0;
        }
        long lo = batchLo;
        long hi = batchHi;
        batchLo = Long.MAX_VALUE;
        batchHi = Long.MIN_VALUE;
        batchOwed = false;
        long dropped = driver.tlb().flushRange(lo, hi);
        driver.stats().addTlbFlush(batchEvent);
        return dropped;
    }

    @Override
    public long nextMapped(long start, long end) {
        checkTracked(start, end);
        long va = driver.pageTable().nextPopulated(start, end);
        return Math.min(va, end);
    }

    @Override
    public void evictQueues(long start, long end) {
        check(start, end);
        driver.evictQueues(start, end);
    }

    @Override
    public long downgrade(long start, long end) {
        check(start, end);
        zapAtomicEntries(start, end);
        long n = driver.pageTable().protect(start, end, false);
        driver.stats().addDowngraded(event, n);
        changed(start, end, n);
        return n;
    }

    @Override
    public long zapAtomic(long start, long end) {
        check(start, end);
        return zapAtomicEntries(start, end);
    }

    /**
     * Zaps the ATOMIC entries of {@code [start, end)}; the caller checked the range. Exclusive
     * access is all or nothing: an ATOMIC grant is write access to a page the CPU holds as a
     * device-exclusive entry, and a read-only view of such a page is no state the CPU ever grants.
     * A downgrade therefore zaps ATOMIC entries (the device refaults, which restores the CPU's
     * page) instead of leaving them read-only.
     */
    private long zapAtomicEntries(long start, long end) {
        if (!driver.mayHoldAtomic()) {
            return 0;
        }
        DevicePageTable pt = driver.pageTable();
        long zapped = 0;
        for (long va = pt.nextPopulated(start, end); va < end; ) {
            if (DevicePteLayout.isAtomic(pt.get(va))) {
                zapped += zap(va, va + PAGE_SIZE);
            }
            va = va + PAGE_SIZE < end ? pt.nextPopulated(va + PAGE_SIZE, end) : end;
        }
        return zapped;
    }

    @Override
    public int vmaProt(long addr) {
        check(addr & -PAGE_SIZE, (addr & -PAGE_SIZE) + PAGE_SIZE);
        // The host thread raising the invalidation holds the mmap lock for every event that
        // changes VMAs; where it does not (a reverse-map walk), answer conservatively.
        if (!driver.mm().isMmapLocked()) {
            return Prot.NONE;
        }
        Vma vma = driver.mm().findVma(addr);
        return vma == null ? Prot.NONE : vma.prot();
    }

    @Override
    public void rereadAtEnd(long start, long end) {
        check(start, end);
        if (!driver.reread().queue(RereadAtEnd.REREAD, event, range.start(), range.end(), start, end)) {
            zap(start, end); // no room to remember it: zapping is always safe
            flushTlb(start, end);
        }
    }

    @Override
    public void softDirtyAtEnd(long start, long end) {
        check(start, end);
        if (!driver.reread().queue(RereadAtEnd.SOFT_DIRTY, event, range.start(), range.end(), start, end)) {
            // No room: take write away so the next device write to a system page faults through
            // the CPU, which sets soft-dirty. Device-private pages stay unmarked (see the contract).
            downgrade(start, end);
            flushTlb(start, end);
        }
    }

    @Override
    public void dropTracking(TrackedRange tracked, long start, long end) {
        check(start, end);
        if (tracked == null || start < tracked.start || end > tracked.end) {
            throw new IllegalArgumentException("tracked=" + tracked + " does not contain [0x" + Long.toHexString(start)
                    + ", 0x" + Long.toHexString(end) + ")");
        }
        driver.dropTracking(tracked, start, end);
    }

    @Override
    public void skip() {
        check(from, to);
        driver.stats().addSkipped(event);
    }

    @Override
    public Object owner() {
        return driver.owner();
    }

    private void check(long start, long end) {
        checkWithin(start, end, from, to, "the invalidated");
    }

    /** For the verbs that may act on the whole tracked range: zap, flush, nextMapped. */
    private void checkTracked(long start, long end) {
        checkWithin(start, end, trackedStart, trackedEnd, "the tracked");
    }

    private void checkWithin(long start, long end, long lo, long hi, String what) {
        if (!driver.lock().isHeldByCurrentThread() || !active) {
            throw new IllegalStateException("mirror actions are only valid inside InvalidationPolicy.invalidate");
        }
        if (start < lo || end > hi || start >= end || ((start | end) & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end)
                    + ") is not a page-aligned part of " + what + " [0x" + Long.toHexString(lo) + ", 0x"
                    + Long.toHexString(hi) + ")");
        }
    }
}

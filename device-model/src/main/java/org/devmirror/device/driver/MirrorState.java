package org.devmirror.device.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.pagetable.OffHeapDevicePageTable;
import org.devmirror.device.pagetable.OnHeapDevicePageTable;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.device.stats.InvalidationJfrEvent;
import org.devmirror.device.tlb.DeviceTlb;
import org.devmirror.hmm.HmmPfn;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.devmirror.notifier.UserLock;

/**
 * The driver half of {@code struct dmirror} (lib/test_hmm.c), with drm_gpusvm's tracked ranges:
 * the device page table, TLB, driver lock, tracked ranges, invalidation policy and statistics that
 * the device fault path and the invalidate callback share.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Device PTEs exist only inside live tracked ranges, and are written only under the driver
 *       lock after either {@code readRetry} said the range fault is current ({@link DeviceFault})
 *       or the caller re-checked the CPU PTE under the lock (migration, exclusive access).</li>
 *   <li>Every invalidation of a tracked range that the policy does not ignore
 *       ({@link InvalidationPolicy#ignores}) calls {@code setSeq} under the driver lock and then
 *       the policy, with {@link MirrorActions} armed for exactly the intersection; a non-blockable
 *       one is refused (returns false, counted) when the lock is contended, and never blocks. An
 *       ignored one takes no lock, leaves the sequence alone, is counted lock-free, and is never
 *       refused.</li>
 *   <li>The invalidation dispatch, every action the shipped policies take over a populated range
 *       (except splitting a range on partial unmap while no pooled range is free), and a fault over
 *       populated pages allocate nothing; the JFR event is created only while a recording enables
 *       it.</li>
 *   <li>After the address space's release (RELEASE, or the classic release at exit) faults return
 *       EFAULT and nothing is tracked any more once the garbage collector has run.</li>
 *   <li>No interval notifier is inserted or removed inside an invalidation callback: UNMAP and
 *       RELEASE only mark the tracked range ({@link MirrorActions#dropTracking}), and
 *       {@link #collectGarbage()} splits or removes it outside the invalidation.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * Lock order: fault lock → mmap lock → gc lock → driver lock → (notifier subscriptions' internal
 * lock, device memory lock). The driver lock ({@link #lock()}, test_hmm's {@code dmirror->mutex})
 * guards the page table, TLB, tracked-range set, statistics and the armed actions. It is never held
 * while calling into the host, except {@code findVma} and the CPU page-table reads done by the
 * policy and the re-read, which take no lock the host holds across an invalidation.
 */
@SuppressWarnings(
        "EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices
// never leave the process
public final class MirrorState implements AutoCloseable {
    private static final int RELEASE = MmuNotifierEvent.RELEASE.ordinal();

    private final AddressSpace mm;
    private final Object owner;
    private final int id;
    private final MirrorOptions options;
    /** The invalidation policy (options.policy()); asked before the lock whether it ignores a range. */
    private final InvalidationPolicy policy;

    private final UserLock lock;
    private final ReentrantLock faultLock = new ReentrantLock();
    /**
     * Serialises the garbage collector. Taken after the fault lock and the mmap lock, if held, and
     * before the driver lock; never held by an invalidation callback.
     */
    private final ReentrantLock gcLock = new ReentrantLock();

    private final DevicePageTable pt;
    private final DeviceTlb tlb;
    private final DeviceStats stats = new DeviceStats();
    private final TrackedRanges ranges = new TrackedRanges();
    private final DeviceActions actions = new DeviceActions(this);
    private final RereadAtEnd reread = new RereadAtEnd(this);
    /** True for the device-private PFNs of this mirror's device. */
    private final LongPredicate localDevicePfn;
    /** Pages of this mirror's device memory in use now. */
    private final LongSupplier localPagesInUse;
    /** The oracle's shadow of device writes since the last clear_refs; guarded by the driver lock. */
    private final DeviceWriteLog writeLog = new DeviceWriteLog();
    /** The collector's scratch: kept pieces of one unmapped range; guarded by the gc lock. */
    private final FaultCommit commit;

    private final DeviceFault fault;
    /** Set once the address space is released; volatile so faults see it without the lock. */
    private volatile boolean released;
    /** Set by close() under the lock; volatile so an ignored invalidation can test it without the lock. */
    private volatile boolean closed;
    /** The selection "this one page" for {@code AddressSpace.markSoftDirty}; never written. */
    private static final long[] ONE_PAGE = {1};
    /** markSoftDirty's scratch for one page; guarded by the driver lock. */
    private final long[] atomicScratch = new long[1];
    /** markSoftDirty's scratch for one fault unit (at most one 2 MiB block); guarded by the driver lock. */
    private final long[] commitScratch = new long[DevicePteLayout.HUGE_PAGES];
    /** ATOMIC entries ever installed; zero lets a downgrade skip looking for them. Guarded by the lock. */
    private long atomicGrants;
    /** The evicted ranges while the queues are stopped ({@link MirrorActions#evictQueues}). */
    private final QueueEviction eviction = new QueueEviction();

    /**
     * Creates the driver state of a mirror of {@code mm} and registers its classic notifier.
     *
     * @param mm             the address space mirrored
     * @param owner          the device's pagemap owner ({@code dev_private_owner}, MIGRATE owner)
     * @param localDevicePfn true for device-private PFNs of this device
     * @param localPagesInUse pages of this device's memory in use now (0 lets soft-dirty marking
     *                       skip the search for them)
     * @param options        policy, chunk, table, TLB and timeout
     * @param id             a small number for statistics and JFR events
     */
    public MirrorState(
            AddressSpace mm,
            Object owner,
            LongPredicate localDevicePfn,
            LongSupplier localPagesInUse,
            MirrorOptions options,
            int id) {
        if (mm == null || owner == null || localDevicePfn == null || localPagesInUse == null || options == null) {
            throw new IllegalArgumentException("mm=" + mm + ", owner=" + owner + ", localDevicePfn=" + localDevicePfn
                    + ", localPagesInUse=" + localPagesInUse + ", options=" + options + ": none may be null");
        }
        this.localDevicePfn = localDevicePfn;
        this.localPagesInUse = localPagesInUse;
        this.mm = mm;
        this.owner = owner;
        this.id = id;
        this.options = options;
        this.policy = options.policy();
        this.lock = new UserLock("mirror " + id + " driver lock");
        this.pt = options.offHeapTable() ? new OffHeapDevicePageTable(lock) : new OnHeapDevicePageTable(lock);
        this.tlb = new DeviceTlb(options.tlbSets(), options.tlbWays());
        this.commit = new FaultCommit(pt, tlb, localDevicePfn);
        this.fault = new DeviceFault(this, commit, TimeUnit.MILLISECONDS.toNanos(options.faultTimeoutMillis()));
        mm.notifiers().register(reread);
    }

    // ------------------------------------------------------------------ accessors

    /** The address space mirrored. */
    public AddressSpace mm() {
        return mm;
    }

    /** The device's pagemap owner. */
    public Object owner() {
        return owner;
    }

    /** The mirror's id. */
    public int id() {
        return id;
    }

    /** The options the mirror was built with. */
    public MirrorOptions options() {
        return options;
    }

    /** The invalidation policy. */
    public InvalidationPolicy policy() {
        return options.policy();
    }

    /** Bytes per tracked chunk. */
    public long trackChunk() {
        return options.trackChunk();
    }

    /** The driver lock ({@code dmirror->mutex}), the user lock of every tracked range's notifier. */
    public UserLock lock() {
        return lock;
    }

    /** Serialises device faults (they share the fault buffers). */
    ReentrantLock faultLock() {
        return faultLock;
    }

    /** The device page table (write it only under the driver lock). */
    public DevicePageTable pageTable() {
        return pt;
    }

    /** The device TLB (use it only under the driver lock). */
    public DeviceTlb tlb() {
        return tlb;
    }

    /** The statistics. */
    public DeviceStats stats() {
        return stats;
    }

    /** The fault path. */
    public DeviceFault faultPath() {
        return fault;
    }

    /** True for the device-private PFNs of this mirror's device. */
    LongPredicate localDevicePfn() {
        return localDevicePfn;
    }

    /** Whether this mirror's device has any of its memory in use (a hint: read without a lock). */
    boolean hasLocalPages() {
        return localPagesInUse.getAsLong() != 0;
    }

    RereadAtEnd reread() {
        return reread;
    }

    /** The pages the device wrote since the last clear_refs, for the oracle (use under the driver lock). */
    public DeviceWriteLog writeLog() {
        return writeLog;
    }

    /**
     * Installs an ATOMIC entry (exclusive access for device atomics) at {@code va}; caller holds
     * the driver lock.
     */
    public void mapAtomic(long va, long entry) {
        checkLocked();
        pt.set(va, entry);
        tlb.flushRange(va, va + DevicePteLayout.PAGE_SIZE);
        atomicGrants++;
        // The device takes exclusive access to write the page atomically, with no CPU fault to
        // come: the page must read soft-dirty from now on (the kernel-doc of MMU_NOTIFY_SOFT_DIRTY
        // on pages "written through non CPU mappings").
        mm.markSoftDirty(va & -DevicePteLayout.PAGE_SIZE, ONE_PAGE, atomicScratch, 1);
    }

    /**
     * Marks soft-dirty, in the CPU page table, every page of {@code [start, end)} (inside one 2 MiB
     * block) that {@code pfns}, a range fault's output for it, reports writable; caller holds the
     * driver lock. For a fault that mapped pages of this device's own memory writable: the device
     * writes them with no CPU path, and clear_refs may have cleared their bits while no tracked
     * range of this mirror covered them, so no end callback marked them. The system pages the same
     * output reports writable are soft-dirty already unless soft-dirty tracking lost them
     * ({@code remove_migration_pte} of a cleaned writable device-private entry): marking them too
     * costs nothing more than the read of the block, and mends that.
     */
    void markWritableSoftDirty(long start, long end, long[] pfns) {
        checkLocked();
        int n = (int) ((end - start) >>> DevicePteLayout.PAGE_SHIFT);
        mm.markSoftDirty(start, pfns, HmmPfn.WRITE, commitScratch, n, null);
    }

    /** Whether this mirror has ever held an ATOMIC entry (under the driver lock). */
    boolean mayHoldAtomic() {
        return atomicGrants != 0;
    }

    /** Whether the address space has been released (exit). */
    public boolean isReleased() {
        return released;
    }

    void markReleased() {
        released = true;
    }

    // ------------------------------------------------------------------ fault path

    /**
     * Faults {@code [start, end)} in; see {@link DeviceFault#fault}. A device whose queues an
     * eviction stopped is restored first ({@link #restoreQueues()}).
     */
    public Errno fault(long start, long end, boolean write) {
        restoreQueues();
        return fault.fault(start, end, write);
    }

    // ------------------------------------------------------------------ queue eviction

    /**
     * {@link MirrorActions#evictQueues}: remembers {@code [start, end)} as evicted, counting a
     * queue eviction when it starts a burst. Caller holds the lock inside a callback.
     */
    void evictQueues(long start, long end) {
        checkLocked();
        if (eviction.add(start, end)) {
            stats.addQueueEviction();
        }
    }

    /**
     * Whether the device's queues are stopped by an eviction: it must run nothing until
     * {@link #restoreQueues()}. Read without the lock it may be stale; under it, exact.
     */
    public boolean queuesStopped() {
        return eviction.stopped();
    }

    /**
     * Whether {@code va} lies in a range evicted while the queues are stopped, where the device's
     * PTEs may be stale and are never used; caller holds the driver lock (the oracle).
     */
    public boolean isEvicted(long va) {
        checkLocked();
        return eviction.contains(va);
    }

    /**
     * The restore worker ({@code svm_range_restore_work}, amdkfd SVM with XNACK off): if an
     * eviction stopped the queues, re-validates every evicted range and restarts them. Under the
     * mmap read lock and the driver lock it takes the evicted ranges, notes each run of pages the
     * device held there (and whether to ask for write: the device held write and the VMA still
     * allows it; a current ATOMIC entry stays), and drops those PTEs and their TLB entries, uncounted (the kernel
     * overwrites them in place); then, outside the lock, it faults each run in again through
     * {@code hmm_range_fault}, counted as device faults and pages faulted, as
     * {@code svm_range_validate_and_map} does. A page the CPU no longer lets the device have
     * stays unmapped, and the device faults for it later. Caller holds no lock of this mirror or
     * its address space. Allocates only when a restore has more runs than any before it.
     */
    public void restoreQueues() {
        if (!eviction.stopped()) {
            return;
        }
        faultLock.lock(); // one restore at a time; it uses the fault path
        try {
            int runs;
            mm.mmapReadLock(); // the VMAs decide what access the re-fault asks for
            try {
                lock.lock();
                try {
                    if (!eviction.stopped()) {
                        return;
                    }
                    runs = eviction.takeRuns(pt, mm);
                    for (int i = 0; i < runs; i++) {
                        pt.zap(eviction.runStart(i), eviction.runEnd(i));
                        tlb.flushRange(eviction.runStart(i), eviction.runEnd(i));
                    }
                    eviction.clear();
                    stats.addQueueRestore();
                } finally {
                    lock.unlock();
                }
            } finally {
                mm.mmapReadUnlock();
            }
            for (int i = 0; i < runs; i++) {
                fault.fault(
                        eviction.runStart(i), eviction.runEnd(i), eviction.runWrite(i)); // a failed page stays unmapped
            }
        } finally {
            faultLock.unlock();
        }
    }

    /**
     * The device's translation of {@code va}: through the TLB, filling it from the page table on a
     * miss; 0 if none. Caller holds the driver lock.
     */
    public long translate(long va) {
        checkLocked();
        long e = tlb.lookup(va);
        return e != 0 ? e : walk(va);
    }

    /**
     * The device's translation of {@code va} after a permission fault on the cached one: the
     * device MMU drops the cached translation and walks the page table again, as an x86 page
     * fault drops the faulting address's TLB entry (which is why the kernel's
     * {@code flush_tlb_fix_spurious_fault} does nothing on x86). A cached entry may allow less
     * than the page table after a permission upgrade that was not flushed ({@code RereadAtEnd}
     * gives WRITE back without a flush); this walk finds the upgrade. 0 if none. Caller holds the
     * driver lock.
     */
    public long retranslate(long va) {
        checkLocked();
        return walk(va);
    }

    /** The page-table walk of a TLB miss: the entry of {@code va}, cached when there is one; caller holds the lock. */
    private long walk(long va) {
        long e = pt.get(va);
        if (e != 0) {
            tlb.fill(va, e);
        }
        return e;
    }

    /**
     * The live tracked range containing {@code [start, end)} (which must lie inside one chunk),
     * inserting one for the whole chunk, and merging the pieces of a chunk split by an earlier
     * unmap, when needed. Caller holds neither the driver lock nor the subscriptions' lock, and is
     * not inside an invalidation of this address space (a merge waits for the removal of the
     * pieces).
     *
     * @return the range, or {@code null} once the address space is released or the mirror closed
     */
    public TrackedRange ensureTracked(long start, long end) {
        return ensureTracked(start, end, null);
    }

    TrackedRange ensureTracked(long start, long end, DeviceFault cursor) {
        long chunk = options.trackChunk();
        long chunkStart = start & -chunk;
        long chunkEnd = chunkStart + chunk;
        if (end > chunkEnd || end <= start) {
            throw new IllegalArgumentException("[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end)
                    + ") is empty or crosses the tracking chunk boundary 0x" + Long.toHexString(chunkEnd));
        }
        // The steady state, one driver lock: nothing waits for the collector (it would find
        // nothing to do) and a range in the set covers the unit (find's last-hit cache).
        lock.lock();
        try {
            if (!released && !closed && !ranges.hasUnmapped()) {
                TrackedRange t = covering(start, end, cursor);
                if (t != null) {
                    return t;
                }
            }
        } finally {
            lock.unlock();
        }
        while (true) {
            // Xe's "always process UNMAPs first": split or remove what invalidations marked, so the
            // range found below is live and a merge never meets an unmapped piece.
            collectGarbage();
            TrackedRange fresh;
            lock.lock();
            try {
                if (released || closed) {
                    return null;
                }
                if (ranges.hasUnmapped()) {
                    continue; // marked after the collection above: collect again
                }
                TrackedRange t = covering(start, end, cursor);
                if (t != null) {
                    return t;
                }
                fresh = ranges.obtain(this);
                fresh.reset(chunkStart, chunkEnd);
            } finally {
                lock.unlock();
            }
            // mmu_interval_notifier_insert before the range is published: an invalidation between
            // the two reaches fresh (NEW) and, for UNMAP, kills it; then we start again.
            mm.notifiers().insert(fresh.notifier(), chunkStart, chunk);
            TrackedRange retired = null; // linked through nextRetired: no list allocated
            TrackedRange result = null;
            lock.lock();
            try {
                TrackedRange t = ranges.find(start);
                if (fresh.state == TrackedRange.NEW
                        && !released
                        && !closed
                        && !ranges.hasUnmapped()
                        && (t == null || t.end < end)) {
                    // Merge: the pieces an unmap left in this chunk give way to one range.
                    retired = ranges.mergeChunk(fresh, chunkStart, chunkEnd);
                    result = fresh;
                    if (cursor != null) {
                        cursor.generation = fresh.generation;
                    }
                } else {
                    fresh.state = TrackedRange.DEAD;
                    fresh.nextRetired = retired;
                    retired = fresh;
                }
            } finally {
                lock.unlock();
            }
            // Outside the lock: remove waits for an invalidation in flight, whose callback takes it.
            retireAll(retired);
            if (result != null) {
                return result;
            }
        }
    }

    /**
     * The range in the set covering {@code [start, end)}, its generation noted in {@code cursor};
     * or null. Caller holds the driver lock and has seen no range waiting for the collector, so
     * the range is live.
     */
    private TrackedRange covering(long start, long end, DeviceFault cursor) {
        TrackedRange t = ranges.find(start);
        if (t == null || t.end < end) {
            return null;
        }
        if (cursor != null) {
            cursor.generation = t.generation;
        }
        return t;
    }

    /** Whether {@code va} lies in a live tracked range. */
    public boolean isTracked(long va) {
        lock.lock();
        try {
            return ranges.find(va) != null;
        } finally {
            lock.unlock();
        }
    }

    /** The live tracked ranges as {@code [start0, end0, start1, end1, ...]}, ascending. */
    public long[] trackedIntervals() {
        lock.lock();
        try {
            long[] out = new long[ranges.count() * 2];
            for (int i = 0; i < ranges.count(); i++) {
                out[2 * i] = ranges.at(i).start;
                out[2 * i + 1] = ranges.at(i).end;
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ invalidation

    /**
     * Models {@code dmirror_interval_invalidate()}: the callback of every tracked range. If the
     * policy ignores the range, counts it and returns before the lock, as dmirror does for its own
     * MIGRATE (which breaks the set_seq rule, see {@link InvalidationPolicy#ignores}; no shipped
     * policy does). Otherwise takes the
     * driver lock ({@code tryLock} when non-blockable), calls {@code setSeq}, and runs the policy
     * on the intersection of the range and the tracked range.
     */
    boolean invalidate(TrackedRange t, MmuNotifierRange range, long curSeq) {
        int event = range.event().ordinal();
        if (event != RELEASE && policy.ignores(range, owner)) {
            // No lock, no set_seq: a fault that read the CPU page table before this invalidation
            // may commit. The intersection is not empty: the dispatch calls only notifiers whose
            // interval, the tracked range's bounds, overlaps the range.
            if (!closed) {
                stats.addIgnored(event);
            }
            return true;
        }
        if (range.isBlockable()) {
            lock.lock();
        } else if (!lockNonBlockable()) {
            stats.addRefused(event);
            return false; // -EAGAIN: the host must not touch the PTEs
        }
        try {
            t.notifier().setSeq(curSeq); // unconditionally, under the lock (mmu_interval_set_seq)
            if (event == RELEASE) {
                released = true;
            }
            long from = Math.max(t.start, range.start());
            long to = Long.compareUnsigned(range.end(), t.end) < 0 ? range.end() : t.end; // RELEASE ends at ULONG_MAX
            if (closed || from >= to) {
                return true;
            }
            stats.addInvalidation(event);
            InvalidationJfrEvent jfr = null;
            if (InvalidationJfrEvent.enabled()) {
                jfr = new InvalidationJfrEvent();
                jfr.begin();
            }
            actions.begin(event, range, from, to, t.start, t.end);
            long touched;
            try {
                policy.invalidate(actions, t, range, from, to);
            } finally {
                touched = actions.end();
            }
            if (jfr != null) {
                jfr.end();
                if (jfr.shouldCommit()) {
                    jfr.event = range.event().name();
                    jfr.policy = policy.name();
                    jfr.mirror = id;
                    jfr.start = from;
                    jfr.end = to;
                    jfr.ptesTouched = touched;
                    jfr.commit();
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Issues the TLB flush this device's callbacks deferred for the invalidation {@code range}
     * ({@link MirrorActions#flushBatched}); called from the mirror's classic
     * {@code invalidate_range_start}, after every interval callback of the range and before the
     * host changes a PTE. Does nothing, without the lock, when no flush is owed or the range is
     * non-blockable (a non-blockable range never defers: its flush was issued in the callback; a
     * batch seen here is another thread's, which that thread's own start issues). Caller holds no
     * lock of this mirror.
     */
    void flushTlbBatch(MmuNotifierRange range) {
        if (!actions.batchOwed() || !range.isBlockable()) {
            return;
        }
        lock.lock();
        try {
            actions.issueBatch();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the driver lock for a non-blockable invalidation as the policy's driver would, or returns false. */
    private boolean lockNonBlockable() {
        return switch (policy.nonBlockable()) {
            case TRYLOCK -> lock.tryLock();
            case REFUSE -> false;
            case SPIN -> {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.faultTimeoutMillis());
                while (!lock.tryLock()) {
                    if (System.nanoTime() - deadline > 0) {
                        yield false; // bounded, see NonBlockable.SPIN
                    }
                    Thread.onSpinWait();
                }
                yield true;
            }
            case SLEEP -> {
                lock.lock(); // mutex_lock where it may not sleep: the notifier rules report it
                yield true;
            }
        };
    }

    /**
     * {@link MirrorActions#dropTracking}; caller holds the lock inside an invalidation callback. Only
     * marks: the tracked range stays in the set, its notifier stays inserted (so later invalidations
     * still reach the pages it covers) and no fault commits inside it, until
     * {@link #collectGarbage()} splits or removes it outside the invalidation.
     *
     * <p>A DEAD range was replaced while this invalidation was in flight: the collector published
     * the pieces of a split, or a fault the range of a merge, after the invalidation had started.
     * Their notifiers were inserted behind it (the insertion waits for the period's end,
     * {@code mmu_interval_notifier_insert} on an odd sequence), so it does not reach them, and the
     * mark it brings to the dead range would be lost: the replacement would stay tracked over
     * pages the host has unmapped. It goes to the ranges of the set that now cover
     * {@code [from, to)} instead. That is safe for any event: the policy has zapped
     * {@code [from, to)} in this same hold of the driver lock, and a marked range lets no fault
     * commit there until the collector has split it. For an UNMAP it is also exact: munmap holds
     * the mmap lock for write until its invalidation ends, so nothing maps those pages again
     * meanwhile.
     */
    void dropTracking(TrackedRange t, long from, long to) {
        switch (t.state) {
            case TrackedRange.NEW ->
                t.state = TrackedRange.DEAD; // its faulting thread removes the notifier and starts again
            case TrackedRange.LIVE, TrackedRange.UNMAPPED -> ranges.markUnmapped(t, from, to);
            case TrackedRange.DEAD -> ranges.markUnmappedIn(from, to);
            default -> throw new IllegalStateException("tracked range state " + t.state);
        }
    }

    /**
     * The garbage collector of drm_gpusvm and Xe ({@code xe_svm_garbage_collector}): every tracked
     * range an invalidation marked unmapped is replaced by the pieces of it still mapped, or
     * removed when nothing of it is (or the address space is gone). Runs at the start of every
     * device fault ("always process UNMAPs first") and whenever a caller asks; never inside an
     * invalidation, since it inserts and removes interval notifiers.
     *
     * <p>Per range: the pieces are inserted first (outside the driver lock) while the old notifier
     * still covers them; then, under the lock, the old range leaves the set and each piece joins it,
     * unless an invalidation reached the piece meanwhile and killed it, in which case its device
     * PTEs are zapped (nothing tracks them any more); last, outside the lock, the old notifier is
     * removed, which waits for an invalidation in flight. The device PTEs of a range whose unmapped
     * intervals overflowed are zapped the same way, so a device PTE is never left untracked. Ranges
     * of which nothing stays (an UNMAP of a whole mirrored region marks one per chunk) leave the set
     * together, in one hold of the driver lock, and are pooled together after their notifiers are
     * removed: the lock is taken twice per collection for them, not three times per range. With
     * nothing marked it returns at once, without a lock ({@code TrackedRanges.mayHaveUnmapped}: a
     * range marked by another thread that this one has not synchronised with may be left for the
     * next collection; {@link #ensureTracked} re-checks under the driver lock and collects again).
     *
     * <p>Caller holds no lock of this mirror or of the address space and is not inside an
     * invalidation (the notifier rules check it). Allocates only when the pool of range objects
     * is empty.
     */
    public void collectGarbage() {
        if (!ranges.mayHaveUnmapped()) {
            return; // nothing marked: no lock (ensureTracked re-checks under the driver lock)
        }
        gcLock.lock();
        try {
            while (true) {
                TrackedRange old;
                int n = 0;
                TrackedRange dropped = null; // removed whole in this hold of the lock, linked through nextRetired
                lock.lock();
                try {
                    // Left on the list until it is out of the set: meanwhile ensureTracked sees that
                    // a collection is pending and neither merges nor commits around it. Ranges of
                    // which nothing stays (an UNMAP over them whole, the common case) leave the set
                    // in this one hold of the lock; the first that keeps pieces is split below.
                    while (true) {
                        old = ranges.peekUnmapped();
                        if (old == null) {
                            break;
                        }
                        n = ranges.preparePieces(old, released || closed, this);
                        if (n != 0) {
                            break;
                        }
                        ranges.commitPieces(old, 0, false); // no pieces: none can fail
                        zapForDriver(old.start, old.end, MmuNotifierEvent.UNMAP); // nothing of it stays tracked
                        old.nextRetired = dropped;
                        dropped = old;
                    }
                } finally {
                    lock.unlock();
                }
                retireAll(dropped);
                if (old == null) {
                    return;
                }
                for (int i = 0; i < n; i++) {
                    TrackedRange piece = ranges.piece(i);
                    mm.notifiers().insert(piece.notifier(), piece.start, piece.end - piece.start);
                }
                TrackedRange failed; // linked through nextRetired: no list allocated
                lock.lock();
                try {
                    failed = ranges.commitPieces(old, n, !released && !closed);
                    for (TrackedRange f = failed; f != null; f = f.nextRetired) {
                        zapForDriver(f.start, f.end, MmuNotifierEvent.UNMAP); // nothing tracks its PTEs any more
                    }
                } finally {
                    lock.unlock();
                }
                old.nextRetired = failed;
                retireAll(old);
            }
        } finally {
            gcLock.unlock();
        }
    }

    /**
     * Removes the notifier of every DEAD range linked from {@code retired} through nextRetired
     * (waiting for an invalidation in flight, whose callback takes the driver lock, so the caller
     * holds it not), then pools the objects under one hold of the driver lock.
     */
    private void retireAll(TrackedRange retired) {
        if (retired == null) {
            return;
        }
        for (TrackedRange dead = retired; dead != null; dead = dead.nextRetired) {
            if (dead.notifier().isInserted()) {
                dead.notifier().remove();
            }
        }
        lock.lock();
        try {
            while (retired != null) {
                TrackedRange dead = retired;
                retired = dead.nextRetired;
                dead.nextRetired = null;
                ranges.recycle(dead);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Device work the driver does itself (after migrating pages it started, or on its own
     * MIGRATE/EXCLUSIVE that the policy skipped): zaps {@code [start, end)} and flushes the TLB,
     * counted under {@code event}. Caller holds the driver lock.
     *
     * @return PTEs zapped
     */
    public long zapForDriver(long start, long end, MmuNotifierEvent event) {
        checkLocked();
        long n = pt.zap(start, end);
        if (n != 0) {
            tlb.flushRange(start, end);
            stats.addZapped(event.ordinal(), n);
            stats.addTlbFlush(event.ordinal());
        }
        return n;
    }

    /** Throws {@link IllegalStateException} unless the caller holds the driver lock. */
    public void checkLocked() {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("the driver lock is not held by thread "
                    + Thread.currentThread().getName());
        }
    }

    /**
     * Stops mirroring: removes every tracked range's notifier and the classic notifier (waiting for
     * callbacks in flight), then frees the device page table. Idempotent. The caller holds no lock
     * and is not inside an invalidation.
     */
    @Override
    public void close() {
        List<TrackedRange> live = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            ranges.clearUnmapped();
            eviction.clear();
            while (ranges.count() > 0) {
                TrackedRange t = ranges.at(0);
                ranges.remove(t);
                t.state = TrackedRange.DEAD;
                live.add(t);
            }
            pt.clear();
            tlb.flushAll();
        } finally {
            lock.unlock();
        }
        for (TrackedRange t : live) {
            if (t.notifier().isInserted()) {
                t.notifier().remove();
            }
        }
        if (!released) {
            mm.notifiers().unregister(reread);
        }
        lock.lock();
        try {
            pt.close();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "mirror " + id + " of " + mm + " (" + options.policy().name() + ")";
    }
}

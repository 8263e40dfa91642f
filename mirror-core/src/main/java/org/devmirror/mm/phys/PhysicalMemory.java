package org.devmirror.mm.phys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.LongPredicate;

/**
 * Models system RAM: {@code frameCount} frames, PFNs {@code 0..frameCount-1}, behind the page
 * allocator (mm/page_alloc.c). It puts three parts together and checks every argument before
 * handing it on: the free lists ({@link FrameAllocator}, under {@code allocLock} with the injected
 * failures), the {@code struct page} array ({@link PageRefs}: reference and map counts and flags,
 * records laid out by {@link PageRefLayout}) and the frames' contents ({@link FrameContents},
 * laid out by {@link FrameContentsLayout}).
 *
 * <p>Frames come singly ({@link #allocFrame()}) or as a 2 MiB PMD folio of 512 naturally
 * aligned frames ({@link #allocHuge()}), always zeroed ({@code __GFP_ZERO}). A folio is governed
 * by its head: {@link #get}, {@link #put}, the map count and the anon/dirty flags of any of its
 * frames act on the head, as {@code folio_get(page_folio(page))} does. One frame is the shared
 * zero page ({@code ZERO_PAGE(0)}): allocated for good, all zeros, never written, and its
 * reference and map counts are not tracked (the kernel treats it as a special mapping that
 * {@code vm_normal_page} does not return).
 *
 * <p>Running out of frames and an injected failure ({@link #failNextAllocations},
 * {@link #setAllocationFailureHook}) are expected outcomes: the allocation returns
 * {@link #NO_FRAME} and nothing else changes except {@link #allocationCount()}. Misuse (a PFN
 * that is not a frame, a put of a free frame, a write to the zero page) throws
 * {@link IllegalArgumentException} naming the argument, and changes nothing.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Allocation and freeing are safe from any number of threads; the allocator's bitmap and
 *       lists are guarded by one lock held only for the O(1) bookkeeping, never while zeroing.</li>
 *   <li>Reference and map counts are updated atomically (compare-and-set on the metadata
 *       segment), so {@code get}/{@code put}/{@code incMapcount}/{@code decMapcount} are safe
 *       from any thread on a frame the caller holds a reference to. The put that drops the last
 *       reference frees the frame (or the whole folio) exactly once.</li>
 *   <li>Frame contents are read and written with plain accesses. Publication is the caller's:
 *       the host writes a frame before installing the page-table entry that names it with
 *       release semantics, and readers load that entry with acquire semantics.</li>
 *   <li>{@link #splitHuge} and the flag setters need the folio held exclusively by the caller
 *       (the kernel freezes the refcount for a split); they are not atomic against concurrent
 *       {@code get}/{@code put} of the same folio.</li>
 *   <li>Accessing the contents of a free frame is not detected (a use-after-free reads zeros
 *       or another owner's data, as on real hardware).</li>
 *   <li>{@link #close()} must not run concurrently with any other call.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * {@code allocLock} (like {@code zone->lock}) guards the {@link FrameAllocator}, the injected
 * failure counter and {@link #allocationCount()}. The failure hook is called with it held and
 * must not call back into this object. Nothing else takes a lock.
 */
public final class PhysicalMemory implements AutoCloseable {
    /** Bytes per frame. */
    public static final long PAGE_SIZE = 4096;
    /** log2 of {@link #PAGE_SIZE}. */
    public static final int PAGE_SHIFT = 12;
    /** Frames in a PMD folio ({@code HPAGE_PMD_NR}). */
    public static final int HUGE_FRAMES = FrameAllocator.BLOCK_FRAMES;
    /** Returned by the allocators when no frame is given. */
    public static final long NO_FRAME = -1;
    /** PFNs at and above this are not system RAM (device pagemaps start here). */
    public static final long MAX_FRAMES = 1L << 32;

    private final long frameCount;
    private final Arena arena;
    // the frames' contents
    private final FrameContents contents;
    // the struct page records
    private final PageRefs refs;
    // allocated in the constructor, never freed; its counts are never touched
    private final long zeroPfn;

    private final ReentrantLock allocLock = new ReentrantLock();
    // guarded by allocLock
    private final FrameAllocator allocator;
    // allocFrame/allocHuge calls so far, whatever their outcome; the next call's serial; guarded by allocLock
    private long allocations;
    // calls still to fail by failNextAllocations; >= 0; guarded by allocLock
    private int failuresPending;
    // null when unset; read under allocLock
    private volatile LongPredicate failureHook;
    // page_free of the dev_pagemap owning a zone-device frame; set once by the host
    private volatile LongConsumer zoneDeviceFree;
    private boolean closed;

    /**
     * Creates {@code frameCount} frames of system RAM, one of which becomes the zero page.
     *
     * @throws IllegalArgumentException if {@code frameCount} is not in {@code [1, 2^32]}
     */
    @SuppressWarnings("MustBeClosedChecker") // the arena lives as long as the memory and close() closes it
    public PhysicalMemory(long frameCount) {
        if (frameCount < 1 || frameCount > MAX_FRAMES) {
            throw new IllegalArgumentException("frameCount=" + frameCount + " is not in [1, " + MAX_FRAMES + "]");
        }
        this.frameCount = frameCount;
        this.arena = Arena.ofShared();
        // Arena allocations are zero-filled: every frame starts clean and every record free.
        this.contents = new FrameContents(
                arena.allocate(FrameContentsLayout.segmentBytes(frameCount), FrameContentsLayout.ALIGNMENT));
        this.refs = new PageRefs(arena.allocate(PageRefs.segmentBytes(frameCount), PageRefs.alignment()));
        this.allocator = new FrameAllocator(frameCount);
        this.zeroPfn = allocator.allocOne();
        refs.init(zeroPfn, 0, 1);
    }

    /** Frames of system RAM, including the zero page. */
    public long frameCount() {
        return frameCount;
    }

    /** Frames not allocated now. */
    public long freeFrames() {
        allocLock.lock();
        try {
            return allocator.freeFrames();
        } finally {
            allocLock.unlock();
        }
    }

    /** The PFN of the shared zero page. */
    public long zeroPfn() {
        return zeroPfn;
    }

    /**
     * {@code alloc_page(GFP_HIGHUSER | __GFP_ZERO)}: a zeroed frame with refcount 1, mapcount 0
     * and no flags; {@link #NO_FRAME} when none is free or the call is made to fail.
     */
    public long allocFrame() {
        long pfn;
        allocLock.lock();
        try {
            pfn = injectedFailure() ? NO_FRAME : allocator.allocOne();
        } finally {
            allocLock.unlock();
        }
        if (pfn != NO_FRAME) {
            initFrame(pfn, 0, 1);
        }
        return pfn;
    }

    /**
     * {@code vma_alloc_folio(..., HPAGE_PMD_ORDER)}: 512 zeroed frames starting at a 512-aligned
     * PFN, the head with refcount 1 governing the folio; {@link #NO_FRAME} when no aligned run is
     * free or the call is made to fail.
     */
    public long allocHuge() {
        long head;
        allocLock.lock();
        try {
            head = injectedFailure() ? NO_FRAME : allocator.allocBlock();
        } finally {
            allocLock.unlock();
        }
        if (head != NO_FRAME) {
            for (int i = HUGE_FRAMES - 1; i > 0; i--) {
                initFrame(head + i, PageRefLayout.FLAG_TAIL, 0);
            }
            initFrame(head, PageRefLayout.FLAG_HEAD, 1);
        }
        return head;
    }

    /**
     * {@code memremap_pages} for {@code MEMORY_DEVICE_COHERENT}: takes a free, naturally aligned
     * block of 512 frames off the allocator for good and marks each a free zone-device page
     * (refcount 0). The device hands its pages out with {@link #zoneDevicePageInit}; a page's last
     * {@link #put} calls the {@link #setZoneDeviceFree} callback instead of freeing the frame.
     *
     * @return the first frame of the block, or {@link #NO_FRAME} when no whole block is free
     */
    public long reserveZoneDeviceBlock() {
        long head;
        allocLock.lock();
        try {
            head = allocator.allocBlock();
        } finally {
            allocLock.unlock();
        }
        if (head != NO_FRAME) {
            for (long pfn = head; pfn < head + HUGE_FRAMES; pfn++) {
                initFrame(pfn, PageRefLayout.FLAG_ZONE_DEVICE, 0);
            }
        }
        return head;
    }

    /** Sets the {@code page_free} callback for zone-device frames whose last reference goes (the host sets it once). */
    public void setZoneDeviceFree(LongConsumer pageFree) {
        this.zoneDeviceFree = pageFree;
    }

    /**
     * {@code zone_device_page_init}: a free zone-device frame becomes a page in use, zeroed, with
     * refcount 1 and no flags but its zone.
     *
     * @throws IllegalArgumentException if the frame is not a zone-device frame or is in use
     */
    public void zoneDevicePageInit(long pfn) {
        checkFrame("pfn", pfn);
        if ((refs.flags(pfn) & PageRefLayout.FLAG_ZONE_DEVICE) == 0) {
            throw new IllegalArgumentException("pfn=" + pfn + " is not a zone-device frame");
        }
        if (refs.refcount(pfn) != 0) {
            throw new IllegalArgumentException("pfn=" + pfn + " is in use");
        }
        initFrame(pfn, PageRefLayout.FLAG_ZONE_DEVICE, 1);
    }

    /** {@code folio_is_zone_device}: a frame of device-coherent memory, not system RAM. */
    public boolean isZoneDevice(long pfn) {
        checkFrame("pfn", pfn);
        return (refs.flags(pfn) & PageRefLayout.FLAG_ZONE_DEVICE) != 0;
    }

    /** What {@link #poison} did to a frame. */
    public enum PoisonResult {
        /** The frame was free: it is taken off the free lists, poisoned, and never handed out again. */
        TAKEN_OFF_FREE,
        /** The frame is in use: it is poisoned and the caller now holds one more reference to it. */
        POISONED,
        /** The frame was already poisoned ({@code TestSetPageHWPoison} found the bit set); nothing changed. */
        ALREADY,
        /** The zero page, part of a huge folio, or a frame being freed right now: nothing changed. */
        BUSY
    }

    /**
     * The first step of {@code memory_failure} (mm/memory-failure.c): {@code TestSetPageHWPoison}
     * plus either {@code take_page_off_buddy} for a free frame or a reference for the caller
     * ({@code get_hwpoison_page}). A poisoned frame keeps that reference for good, so it is never
     * freed or reallocated. A huge folio is refused ({@link PoisonResult#BUSY}): the kernel splits
     * it first ({@code try_to_split_thp_page}), which devmirror does not model.
     */
    public PoisonResult poison(long pfn) {
        checkFrame("pfn", pfn);
        if (pfn == zeroPfn) {
            return PoisonResult.BUSY; // a reserved kernel page: MF_MSG_KERNEL, ignored
        }
        allocLock.lock();
        try {
            if (!allocator.isAllocated(pfn)) {
                allocator.takeOne(pfn);
                initFrame(pfn, PageRefLayout.FLAG_HWPOISON, 1);
                return PoisonResult.TAKEN_OFF_FREE;
            }
            int flags = refs.flags(pfn);
            if ((flags & PageRefLayout.FLAG_HWPOISON) != 0) {
                return PoisonResult.ALREADY;
            }
            if ((flags & PageRefLayout.FLAG_ZONE_DEVICE) != 0) {
                return PoisonResult.BUSY; // memory_failure_dev_pagemap: the device's business, not modelled
            }
            if ((flags & (PageRefLayout.FLAG_HEAD | PageRefLayout.FLAG_TAIL)) != 0) {
                return PoisonResult.BUSY;
            }
            if (!refs.tryGet(pfn)) {
                return PoisonResult.BUSY; // its last reference just went; free() waits for allocLock
            }
            refs.markPoisoned(pfn);
            return PoisonResult.POISONED;
        } finally {
            allocLock.unlock();
        }
    }

    /** {@code PageHWPoison}. */
    public boolean isHwpoison(long pfn) {
        checkFrame("pfn", pfn);
        return (refs.flags(pfn) & PageRefLayout.FLAG_HWPOISON) != 0;
    }

    /**
     * {@code folio_try_get}: one more reference to the frame's folio unless its last one has
     * gone. The zero page always succeeds and takes none.
     *
     * @return true if the frame is in use (and a reference was taken)
     */
    public boolean tryGet(long pfn) {
        checkFrame("pfn", pfn);
        return pfn == zeroPfn || refs.tryGet(refs.headOf(pfn));
    }

    /** {@code folio_get}: one more reference to the frame's folio. No-op on the zero page. */
    public void get(long pfn) {
        checkFrame("pfn", pfn);
        if (pfn == zeroPfn) {
            return;
        }
        refs.get(pfn);
    }

    /**
     * {@code folio_put}: drops a reference; the last one frees the frame, or all 512 frames of a
     * folio. No-op on the zero page.
     *
     * @throws IllegalArgumentException if the frame is free, or the last reference goes while
     *     page tables still map it (the kernel's "Bad page state: nonzero mapcount")
     */
    public void put(long pfn) {
        checkFrame("pfn", pfn);
        if (pfn == zeroPfn) {
            return;
        }
        long freed = refs.put(pfn);
        if (freed != NO_FRAME) {
            free(freed);
        }
    }

    /** {@code folio_ref_count}: the folio's references; 0 when free, 1 for the zero page. */
    public int refcount(long pfn) {
        checkFrame("pfn", pfn);
        return refs.refcount(pfn);
    }

    /** {@code folio_mapcount}: page-table entries mapping the folio; 0 for the zero page. */
    public int mapcount(long pfn) {
        checkFrame("pfn", pfn);
        return refs.mapcount(pfn);
    }

    /** One more page-table entry maps the folio (rmap add). No-op on the zero page. */
    public void incMapcount(long pfn) {
        checkFrame("pfn", pfn);
        if (pfn == zeroPfn) {
            return;
        }
        refs.incMapcount(pfn);
    }

    /** One page-table entry less maps the folio (rmap remove). No-op on the zero page. */
    public void decMapcount(long pfn) {
        checkFrame("pfn", pfn);
        if (pfn == zeroPfn) {
            return;
        }
        refs.decMapcount(pfn);
    }

    /** {@code folio_test_large} on a head: {@code pfn} heads a PMD folio. */
    public boolean isHeadOfHuge(long pfn) {
        checkFrame("pfn", pfn);
        return refs.isHead(pfn);
    }

    /** {@code compound_head}: the head of the folio holding {@code pfn} ({@code pfn} itself if order 0). */
    public long headOf(long pfn) {
        checkFrame("pfn", pfn);
        return refs.headOf(pfn);
    }

    /**
     * {@code split_huge_page}: turns the folio at {@code headPfn} into 512 order-0 frames. Every
     * frame gets the folio's refcount, mapcount and anon/dirty flags: each reference or PMD
     * mapping of the folio becomes one of each page, as when the PMD mapping is replaced by 512
     * PTE mappings ({@code __split_huge_pmd_locked}) before the folio is split. Each frame is then
     * freed by its own last {@link #put}.
     */
    public void splitHuge(long headPfn) {
        checkFrame("headPfn", headPfn);
        if (!refs.isHead(headPfn)) {
            throw new IllegalArgumentException("headPfn=" + headPfn + " is not the head of a huge folio");
        }
        refs.split(headPfn);
    }

    /** {@code folio_test_anon}. */
    public boolean isAnon(long pfn) {
        checkFrame("pfn", pfn);
        return refs.testFlag(pfn, PageRefLayout.FLAG_ANON);
    }

    /** Marks the folio anonymous ({@code folio_add_new_anon_rmap}) or file-backed. */
    public void setAnon(long pfn, boolean anon) {
        setFlag(pfn, PageRefLayout.FLAG_ANON, anon);
    }

    /** {@code folio_test_dirty}. */
    public boolean isDirty(long pfn) {
        checkFrame("pfn", pfn);
        return refs.testFlag(pfn, PageRefLayout.FLAG_DIRTY);
    }

    /** {@code folio_mark_dirty} / {@code folio_clear_dirty_for_io}. */
    public void setDirty(long pfn, boolean dirty) {
        setFlag(pfn, PageRefLayout.FLAG_DIRTY, dirty);
    }

    /** Copies the 4 KiB contents of {@code srcPfn} over {@code dstPfn} ({@code copy_highpage}). */
    public void copyFrame(long srcPfn, long dstPfn) {
        checkFrame("srcPfn", srcPfn);
        checkWritable("dstPfn", dstPfn);
        contents.copy(srcPfn, dstPfn);
    }

    /** Fills the frame with zeros ({@code clear_highpage}). */
    public void zeroFrame(long pfn) {
        checkWritable("pfn", pfn);
        contents.copy(zeroPfn, pfn);
    }

    /** Reads one byte of frame {@code pfn}; plain access. */
    public byte getByte(long pfn, int offset) {
        checkFrame("pfn", pfn);
        return contents.getByte(pfn, offset);
    }

    /** Writes one byte of frame {@code pfn}; plain access. */
    public void putByte(long pfn, int offset, byte b) {
        checkWritable("pfn", pfn);
        contents.putByte(pfn, offset, b);
    }

    /** Reads 8 bytes (native order, any alignment) at {@code offset} of frame {@code pfn}; plain access. */
    public long getLong(long pfn, int offset) {
        checkFrame("pfn", pfn);
        return contents.getLong(pfn, offset);
    }

    /** Writes 8 bytes (native order, any alignment) at {@code offset} of frame {@code pfn}; plain access. */
    public void putLong(long pfn, int offset, long v) {
        checkWritable("pfn", pfn);
        contents.putLong(pfn, offset, v);
    }

    /** Copies {@code len} bytes from {@code offset} of frame {@code pfn} into {@code dst[dstOff..]}. */
    public void read(long pfn, int offset, byte[] dst, int dstOff, int len) {
        checkFrame("pfn", pfn);
        contents.read(pfn, offset, dst, dstOff, len);
    }

    /** Copies {@code len} bytes from {@code src[srcOff..]} to {@code offset} of frame {@code pfn}. */
    public void write(long pfn, int offset, byte[] src, int srcOff, int len) {
        checkWritable("pfn", pfn);
        contents.write(pfn, offset, src, srcOff, len);
    }

    /** Copies the 4 KiB frame {@code pfn} to {@code dst} at {@code dstOffset} (device memory, swap). */
    public void copyToSegment(long pfn, MemorySegment dst, long dstOffset) {
        checkFrame("pfn", pfn);
        contents.copyToSegment(pfn, dst, dstOffset);
    }

    /** Copies 4 KiB from {@code src} at {@code srcOffset} over frame {@code pfn}. */
    public void copyFromSegment(MemorySegment src, long srcOffset, long pfn) {
        checkWritable("pfn", pfn);
        contents.copyFromSegment(src, srcOffset, pfn);
    }

    /** {@code true} when the two frames hold the same 4 KiB (KSM's {@code pages_identical}). */
    public boolean framesEqual(long a, long b) {
        checkFrame("a", a);
        checkFrame("b", b);
        return contents.equal(a, b);
    }

    /** Fault injection: the next {@code n} calls of {@link #allocFrame}/{@link #allocHuge} return {@link #NO_FRAME}. */
    public void failNextAllocations(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n=" + n + " is negative");
        }
        allocLock.lock();
        try {
            failuresPending = n;
        } finally {
            allocLock.unlock();
        }
    }

    /**
     * Fault injection at every point: before each allocation, {@code hook.test(serial)} is asked
     * with the call's serial (0 for the first call, see {@link #allocationCount()}); {@code true}
     * fails it. {@code null} removes the hook. Called with the allocator lock held.
     */
    public void setAllocationFailureHook(LongPredicate hook) {
        failureHook = hook;
    }

    /** {@link #allocFrame}/{@link #allocHuge} calls so far, failed ones included. */
    public long allocationCount() {
        allocLock.lock();
        try {
            return allocations;
        } finally {
            allocLock.unlock();
        }
    }

    /** Releases the off-heap memory; later calls fail with {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    // Caller holds allocLock. Every call takes a serial, so a hook sees the same serials on a rerun.
    private boolean injectedFailure() {
        long serial = allocations++;
        if (failuresPending > 0) {
            failuresPending--;
            return true;
        }
        LongPredicate hook = failureHook;
        return hook != null && hook.test(serial);
    }

    // __GFP_ZERO, then the record: the zeroed contents are published by the record's refcount store.
    private void initFrame(long pfn, int flags, int refcount) {
        contents.copy(zeroPfn, pfn);
        refs.init(pfn, flags, refcount);
    }

    private void free(long head) {
        if (refs.testFlag(head, PageRefLayout.FLAG_ZONE_DEVICE)) {
            // free_zone_device_folio: the page goes back to its device, not to the allocator
            refs.init(head, PageRefLayout.FLAG_ZONE_DEVICE, 0);
            LongConsumer pageFree = zoneDeviceFree;
            if (pageFree != null) {
                pageFree.accept(head);
            }
            return;
        }
        boolean huge = refs.isHead(head);
        long last = huge ? head + HUGE_FRAMES : head + 1;
        for (long pfn = head; pfn < last; pfn++) {
            refs.clear(pfn);
        }
        // The lock orders the cleared records before the frames' next allocation.
        allocLock.lock();
        try {
            if (huge) {
                allocator.freeBlock(head);
            } else {
                allocator.freeOne(head);
            }
        } finally {
            allocLock.unlock();
        }
    }

    private void setFlag(long pfn, int flag, boolean on) {
        checkFrame("pfn", pfn);
        if (pfn == zeroPfn) {
            throw new IllegalArgumentException("pfn=" + pfn + " is the zero page, whose flags never change");
        }
        refs.setFlag(pfn, flag, on);
    }

    private void checkFrame(String name, long pfn) {
        if (pfn < 0 || pfn >= frameCount) {
            throw new IllegalArgumentException(
                    name + "=" + pfn + " is not a frame of system RAM (frameCount=" + frameCount + ")");
        }
    }

    private void checkWritable(String name, long pfn) {
        checkFrame(name, pfn);
        if (pfn == zeroPfn) {
            throw new IllegalArgumentException(name + "=" + pfn + " is the zero page, which is never written");
        }
    }
}

package org.devmirror.mm.phys;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The {@code struct page} bookkeeping of system RAM ({@code mem_map}): per frame a reference
 * count, a map count and flags, in one off-heap record per PFN (layout in {@link PageRefLayout}).
 * A folio is governed by its head, as {@code folio_get(page_folio(page))} does: every count and
 * flag operation given a tail acts on the head.
 *
 * <p>This class keeps the counts only. Which PFNs are frames, the zero page and handing freed
 * frames back to the allocator are {@link PhysicalMemory}'s; callers pass PFNs it has checked.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Reference and map counts change by compare-and-set, so {@link #get}, {@link #put},
 *       {@link #incMapcount} and {@link #decMapcount} are safe from any thread on a folio the
 *       caller holds a reference to. Exactly one {@link #put} sees the last reference go.</li>
 *   <li>{@link #init}, {@link #clear}, {@link #split} and {@link #setFlag} need the folio held
 *       exclusively (being allocated, freed, or frozen for a split as the kernel freezes the
 *       refcount); they are not atomic against concurrent {@code get}/{@code put}.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * None: every shared field is one int of the record, read and written with the access mode
 * named at each call site.
 */
final class PageRefs {
    private static final VarHandle INT = PageRefLayout.INT;
    private static final int HUGE_FRAMES = FrameAllocator.BLOCK_FRAMES;

    // one PageRefLayout record per frame
    private final MemorySegment records;

    PageRefs(MemorySegment records) {
        this.records = records;
    }

    /** The segment size for {@code frameCount} frames; arena allocations start zeroed: all records free. */
    static long segmentBytes(long frameCount) {
        return PageRefLayout.metadataBytes(frameCount);
    }

    /** Alignment of the segment. */
    static long alignment() {
        return PageRefLayout.RECORD_BYTES;
    }

    /** Fills the record of a frame being allocated; {@code refcount > 0} makes it read as allocated. */
    void init(long pfn, int flags, int refcount) {
        INT.set(records, PageRefLayout.flagsOffset(pfn), flags);
        INT.set(records, PageRefLayout.mapcountOffset(pfn), 0);
        // Release: pairs with the getVolatile in get/put/refcount; the record (and the zeroed
        // contents the caller wrote before) are complete before the frame reads as allocated.
        INT.setRelease(records, PageRefLayout.refcountOffset(pfn), refcount);
    }

    /** Clears the flags and map count of a frame whose last reference went. */
    void clear(long pfn) {
        INT.set(records, PageRefLayout.flagsOffset(pfn), 0);
        INT.set(records, PageRefLayout.mapcountOffset(pfn), 0);
    }

    /** The flag word of {@code pfn} itself (not its head's). */
    int flags(long pfn) {
        // Plain read: flags change only at allocation, free and split, all published by the
        // refcount store (release) or done with the folio held exclusively.
        return (int) INT.get(records, PageRefLayout.flagsOffset(pfn));
    }

    /** {@code compound_head}: the head of the folio holding {@code pfn} ({@code pfn} itself if order 0). */
    long headOf(long pfn) {
        // Folios are naturally aligned, so a tail's head is its pfn rounded down to 512.
        return (flags(pfn) & PageRefLayout.FLAG_TAIL) != 0 ? pfn & -HUGE_FRAMES : pfn;
    }

    /** {@code folio_test_large} on a head. */
    boolean isHead(long pfn) {
        return (flags(pfn) & PageRefLayout.FLAG_HEAD) != 0;
    }

    /** The folio's flag {@code flag} is set. */
    boolean testFlag(long pfn, int flag) {
        return (flags(headOf(pfn)) & flag) != 0;
    }

    /** {@code folio_get}. */
    void get(long pfn) {
        if (!tryGet(headOf(pfn))) {
            throw new IllegalArgumentException("pfn=" + pfn + " is free");
        }
    }

    /** {@code folio_try_get} on {@code head}: one more reference unless the last one already went. */
    boolean tryGet(long head) {
        long off = PageRefLayout.refcountOffset(head);
        int old;
        do {
            old = (int) INT.getVolatile(records, off);
            if (old <= 0) {
                return false;
            }
        } while (!INT.compareAndSet(records, off, old, old + 1));
        return true;
    }

    /**
     * {@code folio_put}: drops a reference.
     *
     * @return the head to free when this put dropped the last reference, else {@link PhysicalMemory#NO_FRAME}
     */
    long put(long pfn) {
        long head = headOf(pfn);
        long off = PageRefLayout.refcountOffset(head);
        int old;
        do {
            old = (int) INT.getVolatile(records, off);
            if (old <= 0) {
                throw new IllegalArgumentException("pfn=" + pfn + " is free");
            }
            if (old == 1 && mapcount(head) != 0) {
                throw new IllegalArgumentException("pfn=" + pfn + " is still mapped (mapcount=" + mapcount(head) + ")");
            }
        } while (!INT.compareAndSet(records, off, old, old - 1));
        return old == 1 ? head : PhysicalMemory.NO_FRAME;
    }

    /** {@code folio_ref_count}. */
    int refcount(long pfn) {
        return (int) INT.getVolatile(records, PageRefLayout.refcountOffset(headOf(pfn)));
    }

    /** {@code folio_mapcount}. */
    int mapcount(long pfn) {
        return (int) INT.getVolatile(records, PageRefLayout.mapcountOffset(headOf(pfn)));
    }

    /** One more page-table entry maps the folio (rmap add). */
    void incMapcount(long pfn) {
        long head = headOf(pfn);
        if (refcount(head) == 0) {
            throw new IllegalArgumentException("pfn=" + pfn + " is free");
        }
        INT.getAndAdd(records, PageRefLayout.mapcountOffset(head), 1);
    }

    /** One page-table entry less maps the folio (rmap remove). */
    void decMapcount(long pfn) {
        long off = PageRefLayout.mapcountOffset(headOf(pfn));
        int old;
        do {
            old = (int) INT.getVolatile(records, off);
            if (old <= 0) {
                throw new IllegalArgumentException("pfn=" + pfn + " is not mapped (mapcount=" + old + ")");
            }
        } while (!INT.compareAndSet(records, off, old, old - 1));
    }

    /** {@code TestSetPageHWPoison} after the caller took its reference; atomic against the other flag setters. */
    void markPoisoned(long pfn) {
        INT.getAndBitwiseOr(records, PageRefLayout.flagsOffset(pfn), PageRefLayout.FLAG_HWPOISON);
    }

    /** Sets or clears {@code flag} on the folio of {@code pfn}, which must be allocated. */
    void setFlag(long pfn, int flag, boolean on) {
        long head = headOf(pfn);
        if (refcount(head) == 0) {
            throw new IllegalArgumentException("pfn=" + pfn + " is free");
        }
        long off = PageRefLayout.flagsOffset(head);
        if (on) {
            INT.getAndBitwiseOr(records, off, flag);
        } else {
            INT.getAndBitwiseAnd(records, off, ~flag);
        }
    }

    /**
     * {@code split_huge_page}'s bookkeeping: every frame of the folio at {@code head} gets the
     * folio's refcount, mapcount and anon/dirty flags.
     */
    void split(long head) {
        int refs = (int) INT.getVolatile(records, PageRefLayout.refcountOffset(head));
        int maps = (int) INT.getVolatile(records, PageRefLayout.mapcountOffset(head));
        int kept = flags(head) & (PageRefLayout.FLAG_ANON | PageRefLayout.FLAG_DIRTY);
        for (long pfn = head + HUGE_FRAMES - 1; pfn >= head; pfn--) {
            INT.set(records, PageRefLayout.flagsOffset(pfn), kept);
            INT.set(records, PageRefLayout.mapcountOffset(pfn), maps);
            // Release: the counts above are visible to whoever sees the new refcount.
            INT.setRelease(records, PageRefLayout.refcountOffset(pfn), refs);
        }
    }
}

package org.devmirror.device.tlb;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.VA_LIMIT;

import java.util.Arrays;
import org.devmirror.device.pagetable.DevicePteLayout;

/**
 * Models a device TLB in front of the device page table: a fixed-capacity set-associative cache of
 * page address to {@link DevicePteLayout} entry (one way makes it direct-mapped), invalidated the
 * way Xe invalidates its GPU TLB from the notifier: one ranged invalidation per call
 * (xe_svm_invalidate zaps the PTEs, then issues one ranged TLB invalidation and counts it in
 * {@code SVM_TLB_INVAL_COUNT}).
 *
 * <p>Each slot caches the entry filled for one page. A cached HUGE leaf is dropped by any flush
 * overlapping its 2 MiB, as hardware drops a large-page TLB entry when any address in it is
 * invalidated. Replacement within a set is round-robin.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Confined: callers serialise every call (the driver lock), as the TLB belongs to one device.
 * Nothing allocates after construction; state lives in primitive arrays. {@link #flushRange} is one
 * command whatever its length, as a ranged invalidation is; what it costs here is one pass over the
 * capacity at most: nothing when the TLB is empty, and one set probe per page when the range has
 * fewer pages than there are sets and no HUGE leaf is cached.
 * Misuse (an address beyond {@link DevicePteLayout#VA_LIMIT}, an unaligned or empty range, a fill
 * with an invalid entry) throws {@link IllegalArgumentException} and changes nothing.
 *
 * <h2>Locking</h2>
 * None inside; see above.
 */
public final class DeviceTlb {
    /** Tag of an empty slot; a filled slot's tag is its page address, never odd, so never EMPTY. */
    private static final long EMPTY = -1;

    private final int sets;
    private final int ways;
    /** tags[set * ways + way]: page address cached there, or EMPTY. */
    private final long[] tags;
    /** entries[set * ways + way]: the entry cached for tags[...]; 0 when EMPTY. */
    private final long[] entries;
    /** victim[set]: the next way to replace in that set, round-robin. */
    private final int[] victim;
    /** Slots whose tag is not EMPTY; what {@link #size()} returns. */
    private int cached;
    /** Of those, slots caching a HUGE leaf: while 0, a flush need only look at its pages' sets. */
    private int cachedHuge;

    private long hits;
    private long misses;
    private long flushes;
    private long entriesFlushed;

    /**
     * A TLB of {@code sets * ways} entries.
     *
     * @param sets a power of two, at least 1
     * @param ways at least 1 (1 = direct-mapped)
     */
    public DeviceTlb(int sets, int ways) {
        if (sets < 1 || Integer.bitCount(sets) != 1) {
            throw new IllegalArgumentException("sets=" + sets + " is not a power of two");
        }
        if (ways < 1) {
            throw new IllegalArgumentException("ways=" + ways + " is below 1");
        }
        if ((long) sets * ways > 1 << 24) {
            throw new IllegalArgumentException("sets*ways=" + (long) sets * ways + " is beyond " + (1 << 24));
        }
        this.sets = sets;
        this.ways = ways;
        this.tags = new long[sets * ways];
        this.entries = new long[sets * ways];
        this.victim = new int[sets];
        Arrays.fill(tags, EMPTY);
    }

    /** Entries the TLB can hold. */
    public int capacity() {
        return tags.length;
    }

    /** Sets. */
    public int sets() {
        return sets;
    }

    /** Ways per set. */
    public int ways() {
        return ways;
    }

    /** The cached entry for the page holding {@code va}, or 0 on a miss; counts a hit or a miss. */
    public long lookup(long va) {
        long page = pageOf(va);
        int slot = slotOf(setOf(page) * ways, page);
        if (slot >= 0) {
            hits++;
            return entries[slot];
        }
        misses++;
        return 0;
    }

    /** Caches {@code entry} for the page holding {@code va}, replacing its old entry or a victim. */
    public void fill(long va, long entry) {
        long page = pageOf(va);
        if (!DevicePteLayout.isValid(entry)) {
            throw new IllegalArgumentException("entry=0x" + Long.toHexString(entry) + " is not VALID");
        }
        int set = setOf(page);
        int base = set * ways;
        int slot = slotOf(base, page);
        if (slot < 0) {
            slot = slotOf(base, EMPTY);
        }
        if (slot < 0) {
            slot = base + victim[set];
            victim[set] = (victim[set] + 1) % ways;
        }
        if (tags[slot] == EMPTY) {
            cached++;
        } else if (DevicePteLayout.isHuge(entries[slot])) {
            cachedHuge--;
        }
        if (DevicePteLayout.isHuge(entry)) {
            cachedHuge++;
        }
        tags[slot] = page;
        entries[slot] = entry;
    }

    /**
     * One ranged invalidation: drops every cached translation for [start, end), including HUGE
     * leaves overlapping it.
     *
     * @return entries dropped
     */
    public long flushRange(long start, long end) {
        checkRange(start, end);
        return flush(start, end);
    }

    /**
     * Drops every cached translation; counts as one flush.
     *
     * @return entries dropped
     */
    public long flushAll() {
        return flush(0, VA_LIMIT); // every cached page, HUGE leaves included, lies below VA_LIMIT
    }

    /**
     * A flush over [start, end) (already checked), counted. The result is that of one pass over
     * every slot; the pass is skipped when nothing is cached, and narrowed to the sets of the
     * range's pages when they are fewer than the sets and no HUGE leaf is cached (a 4 KiB entry
     * lives only in the set of its own page; a HUGE leaf may cover pages of any set).
     */
    private long flush(long start, long end) {
        long dropped;
        long pages = (end - start) >>> DevicePteLayout.PAGE_SHIFT;
        if (cached == 0) {
            dropped = 0;
        } else if (cachedHuge == 0 && pages < sets) {
            dropped = flushPages(start, end);
        } else {
            dropped = flushAllSlots(start, end);
        }
        cached -= (int) dropped;
        flushes++;
        entriesFlushed += dropped;
        return dropped;
    }

    /** Drops the 4 KiB entries of [start, end) by probing each page's own set; no HUGE leaf is cached. */
    private long flushPages(long start, long end) {
        long dropped = 0;
        for (long page = start; page < end; page += PAGE_SIZE) {
            int slot = slotOf(setOf(page) * ways, page);
            if (slot >= 0) {
                tags[slot] = EMPTY;
                entries[slot] = 0;
                dropped++;
            }
        }
        return dropped;
    }

    /** One pass over every slot, dropping each translation overlapping [start, end). */
    private long flushAllSlots(long start, long end) {
        long dropped = 0;
        for (int i = 0; i < tags.length; i++) {
            long page = tags[i];
            if (page == EMPTY) {
                continue;
            }
            long first = page;
            long last = page + PAGE_SIZE;
            if (DevicePteLayout.isHuge(entries[i])) {
                first = page & -HUGE_SIZE;
                last = first + HUGE_SIZE;
            }
            if (first < end && start < last) {
                cachedHuge -= DevicePteLayout.isHuge(entries[i]) ? 1 : 0;
                tags[i] = EMPTY;
                entries[i] = 0;
                dropped++;
            }
        }
        return dropped;
    }

    /** Entries currently cached. */
    public int size() {
        return cached;
    }

    /**
     * The page address cached in slot {@code slot} (0 .. {@link #capacity()} - 1), or -1 if the slot
     * is empty; does not count as a lookup. For checkers that compare the TLB with the page table.
     */
    public long cachedPage(int slot) {
        return tags[slot];
    }

    /** The entry cached in slot {@code slot}, or 0 if the slot is empty; does not count as a lookup. */
    public long cachedEntry(int slot) {
        return entries[slot];
    }

    /** Flush calls ({@link #flushRange} and {@link #flushAll}) since the last reset. */
    public long flushes() {
        return flushes;
    }

    /** Entries dropped by flushes since the last reset. */
    public long entriesFlushed() {
        return entriesFlushed;
    }

    /** Lookups that hit since the last reset. */
    public long hits() {
        return hits;
    }

    /** Lookups that missed since the last reset. */
    public long misses() {
        return misses;
    }

    /** Zeroes the counters; the cached entries stay. */
    public void resetCounters() {
        hits = 0;
        misses = 0;
        flushes = 0;
        entriesFlushed = 0;
    }

    /** The slot of the set starting at {@code base} whose tag is {@code tag}, or -1. */
    private int slotOf(int base, long tag) {
        for (int w = 0; w < ways; w++) {
            if (tags[base + w] == tag) {
                return base + w;
            }
        }
        return -1;
    }

    private int setOf(long page) {
        return (int) (page >>> DevicePteLayout.PAGE_SHIFT) & (sets - 1);
    }

    private static long pageOf(long va) {
        if (va < 0 || va >= VA_LIMIT) {
            throw new IllegalArgumentException(
                    "va=0x" + Long.toHexString(va) + " is beyond VA_LIMIT=0x" + Long.toHexString(VA_LIMIT));
        }
        return va & -PAGE_SIZE;
    }

    private static void checkRange(long start, long end) {
        if (start < 0 || start >= VA_LIMIT || (start & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(
                    "start=0x" + Long.toHexString(start) + " is not a page-aligned user address");
        }
        if (end > VA_LIMIT || (end & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(
                    "end=0x" + Long.toHexString(end) + " is not a page-aligned user address");
        }
        if (end <= start) {
            throw new IllegalArgumentException(
                    "end=0x" + Long.toHexString(end) + " is not above start=0x" + Long.toHexString(start));
        }
    }
}

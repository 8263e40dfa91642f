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
 * Nothing allocates after construction; state lives in primitive arrays. {@link #flushRange} costs
 * one pass over the capacity, as a ranged invalidation is one command whatever its length.
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
        int base = setOf(page) * ways;
        for (int w = 0; w < ways; w++) {
            if (tags[base + w] == page) {
                hits++;
                return entries[base + w];
            }
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
        int slot = -1;
        for (int w = 0; w < ways && slot < 0; w++) {
            if (tags[base + w] == page) {
                slot = base + w;
            }
        }
        for (int w = 0; w < ways && slot < 0; w++) {
            if (tags[base + w] == EMPTY) {
                slot = base + w;
            }
        }
        if (slot < 0) {
            slot = base + victim[set];
            victim[set] = (victim[set] + 1) % ways;
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
                tags[i] = EMPTY;
                entries[i] = 0;
                dropped++;
            }
        }
        flushes++;
        entriesFlushed += dropped;
        return dropped;
    }

    /**
     * Drops every cached translation; counts as one flush.
     *
     * @return entries dropped
     */
    public long flushAll() {
        long dropped = 0;
        for (int i = 0; i < tags.length; i++) {
            if (tags[i] != EMPTY) {
                tags[i] = EMPTY;
                entries[i] = 0;
                dropped++;
            }
        }
        flushes++;
        entriesFlushed += dropped;
        return dropped;
    }

    /** Entries currently cached. */
    public int size() {
        int size = 0;
        for (long tag : tags) {
            size += tag != EMPTY ? 1 : 0;
        }
        return size;
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

    private int setOf(long page) {
        return (int) (page >>> DevicePteLayout.PAGE_SHIFT) & (sets - 1);
    }

    private static long pageOf(long va) {
        if (va < 0 || va >= VA_LIMIT) {
            throw new IllegalArgumentException("va=0x" + Long.toHexString(va) + " is beyond VA_LIMIT=0x" + Long.toHexString(VA_LIMIT));
        }
        return va & -PAGE_SIZE;
    }

    private static void checkRange(long start, long end) {
        if (start < 0 || start >= VA_LIMIT || (start & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("start=0x" + Long.toHexString(start) + " is not a page-aligned user address");
        }
        if (end > VA_LIMIT || (end & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("end=0x" + Long.toHexString(end) + " is not a page-aligned user address");
        }
        if (end <= start) {
            throw new IllegalArgumentException("end=0x" + Long.toHexString(end) + " is not above start=0x" + Long.toHexString(start));
        }
    }
}

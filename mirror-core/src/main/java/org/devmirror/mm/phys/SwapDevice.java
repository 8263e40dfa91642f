package org.devmirror.mm.phys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Models a swap area ({@code struct swap_info_struct}, mm/swapfile.c): page-sized slots holding
 * the contents of swapped-out pages (off-heap, layout in {@link SwapLayout}) and a use count per
 * slot, the kernel's {@code swap_map}.
 *
 * <p>A slot is taken with count 1 ({@code folio_alloc_swap}); fork copies a swap PTE and takes
 * one more use ({@link #dupSlot}, {@code swap_duplicate}); every swap PTE that goes away drops
 * one ({@link #freeSlot}, {@code swap_free}), and the last drop frees the slot. A full device is
 * an expected outcome ({@link #NO_SLOT}); using a slot that is not in use is misuse
 * ({@link IllegalArgumentException}, nothing changed).
 *
 * <h2>Assumptions and Guarantees</h2>
 * Slot allocation and use counts are safe from any thread. Contents copies are plain and need
 * the slot held: the writer of a slot publishes it through the swap PTE it installs (release),
 * and the reader gets it from that PTE (acquire). {@link #close()} must not run concurrently with
 * other calls.
 *
 * <h2>Locking</h2>
 * {@code lock} (like {@code si->lock}) guards the use counts, the count of used slots and the
 * allocation cursor. Copies run without it.
 */
public final class SwapDevice implements AutoCloseable {
    /** Returned by {@link #allocSlot()} when every slot is in use. */
    public static final long NO_SLOT = -1;

    private final long slots;
    private final Arena arena;
    // slot contents at SwapLayout.slotOffset(slot)
    private final MemorySegment contents;
    private final ReentrantLock lock = new ReentrantLock();
    // use count per slot, 0 = free; guarded by lock
    private final int[] swapMap;
    // slots with a nonzero count; guarded by lock
    private long used;
    // where the next free-slot search starts (scan_swap_map's cluster_next); guarded by lock
    private int cursor;
    private boolean closed;

    /**
     * Creates a swap area of {@code slots} pages ({@code 0} is a machine without swap).
     *
     * @throws IllegalArgumentException if {@code slots} is negative or beyond {@code 2^31 - 16}
     */
    @SuppressWarnings("MustBeClosedChecker") // the arena lives as long as the device and close() closes it
    public SwapDevice(long slots) {
        if (slots < 0 || slots > Integer.MAX_VALUE - 15) {
            throw new IllegalArgumentException("slots=" + slots + " is not in [0, " + (Integer.MAX_VALUE - 15) + "]");
        }
        this.slots = slots;
        this.arena = Arena.ofShared();
        this.contents = arena.allocate(Math.max(1, SwapLayout.segmentBytes(slots)), PhysicalMemory.PAGE_SIZE);
        this.swapMap = new int[(int) slots];
    }

    /** Slots in the area. */
    public long slots() {
        return slots;
    }

    /** Takes a free slot with use count 1; {@link #NO_SLOT} when the area is full. */
    public long allocSlot() {
        lock.lock();
        try {
            int n = swapMap.length;
            for (int i = 0; i < n; i++) {
                int slot = cursor + i < n ? cursor + i : cursor + i - n;
                if (swapMap[slot] == 0) {
                    swapMap[slot] = 1;
                    used++;
                    cursor = slot + 1 < n ? slot + 1 : 0;
                    return slot;
                }
            }
            return NO_SLOT;
        } finally {
            lock.unlock();
        }
    }

    /** {@code swap_free}: drops one use of {@code slot}; the last one frees it. */
    public void freeSlot(long slot) {
        lock.lock();
        try {
            int s = checkInUse(slot);
            if (--swapMap[s] == 0) {
                used--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@code swap_duplicate}: one more swap PTE names {@code slot} (fork). */
    public void dupSlot(long slot) {
        lock.lock();
        try {
            int s = checkInUse(slot);
            if (swapMap[s] == Integer.MAX_VALUE) {
                throw new IllegalArgumentException("slot=" + slot + " has the maximum use count");
            }
            swapMap[s]++;
        } finally {
            lock.unlock();
        }
    }

    /** The use count of {@code slot}; 0 when free. */
    public int slotRefcount(long slot) {
        lock.lock();
        try {
            return swapMap[checkSlot(slot)];
        } finally {
            lock.unlock();
        }
    }

    /** Slots in use. */
    public long usedSlots() {
        lock.lock();
        try {
            return used;
        } finally {
            lock.unlock();
        }
    }

    /** {@code swap_writepage}: copies frame {@code pfn} of {@code mem} into {@code slot}. */
    public void writeFrom(PhysicalMemory mem, long pfn, long slot) {
        checkInUseLocked(slot);
        mem.copyToSegment(pfn, contents, SwapLayout.slotOffset(slot));
    }

    /** {@code swap_read_folio}: copies {@code slot} over frame {@code pfn} of {@code mem}. */
    public void readInto(long slot, PhysicalMemory mem, long pfn) {
        checkInUseLocked(slot);
        mem.copyFromSegment(contents, SwapLayout.slotOffset(slot), pfn);
    }

    /**
     * {@code swap_duplicate} for a fault that read its swap entry without the page-table lock
     * (do_swap_page's hold on the swap entry): one more use of {@code slot} if it is still in
     * use, so it can be neither freed nor handed out again while the fault reads it, and true;
     * false, changing nothing, if a concurrent fault freed it already. The caller drops the use
     * with {@link #freeSlot} when done.
     */
    public boolean tryDupSlot(long slot) {
        lock.lock();
        try {
            int s = checkSlot(slot);
            if (swapMap[s] == 0) {
                return false;
            }
            if (swapMap[s] == Integer.MAX_VALUE) {
                throw new IllegalArgumentException("slot=" + slot + " has the maximum use count");
            }
            swapMap[s]++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Releases the off-heap memory; later copies fail with {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    private void checkInUseLocked(long slot) {
        lock.lock();
        try {
            checkInUse(slot);
        } finally {
            lock.unlock();
        }
    }

    // Caller holds lock.
    private int checkInUse(long slot) {
        int s = checkSlot(slot);
        if (swapMap[s] == 0) {
            throw new IllegalArgumentException("slot=" + slot + " is not in use");
        }
        return s;
    }

    private int checkSlot(long slot) {
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("slot=" + slot + " is not a slot of this device (slots=" + slots + ")");
        }
        return (int) slot;
    }
}

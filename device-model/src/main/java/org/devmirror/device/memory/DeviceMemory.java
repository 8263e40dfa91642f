package org.devmirror.device.memory;

import static org.devmirror.device.memory.DeviceMemoryLayout.BLOCK_BYTES;
import static org.devmirror.device.memory.DeviceMemoryLayout.BLOCK_PAGES;
import static org.devmirror.device.memory.DeviceMemoryLayout.PAGE_SIZE;
import static org.devmirror.device.memory.DeviceMemoryLayout.WORDS_PER_BLOCK;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.LongPredicate;

/**
 * Models the dmirror device's pool of device-private pages (lib/test_hmm.c:
 * {@code dmirror_allocate_chunk}, {@code dmirror_devmem_alloc_page}, {@code dmirror_devmem_free}):
 * a fixed number of 4 KiB device pages whose contents live in off-heap memory laid out by
 * {@link DeviceMemoryLayout}. Page {@code idx} is what the driver maps at device-private PFN
 * {@code pagemapBase + idx}.
 *
 * <p>Allocation: {@link #allocPage()} prefers a partly used block, so whole blocks stay free for
 * {@link #allocHuge()}; a block whose pages are all freed becomes whole again. (test_hmm keeps
 * separate free lists of pages and folios that are never recombined; devmirror recombines, so the
 * huge path stays available after small pages come and go.) {@link #allocHuge()} returns
 * {@link #NO_PAGE} when no whole block is free; the caller then falls back to 512
 * {@link #allocPage()} calls, as test_hmm's migrate path falls back to base pages when a folio
 * allocation fails. Allocated pages are zeroed, so no data leaks from a previous owner.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Confined: callers serialise every call (the device's lock). A failed allocation (out of pages,
 * or injected with {@link #failNextAllocation()} or {@link #setAllocationFailureHook}) returns
 * {@link #NO_PAGE} and changes nothing else but {@link #allocationCount()}. Misuse (an index out of range or not allocated, a double free) throws
 * {@link IllegalArgumentException} and changes nothing. Allocation, free and the copy helpers
 * allocate no Java objects once a block is backed; {@link #page(long)} returns a new slice.
 *
 * <h2>Locking</h2>
 * None inside; see above.
 */
public final class DeviceMemory implements AutoCloseable {
    /** Returned by a failed allocation ({@code -ENOMEM}). */
    public static final long NO_PAGE = -1;

    private static final int NO_BLOCK = -1;

    private final Arena arena = Arena.ofShared();
    private final long capacity;
    /** 4 KiB of zeros: the source that clears an allocated page with one bulk copy. */
    private final MemorySegment zeroPage;
    /** blocks[b]: the block's memory, null until one of its pages is first handed out. */
    private final MemorySegment[] blocks;
    /** Bit set = page allocated; WORDS_PER_BLOCK words per block. */
    private final long[] usedBits;
    /** usedCount[b] = bits set in block b's words. */
    private final int[] usedCount;
    /** freeBlocks[0..freeTop): blocks with no page allocated; the top is reused first. */
    private final int[] freeBlocks;

    private int freeTop;
    /** Doubly linked list of blocks with 0 &lt; usedCount &lt; BLOCK_PAGES: head, next, prev. */
    private int partialHead = NO_BLOCK;

    private final int[] partialNext;
    private final int[] partialPrev;
    private long usedPages;
    /** Failures asked for by failNextAllocation and not yet consumed, one per allocation. */
    private int failNext;
    /** allocPage/allocHuge calls so far, failed ones included: the serial the failure hook is asked with. */
    private long allocations;
    /** Asked with each allocation's serial before it is tried; true fails it. Null: no injection. */
    private LongPredicate failureHook;

    private boolean closed;

    /**
     * A device with {@code pages} pages of memory.
     *
     * @param pages a positive multiple of {@link DeviceMemoryLayout#BLOCK_PAGES}
     */
    public DeviceMemory(long pages) {
        if (pages < BLOCK_PAGES || pages % BLOCK_PAGES != 0) {
            throw new IllegalArgumentException("pages=" + pages + " is not a positive multiple of " + BLOCK_PAGES);
        }
        if (pages / BLOCK_PAGES > Integer.MAX_VALUE / WORDS_PER_BLOCK) {
            throw new IllegalArgumentException("pages=" + pages + " is too large");
        }
        int blockCount = (int) (pages / BLOCK_PAGES);
        this.capacity = pages;
        this.zeroPage = arena.allocate(PAGE_SIZE, PAGE_SIZE);
        this.blocks = new MemorySegment[blockCount];
        this.usedBits = new long[blockCount * WORDS_PER_BLOCK];
        this.usedCount = new int[blockCount];
        this.freeBlocks = new int[blockCount];
        this.partialNext = new int[blockCount];
        this.partialPrev = new int[blockCount];
        for (int b = blockCount - 1; b >= 0; b--) {
            freeBlocks[freeTop++] = b; // block 0 on top: handed out first
        }
    }

    /**
     * Allocates one zeroed page.
     *
     * @return its index, or {@link #NO_PAGE} when none is free or a failure was injected
     */
    public long allocPage() {
        checkOpen();
        if (injectedFailure()) {
            return NO_PAGE;
        }
        int block = partialHead;
        if (block == NO_BLOCK) {
            if (freeTop == 0) {
                return NO_PAGE;
            }
            block = takeFreeBlock();
            linkPartial(block);
        }
        long idx = firstFreePage(block);
        usedBits[DeviceMemoryLayout.wordOf(idx)] |= DeviceMemoryLayout.bitOf(idx);
        if (++usedCount[block] == BLOCK_PAGES) {
            unlinkPartial(block);
        }
        usedPages++;
        MemorySegment.copy(zeroPage, 0, blocks[block], DeviceMemoryLayout.pageOffset(idx), PAGE_SIZE);
        return idx;
    }

    /**
     * Allocates 512 contiguous zeroed pages aligned to 512 (a PMD-sized device folio).
     *
     * @return the first page's index, or {@link #NO_PAGE} when no whole block is free or a failure
     *     was injected; the caller may fall back to {@link #allocPage()}
     */
    public long allocHuge() {
        checkOpen();
        if (injectedFailure()) {
            return NO_PAGE;
        }
        if (freeTop == 0) {
            return NO_PAGE;
        }
        int block = takeFreeBlock();
        int firstWord = block * WORDS_PER_BLOCK;
        for (int w = 0; w < WORDS_PER_BLOCK; w++) {
            usedBits[firstWord + w] = -1L;
        }
        usedCount[block] = BLOCK_PAGES;
        usedPages += BLOCK_PAGES;
        blocks[block].fill((byte) 0);
        return (long) block * BLOCK_PAGES;
    }

    /** Frees page {@code idx} (also one page of a huge allocation, as after a folio split). */
    public void freePage(long idx) {
        checkOpen();
        checkAllocated("idx", idx);
        int block = DeviceMemoryLayout.blockOf(idx);
        usedBits[DeviceMemoryLayout.wordOf(idx)] &= ~DeviceMemoryLayout.bitOf(idx);
        boolean wasFull = usedCount[block] == BLOCK_PAGES;
        int used = --usedCount[block];
        usedPages--;
        if (used == 0) {
            if (!wasFull) {
                unlinkPartial(block);
            }
            freeBlocks[freeTop++] = block;
        } else if (wasFull) {
            linkPartial(block);
        }
    }

    /** Frees the 512 pages of a huge allocation starting at {@code head}; all must still be allocated. */
    public void freeHuge(long head) {
        checkOpen();
        checkIndex("head", head);
        if (head % BLOCK_PAGES != 0) {
            throw new IllegalArgumentException("head=" + head + " is not aligned to " + BLOCK_PAGES);
        }
        int block = DeviceMemoryLayout.blockOf(head);
        if (usedCount[block] != BLOCK_PAGES) {
            throw new IllegalArgumentException(
                    "head=" + head + " does not start 512 allocated pages (" + usedCount[block] + " are)");
        }
        int firstWord = block * WORDS_PER_BLOCK;
        for (int w = 0; w < WORDS_PER_BLOCK; w++) {
            usedBits[firstWord + w] = 0;
        }
        usedCount[block] = 0;
        usedPages -= BLOCK_PAGES;
        freeBlocks[freeTop++] = block;
    }

    /**
     * The next {@link #allocPage()} or {@link #allocHuge()} fails once (HMM_DMIRROR_FLAGS
     * FAIL_ALLOC); called n times, the next n allocations fail.
     */
    public void failNextAllocation() {
        checkOpen();
        failNext++;
    }

    /**
     * Consumes a pending {@link #failNextAllocation()} without allocating, for an allocation the
     * device makes elsewhere: test_hmm's {@code HMM_DMIRROR_FLAG_FAIL_ALLOC} also fails the system
     * folio allocation of a migration back to system memory. True if one was pending.
     */
    public boolean takeInjectedFailure() {
        checkOpen();
        if (failNext == 0) {
            return false;
        }
        failNext--;
        return true;
    }

    /**
     * Fault injection at every allocation point: before each {@link #allocPage()} or
     * {@link #allocHuge()}, {@code hook.test(serial)} is asked with the call's serial (see
     * {@link #allocationCount()}); {@code true} fails that call as if the device were out of
     * memory. {@code null} removes the hook. The hook runs under the caller's serialisation (the
     * device lock) and must not call back into this memory.
     */
    public void setAllocationFailureHook(LongPredicate hook) {
        checkOpen();
        failureHook = hook;
    }

    /** {@link #allocPage()}/{@link #allocHuge()} calls so far, failed ones included. */
    public long allocationCount() {
        return allocations;
    }

    /** Whether page {@code idx} is allocated. */
    public boolean isAllocated(long idx) {
        checkIndex("idx", idx);
        return (usedBits[DeviceMemoryLayout.wordOf(idx)] & DeviceMemoryLayout.bitOf(idx)) != 0;
    }

    /** Pages allocated. */
    public long usedPages() {
        return usedPages;
    }

    /** Pages that can still be allocated. */
    public long freePages() {
        return capacity - usedPages;
    }

    /** Pages the device has. */
    public long capacity() {
        return capacity;
    }

    /** Off-heap bytes backing the blocks touched so far. */
    public long memoryBytes() {
        long bytes = PAGE_SIZE;
        for (MemorySegment block : blocks) {
            bytes += block != null ? BLOCK_BYTES : 0;
        }
        return bytes;
    }

    /** A view of allocated page {@code idx}: 4 KiB, valid until the memory is closed. Allocates the view. */
    public MemorySegment page(long idx) {
        checkOpen();
        checkAllocated("idx", idx);
        return blocks[DeviceMemoryLayout.blockOf(idx)].asSlice(DeviceMemoryLayout.pageOffset(idx), PAGE_SIZE);
    }

    /** Copies 4 KiB from {@code src} at {@code srcOff} into page {@code idx} (the DMA of a migration to the device). */
    public void copyIn(MemorySegment src, long srcOff, long idx) {
        checkOpen();
        checkAllocated("idx", idx);
        MemorySegment.copy(
                src, srcOff, blocks[DeviceMemoryLayout.blockOf(idx)], DeviceMemoryLayout.pageOffset(idx), PAGE_SIZE);
    }

    /** Copies page {@code idx} into {@code dst} at {@code dstOff} (the DMA of a migration to system memory). */
    public void copyOut(long idx, MemorySegment dst, long dstOff) {
        checkOpen();
        checkAllocated("idx", idx);
        MemorySegment.copy(
                blocks[DeviceMemoryLayout.blockOf(idx)], DeviceMemoryLayout.pageOffset(idx), dst, dstOff, PAGE_SIZE);
    }

    /** Copies page {@code srcIdx} into page {@code dstIdx}. */
    public void copyPage(long srcIdx, long dstIdx) {
        checkOpen();
        checkAllocated("srcIdx", srcIdx);
        checkAllocated("dstIdx", dstIdx);
        MemorySegment.copy(
                blocks[DeviceMemoryLayout.blockOf(srcIdx)],
                DeviceMemoryLayout.pageOffset(srcIdx),
                blocks[DeviceMemoryLayout.blockOf(dstIdx)],
                DeviceMemoryLayout.pageOffset(dstIdx),
                PAGE_SIZE);
    }

    /** The byte at {@code offset} of page {@code idx}. */
    public byte getByte(long idx, int offset) {
        long at = byteOffset(idx, offset, 1);
        return blocks[DeviceMemoryLayout.blockOf(idx)].get(ValueLayout.JAVA_BYTE, at);
    }

    /** Stores the byte at {@code offset} of page {@code idx}. */
    public void putByte(long idx, int offset, byte value) {
        long at = byteOffset(idx, offset, 1);
        blocks[DeviceMemoryLayout.blockOf(idx)].set(ValueLayout.JAVA_BYTE, at, value);
    }

    /** The 8 bytes at {@code offset} (a multiple of 8) of page {@code idx}. */
    public long getLong(long idx, int offset) {
        long at = byteOffset(idx, offset, Long.BYTES);
        return blocks[DeviceMemoryLayout.blockOf(idx)].get(ValueLayout.JAVA_LONG, at);
    }

    /** Stores 8 bytes at {@code offset} (a multiple of 8) of page {@code idx}. */
    public void putLong(long idx, int offset, long value) {
        long at = byteOffset(idx, offset, Long.BYTES);
        blocks[DeviceMemoryLayout.blockOf(idx)].set(ValueLayout.JAVA_LONG, at, value);
    }

    /** Releases the device memory; any later use throws {@link IllegalStateException}. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    private long byteOffset(long idx, int offset, int size) {
        checkOpen();
        checkAllocated("idx", idx);
        if (offset < 0 || offset > PAGE_SIZE - size || offset % size != 0) {
            throw new IllegalArgumentException(
                    "offset=" + offset + " is not an aligned offset of a " + size + "-byte value in a page");
        }
        return DeviceMemoryLayout.pageOffset(idx) + offset;
    }

    // Every call takes a serial, failed or not, so a hook sees the same serials when a run is repeated.
    private boolean injectedFailure() {
        long serial = allocations++;
        if (failNext > 0) {
            failNext--;
            return true;
        }
        LongPredicate hook = failureHook;
        return hook != null && hook.test(serial);
    }

    private int takeFreeBlock() {
        int block = freeBlocks[--freeTop];
        if (blocks[block] == null) {
            blocks[block] = arena.allocate(BLOCK_BYTES, PAGE_SIZE); // zero-filled
        }
        return block;
    }

    private long firstFreePage(int block) {
        int firstWord = block * WORDS_PER_BLOCK;
        for (int w = 0; w < WORDS_PER_BLOCK; w++) {
            long free = ~usedBits[firstWord + w];
            if (free != 0) {
                return ((long) (firstWord + w) << 6) + Long.numberOfTrailingZeros(free);
            }
        }
        throw new IllegalStateException("block " + block + " is on the partial list but full");
    }

    private void linkPartial(int block) {
        partialPrev[block] = NO_BLOCK;
        partialNext[block] = partialHead;
        if (partialHead != NO_BLOCK) {
            partialPrev[partialHead] = block;
        }
        partialHead = block;
    }

    private void unlinkPartial(int block) {
        int prev = partialPrev[block];
        int next = partialNext[block];
        if (prev == NO_BLOCK) {
            partialHead = next;
        } else {
            partialNext[prev] = next;
        }
        if (next != NO_BLOCK) {
            partialPrev[next] = prev;
        }
    }

    private void checkIndex(String name, long idx) {
        if (idx < 0 || idx >= capacity) {
            throw new IllegalArgumentException(name + "=" + idx + " is outside 0.." + (capacity - 1));
        }
    }

    private void checkAllocated(String name, long idx) {
        checkIndex(name, idx);
        if ((usedBits[DeviceMemoryLayout.wordOf(idx)] & DeviceMemoryLayout.bitOf(idx)) == 0) {
            throw new IllegalArgumentException(name + "=" + idx + " is not allocated");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the device memory is closed");
        }
    }
}

package org.devmirror.mm.phys;

/**
 * Models the buddy allocator's free lists (mm/page_alloc.c) reduced to the two orders devmirror
 * uses: order 0 (one frame) and order 9 (a 2 MiB PMD folio).
 *
 * <p>Frames are grouped in naturally aligned blocks of 512 ({@code pageblock_order}). A bitmap
 * records which frames are in use; each block sits on one of two lists by how many of its frames
 * are free: {@code partial} (some) or {@code empty} (all 512). Single frames come from a partial
 * block first and break an empty block only when no partial one is left, which keeps whole
 * blocks for {@link #allocBlock()} the way the buddy allocator's {@code __rmqueue_smallest}
 * prefers the smallest free order. Every operation is O(1) (a block scan is 8 words).
 *
 * <h2>Assumptions and Guarantees</h2>
 * Not thread-safe: {@link PhysicalMemory} calls every method with its allocator lock held.
 */
final class FrameAllocator {
    static final int BLOCK_SHIFT = 9;
    static final int BLOCK_FRAMES = 1 << BLOCK_SHIFT;
    private static final int WORDS_PER_BLOCK = BLOCK_FRAMES / Long.SIZE;
    private static final int NIL = -1;
    private static final byte ON_NO_LIST = 0;
    private static final byte ON_PARTIAL = 1;
    private static final byte ON_EMPTY = 2;

    private final long frameCount;
    // bit (pfn & 63) of word (pfn >>> 6) is set while the frame is allocated; bits past
    // frameCount are set once and never cleared, so they are never handed out
    private final long[] inUse;
    // free frames per block; a block shorter than 512 (the last one) never reaches 512
    private final int[] blockFree;
    // doubly linked block lists; a block is on the list named by onList[b]
    private final int[] next;
    private final int[] prev;
    private final byte[] onList;
    private int partialHead = NIL;
    private int emptyHead = NIL;
    // sum of blockFree
    private long freeFrames;

    FrameAllocator(long frameCount) {
        this.frameCount = frameCount;
        int words = (int) ((frameCount + Long.SIZE - 1) / Long.SIZE);
        int blocks = (int) ((frameCount + BLOCK_FRAMES - 1) / BLOCK_FRAMES);
        inUse = new long[blocks * WORDS_PER_BLOCK];
        for (int w = words; w < inUse.length; w++) {
            inUse[w] = -1L;
        }
        int tailBits = (int) (frameCount % Long.SIZE);
        if (tailBits != 0) {
            inUse[words - 1] = -1L << tailBits;
        }
        blockFree = new int[blocks];
        next = new int[blocks];
        prev = new int[blocks];
        onList = new byte[blocks];
        // Push in reverse so that low blocks are handed out first.
        for (int b = blocks - 1; b >= 0; b--) {
            long first = (long) b << BLOCK_SHIFT;
            blockFree[b] = (int) Math.min(BLOCK_FRAMES, frameCount - first);
            reclassify(b);
        }
        freeFrames = frameCount;
    }

    long freeFrames() {
        return freeFrames;
    }

    /** Takes one free frame; {@link PhysicalMemory#NO_FRAME} when none is left. */
    long allocOne() {
        int b = partialHead != NIL ? partialHead : emptyHead;
        if (b == NIL) {
            return PhysicalMemory.NO_FRAME;
        }
        int base = b * WORDS_PER_BLOCK;
        for (int w = base; w < base + WORDS_PER_BLOCK; w++) {
            long word = inUse[w];
            if (word != -1L) {
                int bit = Long.numberOfTrailingZeros(~word);
                inUse[w] = word | (1L << bit);
                blockFree[b]--;
                freeFrames--;
                reclassify(b);
                return ((long) w << 6) | bit;
            }
        }
        throw new IllegalStateException("block " + b + " is listed with free frames but has none");
    }

    /** Takes a whole free 512-frame block; returns its first pfn or {@link PhysicalMemory#NO_FRAME}. */
    long allocBlock() {
        int b = emptyHead;
        if (b == NIL) {
            return PhysicalMemory.NO_FRAME;
        }
        int base = b * WORDS_PER_BLOCK;
        for (int w = base; w < base + WORDS_PER_BLOCK; w++) {
            inUse[w] = -1L;
        }
        blockFree[b] = 0;
        freeFrames -= BLOCK_FRAMES;
        reclassify(b);
        return (long) b << BLOCK_SHIFT;
    }

    /**
     * {@code take_page_off_buddy}: takes the given frame if it is free.
     *
     * @return false if it is allocated
     */
    boolean takeOne(long pfn) {
        int w = (int) (pfn >>> 6);
        long bit = 1L << (pfn & 63);
        if ((inUse[w] & bit) != 0) {
            return false;
        }
        inUse[w] |= bit;
        int b = (int) (pfn >>> BLOCK_SHIFT);
        blockFree[b]--;
        freeFrames--;
        reclassify(b);
        return true;
    }

    /** Returns one allocated frame. */
    void freeOne(long pfn) {
        int w = (int) (pfn >>> 6);
        long bit = 1L << (pfn & 63);
        if ((inUse[w] & bit) == 0) {
            throw new IllegalStateException("pfn=" + pfn + " is already free");
        }
        inUse[w] &= ~bit;
        int b = (int) (pfn >>> BLOCK_SHIFT);
        blockFree[b]++;
        freeFrames++;
        reclassify(b);
    }

    /** Returns a whole block taken by {@link #allocBlock()}. */
    void freeBlock(long headPfn) {
        int b = (int) (headPfn >>> BLOCK_SHIFT);
        if (blockFree[b] != 0) {
            throw new IllegalStateException("headPfn=" + headPfn + " is not a fully allocated block");
        }
        int base = b * WORDS_PER_BLOCK;
        for (int w = base; w < base + WORDS_PER_BLOCK; w++) {
            inUse[w] = 0;
        }
        blockFree[b] = BLOCK_FRAMES;
        freeFrames += BLOCK_FRAMES;
        reclassify(b);
    }

    /** {@code true} while {@code pfn} is allocated. */
    boolean isAllocated(long pfn) {
        return pfn < frameCount && (inUse[(int) (pfn >>> 6)] & (1L << (pfn & 63))) != 0;
    }

    private void reclassify(int b) {
        int free = blockFree[b];
        byte want = free == 0 ? ON_NO_LIST : free == BLOCK_FRAMES ? ON_EMPTY : ON_PARTIAL;
        if (want == onList[b]) {
            return;
        }
        unlink(b);
        onList[b] = want;
        if (want == ON_PARTIAL) {
            partialHead = push(b, partialHead);
        } else if (want == ON_EMPTY) {
            emptyHead = push(b, emptyHead);
        }
    }

    private int push(int b, int head) {
        prev[b] = NIL;
        next[b] = head;
        if (head != NIL) {
            prev[head] = b;
        }
        return b;
    }

    private void unlink(int b) {
        if (onList[b] == ON_NO_LIST) {
            return;
        }
        int p = prev[b];
        int n = next[b];
        if (n != NIL) {
            prev[n] = p;
        }
        if (p != NIL) {
            next[p] = n;
        } else if (onList[b] == ON_PARTIAL) {
            partialHead = n;
        } else {
            emptyHead = n;
        }
        onList[b] = ON_NO_LIST;
    }
}

package org.devmirror.device.memory;

/**
 * Models the device-memory layout of the dmirror device (lib/test_hmm.c): device pages grouped in
 * 2 MiB blocks, each block one off-heap segment that exists from the first time one of its pages is
 * handed out (test_hmm memremaps 256 MiB chunks on demand in {@code dmirror_allocate_chunk};
 * devmirror backs memory per block so a small workload costs little).
 *
 * <pre>
 * page index (long)
 *  63 ............................ 9  8 ........ 0
 * +----------------------------------+------------+
 * |            block                 | page (512) |
 * +----------------------------------+------------+
 *
 * block segment (2 MiB)
 * +-------------+-------------+-----+---------------+
 * | page 0 4KiB | page 1 4KiB | ... | page 511 4KiB |   page p at byte p * 4096
 * +-------------+-------------+-----+---------------+
 *
 * used bitmap (on heap): 8 longs per block, bit (page &amp; 63) of word page &gt;&gt;&gt; 6
 * </pre>
 * A huge (PMD) allocation is exactly one whole block, so it is naturally aligned to 512 pages.
 */
public final class DeviceMemoryLayout {
    /** Bytes in a device page. */
    public static final long PAGE_SIZE = 4096;
    /** {@code PAGE_SHIFT}. */
    public static final int PAGE_SHIFT = 12;
    /** Pages in a block (and in a huge allocation), as a shift. */
    public static final int BLOCK_SHIFT = 9;
    /** Pages in a block (and in a huge allocation). */
    public static final int BLOCK_PAGES = 1 << BLOCK_SHIFT;
    /** Bytes in a block segment. */
    public static final long BLOCK_BYTES = BLOCK_PAGES * PAGE_SIZE;
    /** Bitmap words per block. */
    static final int WORDS_PER_BLOCK = BLOCK_PAGES / Long.SIZE;

    private DeviceMemoryLayout() {}

    /** Block holding page {@code idx}. */
    static int blockOf(long idx) {
        return (int) (idx >>> BLOCK_SHIFT);
    }

    /** Byte offset of page {@code idx} within its block segment. */
    static long pageOffset(long idx) {
        return (idx & (BLOCK_PAGES - 1)) << PAGE_SHIFT;
    }

    /** Index of the bitmap word holding page {@code idx}. */
    static int wordOf(long idx) {
        return (int) (idx >>> 6);
    }

    /** Bit of page {@code idx} in its bitmap word. */
    static long bitOf(long idx) {
        return 1L << (idx & 63);
    }
}

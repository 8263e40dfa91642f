package org.devmirror.mm.phys;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The contents of the frames of system RAM, one off-heap segment addressed by PFN (layout in
 * {@link FrameContentsLayout}): the direct map through which the kernel's {@code copy_highpage},
 * {@code clear_highpage} and {@code memcmp_pages} reach a page.
 *
 * <p>This class checks offsets, lengths and arrays; which PFNs are frames and that the zero page
 * is never written are {@link PhysicalMemory}'s checks, made before it calls here.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Every access is plain. Publication is the caller's: the host writes a frame before installing,
 * with release semantics, the page-table entry that names it, and readers load that entry with
 * acquire semantics. Two threads writing one frame at once is a race the caller must not make.
 *
 * <h2>Locking</h2>
 * None.
 */
final class FrameContents {
    private static final long PAGE_SIZE = FrameContentsLayout.FRAME_BYTES;
    private static final int PAGE_BYTES = (int) PAGE_SIZE;

    // FrameContentsLayout.contentOffset(pfn) for frame pfn
    private final MemorySegment contents;

    FrameContents(MemorySegment contents) {
        this.contents = contents;
    }

    /** Copies the 4 KiB of {@code srcPfn} over {@code dstPfn}. */
    void copy(long srcPfn, long dstPfn) {
        MemorySegment.copy(
                contents,
                FrameContentsLayout.contentOffset(srcPfn),
                contents,
                FrameContentsLayout.contentOffset(dstPfn),
                PAGE_SIZE);
    }

    byte getByte(long pfn, int offset) {
        checkSpan(offset, 1);
        return contents.get(ValueLayout.JAVA_BYTE, FrameContentsLayout.contentOffset(pfn) + offset);
    }

    void putByte(long pfn, int offset, byte b) {
        checkSpan(offset, 1);
        contents.set(ValueLayout.JAVA_BYTE, FrameContentsLayout.contentOffset(pfn) + offset, b);
    }

    long getLong(long pfn, int offset) {
        checkSpan(offset, Long.BYTES);
        return contents.get(ValueLayout.JAVA_LONG_UNALIGNED, FrameContentsLayout.contentOffset(pfn) + offset);
    }

    void putLong(long pfn, int offset, long v) {
        checkSpan(offset, Long.BYTES);
        contents.set(ValueLayout.JAVA_LONG_UNALIGNED, FrameContentsLayout.contentOffset(pfn) + offset, v);
    }

    void read(long pfn, int offset, byte[] dst, int dstOff, int len) {
        checkSpan(offset, len);
        checkArray(dst, dstOff, len);
        MemorySegment.copy(
                contents, ValueLayout.JAVA_BYTE, FrameContentsLayout.contentOffset(pfn) + offset, dst, dstOff, len);
    }

    void write(long pfn, int offset, byte[] src, int srcOff, int len) {
        checkSpan(offset, len);
        checkArray(src, srcOff, len);
        MemorySegment.copy(
                src, srcOff, contents, ValueLayout.JAVA_BYTE, FrameContentsLayout.contentOffset(pfn) + offset, len);
    }

    void copyToSegment(long pfn, MemorySegment dst, long dstOffset) {
        checkSegment("dstOffset", dst, dstOffset);
        MemorySegment.copy(contents, FrameContentsLayout.contentOffset(pfn), dst, dstOffset, PAGE_SIZE);
    }

    void copyFromSegment(MemorySegment src, long srcOffset, long pfn) {
        checkSegment("srcOffset", src, srcOffset);
        MemorySegment.copy(src, srcOffset, contents, FrameContentsLayout.contentOffset(pfn), PAGE_SIZE);
    }

    /** {@code pages_identical}. */
    boolean equal(long a, long b) {
        long offA = FrameContentsLayout.contentOffset(a);
        long offB = FrameContentsLayout.contentOffset(b);
        return MemorySegment.mismatch(contents, offA, offA + PAGE_SIZE, contents, offB, offB + PAGE_SIZE) == -1;
    }

    private static void checkSpan(int offset, int len) {
        if (offset < 0 || len < 0 || offset > PAGE_BYTES - len) {
            throw new IllegalArgumentException(
                    "offset=" + offset + " len=" + len + " is not within a " + PAGE_SIZE + "-byte frame");
        }
    }

    private static void checkArray(byte[] array, int off, int len) {
        if (off < 0 || off > array.length - len) {
            throw new IllegalArgumentException(
                    "off=" + off + " len=" + len + " is not within an array of length " + array.length);
        }
    }

    private static void checkSegment(String name, MemorySegment segment, long offset) {
        if (offset < 0 || offset > segment.byteSize() - PAGE_SIZE) {
            throw new IllegalArgumentException(
                    name + "=" + offset + " leaves no " + PAGE_SIZE + " bytes in a segment of " + segment.byteSize());
        }
    }
}

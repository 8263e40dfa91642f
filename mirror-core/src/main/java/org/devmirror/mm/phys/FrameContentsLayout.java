package org.devmirror.mm.phys;

/**
 * Where the contents of a frame of system RAM live in the contents segment of
 * {@link FrameContents}: the kernel's direct map, where {@code page_address(pfn_to_page(pfn))} is
 * {@code PAGE_OFFSET + pfn * PAGE_SIZE}. Nobody else computes these offsets.
 *
 * <pre>
 *  0            4096         8192                      frameCount * 4096
 *  +------------+------------+-------- ... --------+
 *  |  frame 0   |  frame 1   |                     |
 *  +------------+------------+-------- ... --------+
 *   one page of contents per PFN, page-aligned; the per-frame records are in PageRefLayout
 * </pre>
 */
final class FrameContentsLayout {
    /** Bytes per frame of contents ({@code PAGE_SIZE}). */
    static final long FRAME_BYTES = PhysicalMemory.PAGE_SIZE;
    /** Alignment of the segment: a frame's contents start on a page boundary. */
    static final long ALIGNMENT = PhysicalMemory.PAGE_SIZE;

    private FrameContentsLayout() {}

    /** Offset of the first byte of frame {@code pfn}. */
    static long contentOffset(long pfn) {
        return pfn << PhysicalMemory.PAGE_SHIFT;
    }

    /** Size of the contents segment for {@code frameCount} frames. */
    static long segmentBytes(long frameCount) {
        return frameCount * FRAME_BYTES;
    }
}

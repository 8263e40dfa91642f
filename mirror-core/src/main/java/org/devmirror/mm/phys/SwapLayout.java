package org.devmirror.mm.phys;

/**
 * Where a swap slot's contents live in a {@link SwapDevice}'s off-heap segment, like the page-sized
 * slots of a swap area ({@code struct swap_info_struct}, mm/swapfile.c). Nobody else computes
 * these offsets.
 *
 * <pre>
 *  0            4096         8192                      slots * 4096
 *  +------------+------------+-------- ... --------+
 *  |   slot 0   |   slot 1   |                     |
 *  +------------+------------+-------- ... --------+
 *   one page of contents per slot; the per-slot use counts (swap_map) are kept on the heap
 * </pre>
 */
final class SwapLayout {
    /** Bytes per slot: one page. */
    static final long SLOT_BYTES = PhysicalMemory.PAGE_SIZE;

    private SwapLayout() {}

    /** Offset of the first byte of {@code slot}. */
    static long slotOffset(long slot) {
        return slot * SLOT_BYTES;
    }

    /** Size of the contents segment for {@code slots} slots. */
    static long segmentBytes(long slots) {
        return slots * SLOT_BYTES;
    }
}

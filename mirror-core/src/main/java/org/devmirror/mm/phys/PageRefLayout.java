package org.devmirror.mm.phys;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Models the part of {@code struct page} / {@code struct folio} (include/linux/mm_types.h) that
 * devmirror tracks per frame: the records {@link PageRefs} keeps in the {@code mem_map} segment.
 * Nobody else computes these offsets; where a frame's contents live is {@link FrameContentsLayout}.
 *
 * <h2>Metadata segment: one 16-byte record per frame, record {@code pfn} at {@code pfn * 16}</h2>
 * <pre>
 *  0          4          8          12         16
 *  +----------+----------+----------+----------+
 *  | refcount | mapcount |  flags   | (unused) |
 *  +----------+----------+----------+----------+
 *   refcount  page_ref_count: references (mappings and pins); 0 = free. On a huge folio only
 *             the head's counts; tails hold 0 (folio_ref_count(page_folio(page))).
 *   mapcount  how many page-table entries map the frame (PTE or PMD); on a huge folio only
 *             the head's counts, like the kernel's entire_mapcount.
 *   flags     HEAD | TAIL | ANON | DIRTY | HWPOISON (bits below), 0 while free (a poisoned
 *             frame is never freed: memory failure keeps a reference to it)
 * </pre>
 *
 */
final class PageRefLayout {
    /** Bytes per metadata record. */
    static final long RECORD_BYTES = 16;
    /** Offset of the 32-bit reference count in a record. */
    static final long REFCOUNT_OFFSET = 0;
    /** Offset of the 32-bit map count in a record. */
    static final long MAPCOUNT_OFFSET = 4;
    /** Offset of the 32-bit flag word in a record. */
    static final long FLAGS_OFFSET = 8;

    /** {@code PG_head}: first frame of a 512-frame PMD folio. */
    static final int FLAG_HEAD = 1;
    /** A tail frame of a PMD folio (the kernel marks it through {@code compound_head}). */
    static final int FLAG_TAIL = 1 << 1;
    /** {@code PageAnon}: anonymous memory (clear: page-cache / file memory). */
    static final int FLAG_ANON = 1 << 2;
    /** {@code PG_dirty}: contents differ from the backing store. */
    static final int FLAG_DIRTY = 1 << 3;

    /** {@code PG_hwpoison}: the frame's memory is corrupted ({@code memory_failure}). */
    static final int FLAG_HWPOISON = 1 << 4;

    /** 32-bit field handle with coordinates (segment, byte offset); every record field is an int. */
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private PageRefLayout() {}

    /** Offset of the record of {@code pfn} in the metadata segment. */
    static long recordOffset(long pfn) {
        return pfn * RECORD_BYTES;
    }

    /** Offset of the reference count of {@code pfn}. */
    static long refcountOffset(long pfn) {
        return recordOffset(pfn) + REFCOUNT_OFFSET;
    }

    /** Offset of the map count of {@code pfn}. */
    static long mapcountOffset(long pfn) {
        return recordOffset(pfn) + MAPCOUNT_OFFSET;
    }

    /** Offset of the flag word of {@code pfn}. */
    static long flagsOffset(long pfn) {
        return recordOffset(pfn) + FLAGS_OFFSET;
    }

    /** Size of the metadata segment for {@code frameCount} frames. */
    static long metadataBytes(long frameCount) {
        return frameCount * RECORD_BYTES;
    }
}

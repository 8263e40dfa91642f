package org.devmirror.mm;

/**
 * Models {@code folio->mapping} and {@code folio->index} (include/linux/mm_types.h) for every frame
 * of system RAM: what a mapped frame belongs to (an {@link AnonVma} fork family, a
 * {@link MemoryObject}, or a {@link KsmStable} node) and its page index there, which is all the
 * reverse map needs to find the page-table entries naming it. Also holds the
 * {@code PG_lazyfree} bit of {@code MADV_FREE}.
 *
 * <h2>Assumptions and Guarantees</h2>
 * A frame's entry is written before the page-table entry naming it is published (with release
 * semantics by {@code CpuPageTable.set}); a reader that found the frame through an acquire load
 * of that entry sees it. Entries of free frames are stale and never read: every path that maps a
 * new frame writes its entry first.
 */
final class PageMapping {
    // pfn -> AnonVma, MemoryObject or KsmStable; stale for free frames
    private final Object[] mapping;
    // pfn -> page index in the mapping (linear page index for anonymous pages)
    private final long[] index;
    // pfn -> MADV_FREE'd and not written since (PG_lazyfree without PG_swapbacked)
    private final boolean[] lazyFree;

    PageMapping(long frames) {
        if (frames > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("frames=" + frames + " is too many for the reverse map");
        }
        mapping = new Object[(int) frames];
        index = new long[(int) frames];
        lazyFree = new boolean[(int) frames];
    }

    /** {@code folio_add_new_anon_rmap}: a new anonymous page of family {@code anon} at linear index {@code idx}. */
    void setAnon(long pfn, AnonVma anon, long idx) {
        int i = (int) pfn;
        mapping[i] = anon;
        index[i] = idx;
        lazyFree[i] = false;
    }

    /** A page-cache page of {@code obj} at {@code idx}. */
    void setFile(long pfn, MemoryObject obj, long idx) {
        int i = (int) pfn;
        mapping[i] = obj;
        index[i] = idx;
        lazyFree[i] = false;
    }

    /** A KSM page: its mappings are listed in the stable node. */
    void setKsm(long pfn, KsmStable node) {
        mapping[(int) pfn] = node;
        lazyFree[(int) pfn] = false;
    }

    /** Moves the identity of {@code from} to {@code to} (migration, compaction). */
    void copy(long from, long to) {
        mapping[(int) to] = mapping[(int) from];
        index[(int) to] = index[(int) from];
        lazyFree[(int) to] = lazyFree[(int) from];
    }

    Object mappingOf(long pfn) {
        return mapping[(int) pfn];
    }

    long indexOf(long pfn) {
        return index[(int) pfn];
    }

    boolean isKsm(long pfn) {
        return mapping[(int) pfn] instanceof KsmStable;
    }

    boolean isLazyFree(long pfn) {
        return lazyFree[(int) pfn];
    }

    void setLazyFree(long pfn, boolean v) {
        lazyFree[(int) pfn] = v;
    }
}

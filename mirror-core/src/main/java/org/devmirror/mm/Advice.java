package org.devmirror.mm;

/**
 * The {@code MADV_*} advice values of {@code madvise()} that devmirror models (mm/madvise.c).
 */
public enum Advice {
    /** {@code MADV_DONTNEED}: drop the pages now (zap_page_range_single, CLEAR). */
    DONTNEED,
    /** {@code MADV_FREE}: private anonymous pages may be discarded instead of swapped (CLEAR). */
    FREE,
    /** {@code MADV_HUGEPAGE}: allow transparent huge pages (VMA flag only, no invalidation). */
    HUGEPAGE,
    /** {@code MADV_NOHUGEPAGE}: forbid transparent huge pages (VMA flag only, no invalidation). */
    NOHUGEPAGE,
    /** {@code MADV_COLLAPSE}: collapse every aligned 2 MiB region into a huge page now (CLEAR). */
    COLLAPSE,
    /** {@code MADV_PAGEOUT}: reclaim the pages now (try_to_unmap, CLEAR). */
    PAGEOUT,
    /** {@code MADV_MERGEABLE}: let KSM merge identical pages (CLEAR per merged page). */
    MERGEABLE,
    /**
     * {@code MADV_REMOVE}: punch a hole in the file behind a shared mapping
     * ({@code vfs_fallocate(PUNCH_HOLE|KEEP_SIZE)}, CLEAR in every address space mapping it);
     * EINVAL on anonymous memory, EACCES on a private mapping.
     */
    REMOVE
}

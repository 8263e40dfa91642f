package org.devmirror.mm;

import java.util.List;

/**
 * The argument of the {@code PAGEMAP_SCAN} ioctl on {@code /proc/PID/pagemap}
 * ({@code struct pm_scan_arg}, include/uapi/linux/fs.h) as devmirror takes it: the range, the
 * flags, and the four category masks that choose which pages are reported and, with
 * {@link #WP_MATCHING}, write-protected. The output vector is unbounded here
 * ({@code vec_len} and {@code max_pages} are not modelled): every matching region is returned.
 *
 * @param start            first byte (page aligned)
 * @param end              one past the last byte (page aligned)
 * @param flags            {@link #WP_MATCHING}, {@link #CHECK_WPASYNC}
 * @param categoryMask     every one of these categories is required
 * @param categoryInverted categories tested inverted ({@code categories ^= category_inverted})
 * @param categoryAnyofMask at least one of these categories is required (0: no requirement)
 * @param returnMask       the categories reported for each region
 */
public record PagemapScan(
        long start,
        long end,
        int flags,
        long categoryMask,
        long categoryInverted,
        long categoryAnyofMask,
        long returnMask) {
    /** {@code PM_SCAN_WP_MATCHING}: write-protect the matching pages (needs userfaultfd WP_ASYNC). */
    public static final int WP_MATCHING = 1;
    /** {@code PM_SCAN_CHECK_WPASYNC}: fail with EPERM on a VMA not registered for async write-protect. */
    public static final int CHECK_WPASYNC = 1 << 1;

    /** {@code PAGE_IS_WPALLOWED}: the VMA is registered for async uffd-wp with markers. */
    public static final long PAGE_IS_WPALLOWED = 1L;
    /** {@code PAGE_IS_WRITTEN}: not uffd write-protected (written since the last protection). */
    public static final long PAGE_IS_WRITTEN = 1L << 1;
    /** {@code PAGE_IS_FILE}: a page-cache page (file or shmem). */
    public static final long PAGE_IS_FILE = 1L << 2;
    /** {@code PAGE_IS_PRESENT}. */
    public static final long PAGE_IS_PRESENT = 1L << 3;
    /** {@code PAGE_IS_SWAPPED}: a swap-style entry (swap, migration, device, marker). */
    public static final long PAGE_IS_SWAPPED = 1L << 4;
    /** {@code PAGE_IS_PFNZERO}: the shared zero page. */
    public static final long PAGE_IS_PFNZERO = 1L << 5;
    /** {@code PAGE_IS_HUGE}: mapped by a PMD leaf. */
    public static final long PAGE_IS_HUGE = 1L << 6;
    /** {@code PAGE_IS_SOFT_DIRTY}. */
    public static final long PAGE_IS_SOFT_DIRTY = 1L << 7;
    /** Every category devmirror reports ({@code PM_SCAN_CATEGORIES} without {@code PAGE_IS_GUARD}). */
    public static final long CATEGORIES = PAGE_IS_WPALLOWED
            | PAGE_IS_WRITTEN
            | PAGE_IS_FILE
            | PAGE_IS_PRESENT
            | PAGE_IS_SWAPPED
            | PAGE_IS_PFNZERO
            | PAGE_IS_HUGE
            | PAGE_IS_SOFT_DIRTY;

    /** Validates the argument as {@code pagemap_scan_get_args} does; misuse throws. */
    public PagemapScan {
        UserRange.end("start", start, "length", end - start);
        if ((flags & ~(WP_MATCHING | CHECK_WPASYNC)) != 0) {
            throw new IllegalArgumentException("flags=0x" + Integer.toHexString(flags) + " has unknown bits");
        }
        long all = categoryMask | categoryInverted | categoryAnyofMask | returnMask;
        if ((all & ~CATEGORIES) != 0) {
            throw new IllegalArgumentException(
                    "category masks have unknown bits 0x" + Long.toHexString(all & ~CATEGORIES));
        }
        if (returnMask == 0 && (flags & WP_MATCHING) == 0) {
            throw new IllegalArgumentException("returnMask=0 without WP_MATCHING: the scan would do nothing");
        }
    }

    /**
     * The scan a userfaultfd-based dirty tracker runs: report the pages written since the last
     * scan ({@code PAGE_IS_WRITTEN}) and write-protect them again.
     */
    public static PagemapScan writtenAndProtect(long start, long end) {
        return new PagemapScan(start, end, WP_MATCHING | CHECK_WPASYNC, PAGE_IS_WRITTEN, 0, 0, PAGE_IS_WRITTEN);
    }

    /**
     * One {@code struct page_region}: {@code [start, end)} whose pages share {@code categories}
     * (masked by the scan's return mask).
     */
    public record Region(long start, long end, long categories) {}

    /**
     * What the ioctl returned: {@code result} OK or the errno, {@code walkEnd} where the walk
     * stopped ({@code pm_scan_arg.walk_end}), and the regions found.
     */
    public record Result(Errno result, long walkEnd, List<Region> regions) {
        public Result {
            regions = List.copyOf(regions);
        }
    }
}

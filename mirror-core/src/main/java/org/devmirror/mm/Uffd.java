package org.devmirror.mm;

/**
 * The constants of include/uapi/linux/userfaultfd.h that devmirror's userfaultfd takes: the
 * features asked for with {@code UFFDIO_API}, the register mode, and the modes of
 * {@code UFFDIO_WRITEPROTECT} and {@code UFFDIO_MOVE}. Values are the kernel's, so a replayed
 * {@code ioctl} passes them through unchanged.
 */
public final class Uffd {
    /**
     * {@code UFFD_FEATURE_WP_UNPOPULATED}: write-protecting an anonymous range also protects its
     * empty entries, with uffd-wp PTE markers ({@code userfaultfd_wp_use_markers}). File and
     * shmem ranges always get markers.
     */
    public static final long FEATURE_WP_UNPOPULATED = 1L << 13;
    /**
     * {@code UFFD_FEATURE_WP_ASYNC}: a write to a write-protected page is resolved by the kernel
     * itself (the uffd-wp bit is dropped and the write goes on) instead of becoming a message;
     * {@code PAGEMAP_SCAN} then reports which pages were written. Implies
     * {@link #FEATURE_WP_UNPOPULATED} ({@code userfaultfd_api}).
     */
    public static final long FEATURE_WP_ASYNC = 1L << 15;
    /** The features devmirror models; {@code UFFDIO_API} with any other bit is EINVAL here. */
    public static final long KNOWN_FEATURES = FEATURE_WP_UNPOPULATED | FEATURE_WP_ASYNC;

    /** {@code UFFDIO_REGISTER_MODE_MISSING} (not modelled: a registration must be WP only). */
    public static final int REGISTER_MODE_MISSING = 1;
    /** {@code UFFDIO_REGISTER_MODE_WP}. */
    public static final int REGISTER_MODE_WP = 1 << 1;
    /** {@code UFFDIO_REGISTER_MODE_MINOR} (not modelled). */
    public static final int REGISTER_MODE_MINOR = 1 << 2;

    /** {@code UFFDIO_WRITEPROTECT_MODE_WP}: protect; without it the range is un-protected. */
    public static final int WRITEPROTECT_MODE_WP = 1;
    /** {@code UFFDIO_WRITEPROTECT_MODE_DONTWAKE}: un-protect without waking blocked faults. */
    public static final int WRITEPROTECT_MODE_DONTWAKE = 1 << 1;

    /** {@code UFFDIO_MOVE_MODE_DONTWAKE}. */
    public static final int MOVE_MODE_DONTWAKE = 1;
    /** {@code UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES}: an empty source page counts as moved instead of ENOENT. */
    public static final int MOVE_MODE_ALLOW_SRC_HOLES = 1 << 1;

    private Uffd() {}
}

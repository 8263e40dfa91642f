package org.devmirror.trace;

import static java.util.Map.entry;

import java.util.Map;

/**
 * The ioctls a replay models and how strace prints them: the userfaultfd requests
 * (include/uapi/linux/userfaultfd.h) and {@code PAGEMAP_SCAN} (include/uapi/linux/fs.h), the
 * field of each request's argument struct that {@link CallDecoder} reads, and the names strace
 * prints for their flag words. strace 6.1 decodes UFFDIO_API, UFFDIO_REGISTER and
 * UFFDIO_UNREGISTER, prints UFFDIO_WRITEPROTECT's argument as a pointer, and prints the newer
 * PAGEMAP_SCAN and UFFDIO_MOVE as raw {@code _IOC(...)} numbers with a pointer; {@link #RAW}
 * recognises those so that the skip names the request.
 */
final class IoctlNames {
    /** Request name to the struct fields read (dotted for nested structs) and the flag names of each. */
    static final Map<String, Map<String, Map<String, Long>>> FIELDS;
    /** strace's raw {@code _IOC(dir, type, nr, size)} text of a modelled request, to its name. */
    static final Map<String, String> RAW = Map.of(
            "_IOC(_IOC_READ|_IOC_WRITE, 0xaa, 0x5, 0x28)", "UFFDIO_MOVE",
            "_IOC(_IOC_READ|_IOC_WRITE, 0x66, 0x10, 0x60)", "PAGEMAP_SCAN",
            "_IOC(_IOC_READ, 0xaa, 0x6, 0x10)", "UFFDIO_WRITEPROTECT");

    /** {@code UFFD_FEATURE_*}, bit numbers as in the uapi header. */
    static final Map<String, Long> UFFD_FEATURE = Map.ofEntries(
            entry("UFFD_FEATURE_PAGEFAULT_FLAG_WP", 1L),
            entry("UFFD_FEATURE_EVENT_FORK", 1L << 1),
            entry("UFFD_FEATURE_EVENT_REMAP", 1L << 2),
            entry("UFFD_FEATURE_EVENT_REMOVE", 1L << 3),
            entry("UFFD_FEATURE_MISSING_HUGETLBFS", 1L << 4),
            entry("UFFD_FEATURE_MISSING_SHMEM", 1L << 5),
            entry("UFFD_FEATURE_EVENT_UNMAP", 1L << 6),
            entry("UFFD_FEATURE_SIGBUS", 1L << 7),
            entry("UFFD_FEATURE_THREAD_ID", 1L << 8),
            entry("UFFD_FEATURE_MINOR_HUGETLBFS", 1L << 9),
            entry("UFFD_FEATURE_MINOR_SHMEM", 1L << 10),
            entry("UFFD_FEATURE_EXACT_ADDRESS", 1L << 11),
            entry("UFFD_FEATURE_WP_HUGETLBFS_SHMEM", 1L << 12),
            entry("UFFD_FEATURE_WP_UNPOPULATED", 1L << 13),
            entry("UFFD_FEATURE_POISON", 1L << 14),
            entry("UFFD_FEATURE_WP_ASYNC", 1L << 15),
            entry("UFFD_FEATURE_MOVE", 1L << 16));

    static final Map<String, Long> REGISTER_MODE =
            Map.of("UFFDIO_REGISTER_MODE_MISSING", 1L, "UFFDIO_REGISTER_MODE_WP", 2L, "UFFDIO_REGISTER_MODE_MINOR", 4L);
    static final Map<String, Long> WRITEPROTECT_MODE =
            Map.of("UFFDIO_WRITEPROTECT_MODE_WP", 1L, "UFFDIO_WRITEPROTECT_MODE_DONTWAKE", 2L);
    static final Map<String, Long> MOVE_MODE =
            Map.of("UFFDIO_MOVE_MODE_DONTWAKE", 1L, "UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES", 2L);
    static final Map<String, Long> PM_SCAN_FLAGS = Map.of("PM_SCAN_WP_MATCHING", 1L, "PM_SCAN_CHECK_WPASYNC", 2L);
    static final Map<String, Long> PAGE_IS = Map.of(
            "PAGE_IS_WPALLOWED",
            1L,
            "PAGE_IS_WRITTEN",
            1L << 1,
            "PAGE_IS_FILE",
            1L << 2,
            "PAGE_IS_PRESENT",
            1L << 3,
            "PAGE_IS_SWAPPED",
            1L << 4,
            "PAGE_IS_PFNZERO",
            1L << 5,
            "PAGE_IS_HUGE",
            1L << 6,
            "PAGE_IS_SOFT_DIRTY",
            1L << 7,
            "PAGE_IS_GUARD",
            1L << 8);
    private static final Map<String, Long> NUMBER = Map.of();

    static {
        FIELDS = Map.of(
                "UFFDIO_API", Map.of("features", UFFD_FEATURE),
                "UFFDIO_REGISTER", Map.of("range.start", NUMBER, "range.len", NUMBER, "mode", REGISTER_MODE),
                "UFFDIO_UNREGISTER", Map.of("start", NUMBER, "len", NUMBER),
                "UFFDIO_WRITEPROTECT", Map.of("range.start", NUMBER, "range.len", NUMBER, "mode", WRITEPROTECT_MODE),
                "UFFDIO_MOVE", Map.of("dst", NUMBER, "src", NUMBER, "len", NUMBER, "mode", MOVE_MODE),
                "PAGEMAP_SCAN",
                        Map.of(
                                "start",
                                NUMBER,
                                "end",
                                NUMBER,
                                "flags",
                                PM_SCAN_FLAGS,
                                "category_inverted",
                                PAGE_IS,
                                "category_mask",
                                PAGE_IS,
                                "category_anyof_mask",
                                PAGE_IS,
                                "return_mask",
                                PAGE_IS));
    }

    private IoctlNames() {}
}

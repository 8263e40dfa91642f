package org.devmirror.mm;

/**
 * The 64-bit entry a read of {@code /proc/PID/pagemap} returns for one page
 * ({@code pagemap_read}, fs/proc/task_mmu.c; Documentation/admin-guide/mm/pagemap.rst), read with
 * {@link AddressSpace#pagemap(long, boolean)}.
 *
 * <pre>
 *  63  62  61  60..58  57  56  55  54 ................................ 0
 * +---+---+---+-------+---+---+---+------------------------------------+
 * | P | S | F |   0   |UW | E |SD |  PFN, or swap type (5) + offset     |
 * +---+---+---+-------+---+---+---+------------------------------------+
 *   P  PM_PRESENT       S  PM_SWAP (any non-present entry: swap, migration, device, marker)
 *   F  PM_FILE (a page-cache page: file or shared anonymous)   UW PM_UFFD_WP
 *   E  PM_MMAP_EXCLUSIVE (present and mapped exactly once)     SD PM_SOFT_DIRTY
 * </pre>
 * The frame bits are filled only when the reader asks for them ({@code pm->show_pfn}, which the
 * kernel grants to {@code CAP_SYS_ADMIN}): a present page's PFN, or for a non-present entry
 * {@code swp_type | offset << 5}. devmirror has one swap device (type 0) and does not number the
 * special swap types of migration and device entries, so their type field reads 0.
 */
public final class Pagemap {
    /** {@code PM_PRESENT}. */
    public static final long PRESENT = 1L << 63;
    /** {@code PM_SWAP}. */
    public static final long SWAP = 1L << 62;
    /** {@code PM_FILE}. */
    public static final long FILE = 1L << 61;
    /** {@code PM_UFFD_WP}. */
    public static final long UFFD_WP = 1L << 57;
    /** {@code PM_MMAP_EXCLUSIVE}. */
    public static final long MMAP_EXCLUSIVE = 1L << 56;
    /** {@code PM_SOFT_DIRTY}. */
    public static final long SOFT_DIRTY = 1L << 55;
    /** {@code PM_PFRAME_MASK}: the frame bits. */
    public static final long PFRAME_MASK = (1L << 55) - 1;
    /** {@code MAX_SWAPFILES_SHIFT}: the swap offset sits above 5 bits of swap type. */
    public static final int SWAP_TYPE_BITS = 5;

    private Pagemap() {}

    /** A readable list of the flag bits set in {@code entry}, e.g. {@code "present softdirty exclusive"}. */
    public static String describe(long entry) {
        StringBuilder sb = new StringBuilder();
        append(sb, entry, PRESENT, "present");
        append(sb, entry, SWAP, "swapped");
        append(sb, entry, FILE, "file");
        append(sb, entry, UFFD_WP, "uffd-wp");
        append(sb, entry, MMAP_EXCLUSIVE, "exclusive");
        append(sb, entry, SOFT_DIRTY, "softdirty");
        return sb.isEmpty() ? "none" : sb.toString();
    }

    private static void append(StringBuilder sb, long entry, long bit, String name) {
        if ((entry & bit) != 0) {
            sb.append(sb.isEmpty() ? "" : " ").append(name);
        }
    }
}

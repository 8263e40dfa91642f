package org.devmirror.mm;

/**
 * Models {@code struct migrate_vma} (include/linux/migrate.h, mm/migrate_device.c): the
 * arguments and results of moving a range of one address space between system memory and
 * device-private memory.
 *
 * <p>The driver fills {@link #start}, {@link #end}, {@link #src} and {@link #dst} arrays of
 * {@code (end - start) / PAGE_SIZE} entries, {@link #pgmapOwner} and {@link #flags}, then calls
 * {@link AddressSpace#migrateVmaSetup}. The host fills {@code src} with
 * {@code migratePfn(pfn) | MIGRATE_PFN_MIGRATE [| MIGRATE_PFN_WRITE]} for every page it isolated
 * (pfn 0 with only MIGRATE for an empty anonymous page that may be filled) and counts them in
 * {@link #cpages}. The driver allocates destination pages, copies, sets
 * {@code dst[i] = migratePfn(newPfn)} and calls {@link AddressSpace#migrateVmaPages} and
 * {@link AddressSpace#migrateVmaFinalize}.
 *
 * <p>With {@link #SELECT_COMPOUND}, a 2 MiB folio (or an empty 2 MiB block) the range covers
 * whole is collected as one entry: {@code src[i]} carries {@link #MIGRATE_PFN_COMPOUND} and names
 * the head page, the 511 entries after it are 0, and it counts once in {@link #cpages}. The driver
 * answers with a 2 MiB destination folio ({@code dst[i] = migratePfn(head) | MIGRATE_PFN_COMPOUND})
 * or, when it cannot get one, with 512 base pages in {@code dst[i..i+511]}; the host then splits
 * the source (mm/migrate_device.c, {@code migrate_vma_split_unmapped_folio}).
 *
 * <h2>Assumptions and Guarantees</h2>
 * Used by one thread, which holds the address space's mmap read lock from setup to finalize.
 */
public final class MigrateVma {
    /** {@code MIGRATE_PFN_VALID}: the entry names a page. */
    public static final long MIGRATE_PFN_VALID = 1L << 0;
    /** {@code MIGRATE_PFN_MIGRATE}: the page (or the hole) is isolated and may move. */
    public static final long MIGRATE_PFN_MIGRATE = 1L << 1;
    /** {@code MIGRATE_PFN_WRITE}: the source was mapped writable; map the destination writable. */
    public static final long MIGRATE_PFN_WRITE = 1L << 3;
    /** {@code MIGRATE_PFN_COMPOUND}: the entry is the head of a 2 MiB folio. */
    public static final long MIGRATE_PFN_COMPOUND = 1L << 4;
    /** {@code MIGRATE_PFN_SHIFT}. */
    public static final int PFN_SHIFT = 6;

    /** {@code MIGRATE_VMA_SELECT_SYSTEM}: collect system-memory pages. */
    public static final int SELECT_SYSTEM = 1;
    /** {@code MIGRATE_VMA_SELECT_DEVICE_PRIVATE}: collect device-private pages of {@link #pgmapOwner}. */
    public static final int SELECT_DEVICE_PRIVATE = 2;
    /**
     * {@code MIGRATE_VMA_SELECT_DEVICE_COHERENT}: collect device-coherent pages of
     * {@link #pgmapOwner} (present entries; {@link #SELECT_SYSTEM} never selects them).
     */
    public static final int SELECT_DEVICE_COHERENT = 4;
    /** {@code MIGRATE_VMA_SELECT_COMPOUND}: collect 2 MiB folios (and empty 2 MiB blocks) whole. */
    public static final int SELECT_COMPOUND = 8;

    /** First byte of the range, page aligned. */
    public long start;
    /** One past the last byte, page aligned, in the same VMA as start. */
    public long end;
    /** One entry per page; filled by setup. */
    public long[] src;
    /** One entry per page; filled by the driver between setup and pages. */
    public long[] dst;
    /** Compared with device-private pages' pagemap owner; sent as the MIGRATE event's owner. */
    public Object pgmapOwner;
    /** {@code SELECT_*} bits. */
    public int flags;
    /** Entries isolated by setup: pages and holes, a compound entry once. */
    public long cpages;
    // set by migrateVmaPages, cleared by migrateVmaFinalize: whether MIGRATE bits were confirmed
    boolean pagesDone;

    /**
     * An empty migration: the driver fills {@link #start}, {@link #end}, {@link #src},
     * {@link #dst}, {@link #pgmapOwner} and {@link #flags}, as it fills {@code struct migrate_vma}
     * on its stack before {@code migrate_vma_setup}.
     */
    public MigrateVma() {}

    /** {@code migrate_pfn()}: encodes a pfn as a valid migrate entry. */
    public static long migratePfn(long pfn) {
        return (pfn << PFN_SHIFT) | MIGRATE_PFN_VALID;
    }

    /** {@code migrate_pfn_to_page()}: the pfn of a valid entry, or -1 when the entry is not valid. */
    public static long pfnOf(long migratePfn) {
        return (migratePfn & MIGRATE_PFN_VALID) != 0 ? migratePfn >>> PFN_SHIFT : -1;
    }

    /** Number of pages in {@code [start, end)}. */
    public int npages() {
        return (int) ((end - start) >>> 12);
    }
}

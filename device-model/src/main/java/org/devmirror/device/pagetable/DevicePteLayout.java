package org.devmirror.device.pagetable;

/**
 * Models the device page-table entry of the dmirror device (lib/test_hmm.c), and the off-heap
 * pages that hold such entries. test_hmm keeps a tagged {@code struct page *} per page in an
 * xarray (tag WRITE or ATOMIC); devmirror packs the same facts into one 64-bit word the way a GPU
 * PTE does, so the table can live in off-heap memory.
 *
 * <h2>Entry</h2>
 * <pre>
 *  63      56 55                                12 11    7    6      5      4      3      2      1      0
 * +----------+------------------------------------+--------+------+------+------+------+------+------+------+
 * | reserved |            PFN (44 bits)           |reserved|TABLE |REMOTE| DEVP | HUGE |ATOMIC|WRITE |VALID |
 * +----------+------------------------------------+--------+------+------+------+------+------+------+------+
 *   0                    no entry: the device has no translation for the page
 *   VALID                set in every entry a caller stores or reads; READ is implied
 *   WRITE                the device may write the page (test_hmm's DPT_XA_TAG_WRITE)
 *   ATOMIC               exclusive access granted by make_device_exclusive (DPT_XA_TAG_ATOMIC)
 *   HUGE                 a 2 MiB leaf; PFN is the first of 512 frames, aligned to 512
 *   DEVP (DEVICE_PRIVATE) PFN names a device-private page: PFN &gt;= DEVICE_PFN_BASE
 *   REMOTE               with DEVP: the device-private page belongs to another device
 *   TABLE                internal to {@link OffHeapDevicePageTable}: a directory slot whose PFN field
 *                        is the pool index of a child table page; never VALID, never seen by callers
 *   reserved             zero
 * </pre>
 * A system page has PFN &lt; {@link #DEVICE_PFN_BASE}; device pagemaps are registered above it.
 *
 * <h2>Table page</h2>
 * <pre>
 * +--------+--------+-----+----------+
 * | slot 0 | slot 1 | ... | slot 511 |   4 KiB, 8-byte slots, slot i at byte i * 8
 * +--------+--------+-----+----------+
 *   level 3 (root)  VA bits 46..39  slots 0..255 used; slot = 0 or TABLE
 *   level 2         VA bits 38..30  slot = 0 or TABLE
 *   level 1 (PMD)   VA bits 29..21  slot = 0, TABLE or a HUGE leaf
 *   level 0 (PTE)   VA bits 20..12  slot = 0 or a 4 KiB leaf
 * </pre>
 *
 * <h2>Pool chunk</h2>
 * Table pages come from a pool that grows one chunk at a time:
 * <pre>
 * +-------------+-------------+-----+--------------------+--------------+-----+
 * | page 0 4KiB | page 1 4KiB | ... | descriptor 0 (8 B) | descriptor 1 | ... |
 * +-------------+-------------+-----+--------------------+--------------+-----+
 *   descriptor: int population (non-zero slots of the page) | int next free page (NO_PAGE = end)
 *               a free page keeps its population: 0 = all slots zero, else dirty until handed out
 *   pool page p lives in chunk p &gt;&gt;&gt; CHUNK_SHIFT at index p &amp; (CHUNK_PAGES - 1)
 * </pre>
 */
public final class DevicePteLayout {
    /** Bytes in a base page ({@code PAGE_SIZE}). */
    public static final long PAGE_SIZE = 4096;
    /** {@code PAGE_SHIFT}. */
    public static final int PAGE_SHIFT = 12;
    /** Bytes mapped by a HUGE leaf ({@code PMD_SIZE}). */
    public static final long HUGE_SIZE = 2L << 20;
    /** Base pages in a HUGE leaf ({@code HPAGE_PMD_NR}). */
    public static final int HUGE_PAGES = 512;
    /** First address the device cannot mirror: the x86-64 user half, {@code TASK_SIZE}. */
    public static final long VA_LIMIT = 1L << 47;
    /** First device-private PFN: system PFNs lie below, device pagemaps at or above. */
    public static final long DEVICE_PFN_BASE = 1L << 32;

    /** The entry is a translation. */
    public static final long VALID = 1L;
    /** The device may write. */
    public static final long WRITE = 1L << 1;
    /** Exclusive (atomic) access was granted. */
    public static final long ATOMIC = 1L << 2;
    /** A 2 MiB leaf. */
    public static final long HUGE = 1L << 3;
    /** The PFN names a device-private page. */
    public static final long DEVICE_PRIVATE = 1L << 4;
    /** The device-private page belongs to another device. */
    public static final long REMOTE = 1L << 5;
    /** Internal directory slot pointing at a child table page. */
    static final long TABLE = 1L << 6;
    /** Shift of the PFN field. */
    public static final int PFN_SHIFT = 12;
    /** Width of the PFN field. */
    public static final int PFN_BITS = 44;
    /** Largest PFN an entry can hold. */
    public static final long MAX_PFN = (1L << PFN_BITS) - 1;
    /** The PFN field in place. */
    public static final long PFN_MASK = MAX_PFN << PFN_SHIFT;
    /** Every flag a caller may set. */
    public static final long FLAGS = VALID | WRITE | ATOMIC | HUGE | DEVICE_PRIVATE | REMOTE;
    /** Bits that must be zero in a caller's entry. */
    public static final long RESERVED = ~(FLAGS | PFN_MASK);

    /** Levels of the radix tree. */
    static final int LEVELS = 4;
    /** Level of the root table. */
    static final int ROOT_LEVEL = 3;
    /** Level whose slots may be HUGE leaves. */
    static final int PMD_LEVEL = 1;
    /** Level whose slots are 4 KiB leaves. */
    static final int PTE_LEVEL = 0;
    /** Index bits per level. */
    static final int LEVEL_BITS = 9;
    /** Slots per table page. */
    static final int SLOTS = 1 << LEVEL_BITS;
    /** Bytes per slot. */
    static final int SLOT_BYTES = 8;
    /** Table pages per pool chunk, as a shift. */
    static final int CHUNK_SHIFT = 4;
    /** Table pages per pool chunk. */
    static final int CHUNK_PAGES = 1 << CHUNK_SHIFT;
    /** Bytes of one page descriptor. */
    static final int DESCRIPTOR_BYTES = 8;
    /** Bytes of one pool chunk: its pages then their descriptors. */
    static final long CHUNK_BYTES = CHUNK_PAGES * PAGE_SIZE + (long) CHUNK_PAGES * DESCRIPTOR_BYTES;
    /** Pool index meaning "no page". */
    static final int NO_PAGE = -1;

    private DevicePteLayout() {}

    // ---- entries -------------------------------------------------------------------------

    /** A 4 KiB entry for the system page {@code pfn}. */
    public static long systemPage(long pfn, boolean write) {
        checkPfn(pfn, false);
        return VALID | (write ? WRITE : 0) | (pfn << PFN_SHIFT);
    }

    /**
     * A 4 KiB entry for the device-private page {@code pfn}; {@code remote} when it belongs to
     * another device (test_hmm's HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE).
     */
    public static long devicePrivatePage(long pfn, boolean write, boolean remote) {
        checkPfn(pfn, true);
        return VALID | DEVICE_PRIVATE | (remote ? REMOTE : 0) | (write ? WRITE : 0) | (pfn << PFN_SHIFT);
    }

    /** A 4 KiB entry granting exclusive access to the system page {@code pfn} (test_hmm's ATOMIC tag). */
    public static long exclusivePage(long pfn) {
        return systemPage(pfn, true) | ATOMIC;
    }

    /** The 2 MiB leaf form of a 4 KiB entry; its PFN must be aligned to 512. */
    public static long huge(long entry) {
        checkEntry("entry", entry);
        if ((pfn(entry) & (HUGE_PAGES - 1)) != 0) {
            throw new IllegalArgumentException(
                    "pfn=0x" + Long.toHexString(pfn(entry)) + " is not aligned to " + HUGE_PAGES);
        }
        return entry | HUGE;
    }

    /** {@code entry} with WRITE set, or with WRITE and ATOMIC cleared (a write-protect drops exclusivity). */
    public static long withWrite(long entry, boolean write) {
        return write ? entry | WRITE : entry & ~(WRITE | ATOMIC);
    }

    /** The 4 KiB entry for page {@code index} (0..511) of a HUGE leaf, as a split leaves it. */
    public static long hugeSubpage(long hugeLeaf, int index) {
        return (hugeLeaf & ~HUGE) + ((long) index << PFN_SHIFT);
    }

    /** The PFN field. */
    public static long pfn(long entry) {
        return (entry & PFN_MASK) >>> PFN_SHIFT;
    }

    /** The PFN of the page holding {@code va}: for a HUGE leaf, the leaf's PFN plus the page index in it. */
    public static long pfnAt(long entry, long va) {
        long pfn = pfn(entry);
        return isHuge(entry) ? pfn + ((va >>> PAGE_SHIFT) & (HUGE_PAGES - 1)) : pfn;
    }

    /** VALID set. */
    public static boolean isValid(long entry) {
        return (entry & VALID) != 0;
    }

    /** WRITE set. */
    public static boolean isWrite(long entry) {
        return (entry & WRITE) != 0;
    }

    /** ATOMIC set. */
    public static boolean isAtomic(long entry) {
        return (entry & ATOMIC) != 0;
    }

    /** HUGE set. */
    public static boolean isHuge(long entry) {
        return (entry & HUGE) != 0;
    }

    /** DEVICE_PRIVATE set. */
    public static boolean isDevicePrivate(long entry) {
        return (entry & DEVICE_PRIVATE) != 0;
    }

    /** REMOTE set. */
    public static boolean isRemote(long entry) {
        return (entry & REMOTE) != 0;
    }

    /**
     * 0 if {@code entry} is 0 or a well-formed 4 KiB entry (as {@link #checkEntry} requires, and not
     * HUGE); non-zero otherwise. Branch-free, so that checking a whole table's entries before a bulk
     * write is straight-line code; the caller names the defect with {@link #checkEntry} only once
     * one is found.
     */
    static long smallEntryDefects(long entry) {
        long present = (entry | -entry) >> 63; // -1 for a non-zero entry, 0 for 0
        long devicePrivate = (entry >>> 4) & 1;
        long pfnHigh = (entry & PFN_MASK) >>> (PFN_SHIFT + 32); // non-zero iff pfn >= DEVICE_PFN_BASE
        long aboveBase = (pfnHigh | -pfnHigh) >>> 63;
        long defects = (~entry & VALID)
                | (entry & (RESERVED | HUGE))
                | ((entry >>> 5) & ~devicePrivate & 1) // REMOTE without DEVICE_PRIVATE
                | (devicePrivate ^ aboveBase);
        return defects & present;
    }

    /** Bits a plain system-page entry never has: reserved, HUGE, DEVP, REMOTE, a PFN at or above the base. */
    private static final long NOT_PLAIN_SYSTEM =
            RESERVED | HUGE | DEVICE_PRIVATE | REMOTE | (PFN_MASK & -(DEVICE_PFN_BASE << PFN_SHIFT));

    /**
     * 0 if {@code entry} is 0 or a well-formed 4 KiB entry of a system page; non-zero otherwise,
     * device-private entries included. Where this is 0, so is {@link #smallEntryDefects}: a bulk
     * write checks its entries with this first, half the operations an entry, and runs the whole
     * check only over a block where some entry is not a plain system page.
     */
    static long plainSystemEntryDefects(long entry) {
        return ((entry & NOT_PLAIN_SYSTEM) | (~entry & VALID)) & ((entry | -entry) >> 63);
    }

    /**
     * Throws {@link IllegalArgumentException} naming {@code name} unless {@code entry} is a
     * well-formed translation: VALID, no reserved bits, REMOTE only with DEVICE_PRIVATE, PFN on the
     * side of {@link #DEVICE_PFN_BASE} that DEVICE_PRIVATE says, and a HUGE PFN aligned to 512.
     */
    public static void checkEntry(String name, long entry) {
        if ((entry & VALID) == 0) {
            throw new IllegalArgumentException(name + "=" + hex(entry) + " is not VALID");
        }
        if ((entry & RESERVED) != 0) {
            throw new IllegalArgumentException(name + "=" + hex(entry) + " has reserved bits " + hex(entry & RESERVED));
        }
        if (isRemote(entry) && !isDevicePrivate(entry)) {
            throw new IllegalArgumentException(name + "=" + hex(entry) + " is REMOTE but not DEVICE_PRIVATE");
        }
        if (isDevicePrivate(entry) != (pfn(entry) >= DEVICE_PFN_BASE)) {
            throw new IllegalArgumentException(name + "=" + hex(entry) + " has pfn=" + hex(pfn(entry))
                    + (isDevicePrivate(entry) ? " below" : " at or above") + " DEVICE_PFN_BASE");
        }
        if (isHuge(entry) && (pfn(entry) & (HUGE_PAGES - 1)) != 0) {
            throw new IllegalArgumentException(
                    name + "=" + hex(entry) + " is HUGE with pfn not aligned to " + HUGE_PAGES);
        }
    }

    /** A readable form, e.g. {@code pfn=0x1234 VALID|WRITE}, for test failures and the demo. */
    public static String describe(long entry) {
        if (entry == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder("pfn=").append(hex(pfn(entry))).append(' ');
        String[] names = {"VALID", "WRITE", "ATOMIC", "HUGE", "DEVICE_PRIVATE", "REMOTE", "TABLE"};
        int before = sb.length();
        for (int bit = 0; bit < names.length; bit++) {
            if ((entry & (1L << bit)) != 0) {
                sb.append(sb.length() > before ? "|" : "").append(names[bit]);
            }
        }
        return sb.toString();
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static void checkPfn(long pfn, boolean devicePrivate) {
        if (pfn < 0 || pfn > MAX_PFN) {
            throw new IllegalArgumentException("pfn=" + hex(pfn) + " is outside 0.." + hex(MAX_PFN));
        }
        if (devicePrivate != (pfn >= DEVICE_PFN_BASE)) {
            throw new IllegalArgumentException("pfn=" + hex(pfn) + (devicePrivate ? " is below" : " is at or above")
                    + " DEVICE_PFN_BASE=" + hex(DEVICE_PFN_BASE));
        }
    }

    // ---- radix tree ------------------------------------------------------------------------

    /** Shift of the VA bits a level indexes. */
    static int levelShift(int level) {
        return PAGE_SHIFT + LEVEL_BITS * level;
    }

    /** Slot index of {@code va} in a table at {@code level}. */
    static int index(long va, int level) {
        return (int) (va >>> levelShift(level)) & (SLOTS - 1);
    }

    /** A directory slot naming child table page {@code page}. */
    static long tablePointer(int page) {
        return TABLE | ((long) page << PFN_SHIFT);
    }

    /** Whether a directory slot names a child table. */
    static boolean isTable(long slot) {
        return (slot & TABLE) != 0;
    }

    /** The child table page a directory slot names. */
    static int tablePage(long slot) {
        return (int) ((slot & PFN_MASK) >>> PFN_SHIFT);
    }

    // ---- pool chunks -----------------------------------------------------------------------

    /** Chunk holding pool page {@code page}. */
    static int chunkOf(int page) {
        return page >>> CHUNK_SHIFT;
    }

    /** Byte offset of slot {@code slot} of pool page {@code page} within its chunk. */
    static long slotOffset(int page, int slot) {
        return pageOffset(page) + (long) slot * SLOT_BYTES;
    }

    /** Byte offset of pool page {@code page} within its chunk. */
    static long pageOffset(int page) {
        return (long) (page & (CHUNK_PAGES - 1)) << PAGE_SHIFT;
    }

    /** Byte offset of the population count of pool page {@code page} within its chunk. */
    static long populationOffset(int page) {
        return CHUNK_PAGES * PAGE_SIZE + (long) (page & (CHUNK_PAGES - 1)) * DESCRIPTOR_BYTES;
    }

    /** Byte offset of the next-free link of pool page {@code page} within its chunk. */
    static long nextFreeOffset(int page) {
        return populationOffset(page) + Integer.BYTES;
    }
}

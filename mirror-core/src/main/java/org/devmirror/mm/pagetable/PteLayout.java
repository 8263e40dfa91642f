package org.devmirror.mm.pagetable;

/**
 * Models the x86-64 page-table entry ({@code pte_t}/{@code pmd_t}, arch/x86/include/asm/pgtable_types.h)
 * and the non-present swap-style entries ({@code swp_entry_t}, include/linux/swapops.h): the one
 * bit diagram of a 64-bit CPU PTE or PMD leaf. Static helpers only; nobody else computes bits.
 *
 * <h2>Present entry ({@code PRESENT} = 1)</h2>
 * <pre>
 *  63    52 51                            12  11  10   9   8   7   6   5   4   3   2   1   0
 * +--------+--------------------------------+---+---+---+---+---+---+---+---+---+---+---+---+
 * |   0    |            PFN (40)            |SD | 0 |SP | 0 |HG | D | A | 0 | 0 | R | W | P |
 * +--------+--------------------------------+---+---+---+---+---+---+---+---+---+---+---+---+
 *   P  PRESENT     W  WRITE      R  READ (clear: PROT_NONE, like _PAGE_PROTNONE)
 *   A  ACCESSED    D  DIRTY      HG HUGE (a PMD leaf mapping 2 MiB, x86 PSE)
 *   SP SPECIAL (no struct page behind it: the zero page, pte_special)
 *   SD SOFT_DIRTY (x86 _PAGE_SOFT_DIRTY, cleared by clear_refs)
 * </pre>
 *
 * <h2>Non-present entry ({@code PRESENT} = 0, entry != 0)</h2>
 * <pre>
 *  63    52 51                            12  11  10   9   8   7   6   5   4   3 ... 1   0
 * +--------+--------------------------------+---+---+---+---+---+---+---+---+-------+---+
 * |   0    |   OFFSET (swap slot or PFN)    |SD | 0 | 0 | 0 |HG |MD | 0 |SW | TYPE  | 0 |
 * +--------+--------------------------------+---+---+---+---+---+---+---+---+-------+---+
 *   TYPE  1 SWAP, 2 MIGRATION, 3 DEVICE_PRIVATE, 4 DEVICE_EXCLUSIVE, 5 MARKER, 6 HWPOISON (never 0, so an
 *         entry for slot or PFN 0 is still nonzero)
 *   SW    writable: the migration or device entry replaced a writable PTE
 *         (make_writable_migration_entry, make_writable_device_private_entry)
 *   HG    HUGE: a PMD-level migration or device-private entry (a whole 2 MiB folio)
 *   MD    migration dirty: the migration entry replaced a dirty PTE (make_migration_entry_dirty),
 *         at the DIRTY bit of a present entry; remove_migration_pte makes the PTE dirty again
 *   SD    soft-dirty, at the same bit as in a present entry so conversions keep it
 * </pre>
 * The entry 0 is {@code pte_none}: nothing mapped, nothing remembered.
 */
public final class PteLayout {
    /** {@code _PAGE_PRESENT}. */
    public static final long PRESENT = 1L;
    /** {@code _PAGE_RW}. */
    public static final long WRITE = 1L << 1;
    /** Readable by the user; clear in a present entry means PROT_NONE. */
    public static final long READ = 1L << 2;
    /** {@code _PAGE_ACCESSED} (young). */
    public static final long ACCESSED = 1L << 5;
    /** {@code _PAGE_DIRTY}. */
    public static final long DIRTY = 1L << 6;
    /** {@code _PAGE_PSE}: a PMD leaf, present or not. */
    public static final long HUGE = 1L << 7;
    /** {@code _PAGE_SPECIAL}: no struct page (the zero page). */
    public static final long SPECIAL = 1L << 9;
    /** {@code _PAGE_UFFD_WP} / {@code _PAGE_SWP_UFFD_WP}, at the same bit in both kinds. */
    public static final long UFFD_WP = 1L << 10;
    /** {@code _PAGE_SOFT_DIRTY}, kept in non-present entries at the same bit. */
    public static final long SOFT_DIRTY = 1L << 11;

    /** Bit position of the PFN (present) or offset (non-present). */
    public static final int PFN_SHIFT = 12;
    /** The PFN / offset field. */
    public static final long PFN_MASK = ((1L << 40) - 1) << PFN_SHIFT;
    /** The largest PFN or swap slot an entry can hold. */
    public static final long MAX_PFN = (1L << 40) - 1;
    /** Flags a caller may pass to {@link #present(long, long)} and {@link #pmdLeaf(long, long)}. */
    public static final long PRESENT_FLAGS = READ | WRITE | ACCESSED | DIRTY | SOFT_DIRTY | UFFD_WP;

    /** Bit position of TYPE in a non-present entry. */
    public static final int TYPE_SHIFT = 1;
    /** The TYPE field of a non-present entry. */
    public static final long TYPE_MASK = 0x7L << TYPE_SHIFT;
    /** Writable migration / device entry. */
    public static final long SWP_WRITE = 1L << 4;

    /** {@link #type}: the entry is 0. */
    public static final int TYPE_NONE = 0;
    /** {@link #type}: a swap entry; the offset is a swap slot. */
    public static final int TYPE_SWAP = 1;
    /** {@link #type}: a migration entry; the offset is the PFN being migrated. */
    public static final int TYPE_MIGRATION = 2;
    /** {@link #type}: a device-private entry; the offset is the device PFN. */
    public static final int TYPE_DEVICE_PRIVATE = 3;
    /** {@link #type}: a device-exclusive entry; the offset is the system-RAM PFN. */
    public static final int TYPE_DEVICE_EXCLUSIVE = 4;
    /** {@link #type}: a PTE marker; the offset holds its marker bits. */
    public static final int TYPE_MARKER = 5;
    /** {@code PTE_MARKER_UFFD_WP}: the marker bit of a none entry write-protected by userfaultfd. */
    public static final long MARKER_UFFD_WP = 1L;
    /** {@link #type}: a hardware-poisoned page ({@code make_hwpoison_entry}); the offset is its PFN. */
    public static final int TYPE_HWPOISON = 6;
    /** {@link #type}: a present entry (not a TYPE field value). */
    public static final int TYPE_PRESENT = 8;

    private static final long PMD_PFN_ALIGN = 512;

    private PteLayout() {}

    // ---- constructors ---------------------------------------------------------------------

    /** {@code mk_pte}: a present, readable 4 KiB entry, writable if {@code write}. */
    public static long present(long pfn, boolean write) {
        return present(pfn, write ? READ | WRITE : READ);
    }

    /** A present 4 KiB entry with {@code flags}, a combination of {@link #PRESENT_FLAGS}. */
    public static long present(long pfn, long flags) {
        checkPfn("pfn", pfn);
        if ((flags & ~PRESENT_FLAGS) != 0) {
            throw new IllegalArgumentException("flags=0x" + Long.toHexString(flags)
                    + " has bits outside PRESENT_FLAGS=0x" + Long.toHexString(PRESENT_FLAGS));
        }
        return PRESENT | flags | (pfn << PFN_SHIFT);
    }

    /** The read-only special entry mapping the shared zero page ({@code do_anonymous_page}). */
    public static long zeroPage(long zeroPfn) {
        checkPfn("zeroPfn", zeroPfn);
        return PRESENT | READ | SPECIAL | (zeroPfn << PFN_SHIFT);
    }

    /** {@code mk_huge_pmd}: a present 2 MiB PMD leaf, readable, writable if {@code write}. */
    public static long pmdLeaf(long headPfn, boolean write) {
        return pmdLeaf(headPfn, write ? READ | WRITE : READ);
    }

    /** A present 2 MiB PMD leaf with {@code flags} from {@link #PRESENT_FLAGS}; {@code headPfn} 512-aligned. */
    public static long pmdLeaf(long headPfn, long flags) {
        checkHugePfn("headPfn", headPfn);
        return present(headPfn, flags) | HUGE;
    }

    /** {@code swp_entry(type, slot)} for a page written to swap slot {@code slot}. */
    public static long swapEntry(long slot) {
        checkPfn("slot", slot);
        return ((long) TYPE_SWAP << TYPE_SHIFT) | (slot << PFN_SHIFT);
    }

    /** {@code make_readable/writable_migration_entry}: {@code pfn} is being migrated. */
    public static long migrationEntry(long pfn, boolean write) {
        return pfnEntry(TYPE_MIGRATION, "pfn", pfn, write);
    }

    /**
     * As {@link #migrationEntry(long, boolean)}, remembering with {@code make_migration_entry_dirty}
     * that the PTE it replaces was dirty: a page mapped back from it must be dirty again, or a
     * lazily freed page written since would look clean to reclaim and be discarded.
     */
    public static long migrationEntry(long pfn, boolean write, boolean dirty) {
        return migrationEntry(pfn, write) | (dirty ? DIRTY : 0);
    }

    /** {@code is_migration_entry_dirty}: a migration entry that replaced a dirty PTE. */
    public static boolean isMigrationDirty(long e) {
        return isMigration(e) && (e & DIRTY) != 0;
    }

    /** {@code make_readable/writable_device_private_entry}: the page lives in device memory at {@code devPfn}. */
    public static long devicePrivateEntry(long devPfn, boolean write) {
        return pfnEntry(TYPE_DEVICE_PRIVATE, "devPfn", devPfn, write);
    }

    /** {@code make_pte_marker(PTE_MARKER_UFFD_WP)}: a none entry that remembers it is write-protected. */
    public static long uffdWpMarker() {
        return ((long) TYPE_MARKER << TYPE_SHIFT) | (MARKER_UFFD_WP << PFN_SHIFT);
    }

    /** {@code make_device_exclusive}: the device holds {@code pfn} exclusively; a CPU touch restores it. */
    public static long deviceExclusiveEntry(long pfn, boolean write) {
        return pfnEntry(TYPE_DEVICE_EXCLUSIVE, "pfn", pfn, write);
    }

    /**
     * {@code make_hwpoison_entry}: {@code try_to_unmap_one} with {@code TTU_HWPOISON} leaves this
     * where a poisoned page was mapped; the next access gets {@code VM_FAULT_HWPOISON}.
     */
    public static long hwpoisonEntry(long pfn) {
        return pfnEntry(TYPE_HWPOISON, "pfn", pfn, false);
    }

    /**
     * The PMD-level form of a migration or device-private entry ({@code swp_entry_to_pmd}): sets
     * {@link #HUGE}. The PFN must be 512-aligned; swap and device-exclusive entries are PTE-only.
     */
    public static long toPmd(long entry) {
        int t = type(entry);
        if (t != TYPE_MIGRATION && t != TYPE_DEVICE_PRIVATE) {
            throw new IllegalArgumentException(
                    "entry=0x" + Long.toHexString(entry) + " is not a migration or device-private entry");
        }
        checkHugePfn("entry pfn", pfn(entry));
        return entry | HUGE;
    }

    /**
     * The PTE-level entry for page {@code index} (0..511) of a PMD-level migration or
     * device-private entry, as {@code __split_huge_pmd_locked} writes it: same kind, writable and
     * dirty bits and soft-dirty, PFN {@code head + index}.
     */
    public static long subpageEntry(long pmdEntry, int index) {
        int t = type(pmdEntry);
        if ((t != TYPE_MIGRATION && t != TYPE_DEVICE_PRIVATE) || !isHuge(pmdEntry)) {
            throw new IllegalArgumentException("pmdEntry=0x" + Long.toHexString(pmdEntry)
                    + " is not a PMD-level migration or device-private entry");
        }
        if (index < 0 || index >= PMD_PFN_ALIGN) {
            throw new IllegalArgumentException("index=" + index + " is outside 0.." + (PMD_PFN_ALIGN - 1));
        }
        return (pmdEntry & ~(HUGE | PFN_MASK)) | ((pfn(pmdEntry) + index) << PFN_SHIFT);
    }

    // ---- modifiers (pte_mkwrite and friends) ------------------------------------------------

    /** {@code pte_mkwrite}; on a migration or device entry sets its writable bit. */
    public static long mkWrite(long e) {
        return e | (isPresent(e) ? WRITE : SWP_WRITE);
    }

    /** {@code pte_wrprotect}; on a migration or device entry makes it read-only. */
    public static long wrProtect(long e) {
        return e & ~(isPresent(e) ? WRITE : SWP_WRITE);
    }

    /** {@code pte_mkdirty}: sets DIRTY and, as x86 does, SOFT_DIRTY. */
    public static long mkDirty(long e) {
        return e | DIRTY | SOFT_DIRTY;
    }

    /** {@code pte_mkclean}. */
    public static long mkClean(long e) {
        return e & ~DIRTY;
    }

    /** {@code pte_mkyoung}. */
    public static long mkYoung(long e) {
        return e | ACCESSED;
    }

    /** {@code pte_mkold}. */
    public static long mkOld(long e) {
        return e & ~ACCESSED;
    }

    /** {@code pte_mksoft_dirty} / {@code pte_swp_mksoft_dirty}: the same bit in both kinds. */
    public static long mkSoftDirty(long e) {
        return e | SOFT_DIRTY;
    }

    /** {@code pte_clear_soft_dirty} / {@code pte_swp_clear_soft_dirty}. */
    public static long clearSoftDirty(long e) {
        return e & ~SOFT_DIRTY;
    }

    /**
     * {@code pte_mkuffd_wp} / {@code pte_swp_mkuffd_wp}: sets {@link #UFFD_WP}; a present entry is
     * write-protected with it (x86 does both in one helper). A none entry must become
     * {@link #uffdWpMarker()} instead; a marker is returned unchanged.
     */
    public static long mkUffdWp(long e) {
        if (e == 0) {
            throw new IllegalArgumentException("e=0: a none entry is write-protected with uffdWpMarker()");
        }
        if (isMarker(e)) {
            return e;
        }
        return isPresent(e) ? (e & ~WRITE) | UFFD_WP : e | UFFD_WP;
    }

    /**
     * {@code pte_clear_uffd_wp} / {@code pte_swp_clear_uffd_wp}; a uffd-wp marker becomes 0
     * ({@code pte_clear}), other markers are returned unchanged. Write permission is not given
     * back: the next write fault decides.
     */
    public static long clearUffdWp(long e) {
        if (isMarker(e)) {
            return markerBits(e) == MARKER_UFFD_WP ? 0 : e;
        }
        return e & ~UFFD_WP;
    }

    /**
     * {@code pte_modify(pte, PAGE_NONE)}: the NUMA-hinting form of a present entry
     * ({@code change_pte_range} under {@code MM_CP_PROT_NUMA}): neither readable nor writable,
     * everything else kept.
     */
    public static long mkProtNone(long e) {
        if (!isPresent(e)) {
            throw new IllegalArgumentException("e=0x" + Long.toHexString(e) + " is not a present entry");
        }
        return e & ~(READ | WRITE);
    }

    // ---- predicates and fields --------------------------------------------------------------

    /** {@code pte_none}. */
    public static boolean isNone(long e) {
        return e == 0;
    }

    /** {@code pte_present} (a PROT_NONE entry is present). */
    public static boolean isPresent(long e) {
        return (e & PRESENT) != 0;
    }

    /** A nonzero entry with PRESENT clear: swap, migration, device-private or device-exclusive. */
    public static boolean isNonPresent(long e) {
        return e != 0 && (e & PRESENT) == 0;
    }

    /** A PMD leaf ({@code pmd_trans_huge}, or a PMD-level non-present entry). */
    public static boolean isHuge(long e) {
        return (e & HUGE) != 0;
    }

    /** {@code pte_special}: maps the zero page. */
    public static boolean isSpecial(long e) {
        return (e & (PRESENT | SPECIAL)) == (PRESENT | SPECIAL);
    }

    /** Present and readable. */
    public static boolean isRead(long e) {
        return (e & (PRESENT | READ)) == (PRESENT | READ);
    }

    /** {@code pte_protnone}: present without READ. */
    public static boolean isProtNone(long e) {
        return (e & (PRESENT | READ)) == PRESENT;
    }

    /** {@code pte_write}; for a migration or device entry, {@code is_writable_*_entry}. */
    public static boolean isWrite(long e) {
        return (e & (isPresent(e) ? WRITE : SWP_WRITE)) != 0;
    }

    /** {@code pte_dirty} (present entries). */
    public static boolean isDirty(long e) {
        return (e & (PRESENT | DIRTY)) == (PRESENT | DIRTY);
    }

    /** {@code pte_young} (present entries). */
    public static boolean isYoung(long e) {
        return (e & (PRESENT | ACCESSED)) == (PRESENT | ACCESSED);
    }

    /** {@code pte_soft_dirty} / {@code pte_swp_soft_dirty}. */
    public static boolean isSoftDirty(long e) {
        return (e & SOFT_DIRTY) != 0;
    }

    /**
     * {@code pte_uffd_wp} / {@code pte_swp_uffd_wp_any}: write-protected by userfaultfd, as a
     * present entry, a swap-style entry keeping the bit, or a uffd-wp marker.
     */
    public static boolean isUffdWp(long e) {
        if (isMarker(e)) {
            return (markerBits(e) & MARKER_UFFD_WP) != 0;
        }
        return e != 0 && (e & UFFD_WP) != 0;
    }

    /** {@code is_pte_marker}: a marker entry. */
    public static boolean isMarker(long e) {
        return type(e) == TYPE_MARKER;
    }

    /** {@code pte_none_mostly}: none, or a marker (no page behind it). */
    public static boolean isNoneMostly(long e) {
        return e == 0 || isMarker(e);
    }

    /** The marker bits of a {@link #TYPE_MARKER} entry. */
    public static long markerBits(long e) {
        return (e & PFN_MASK) >>> PFN_SHIFT;
    }

    /** {@link #TYPE_NONE}, {@link #TYPE_PRESENT}, or the TYPE field of a non-present entry (1..5). */
    public static int type(long e) {
        if (e == 0) {
            return TYPE_NONE;
        }
        if ((e & PRESENT) != 0) {
            return TYPE_PRESENT;
        }
        return (int) ((e & TYPE_MASK) >>> TYPE_SHIFT);
    }

    /** {@code is_swap_pte} in the narrow sense: a page on the swap device. */
    public static boolean isSwap(long e) {
        return type(e) == TYPE_SWAP;
    }

    /** {@code is_migration_entry}. */
    public static boolean isMigration(long e) {
        return type(e) == TYPE_MIGRATION;
    }

    /** {@code is_device_private_entry}. */
    public static boolean isDevicePrivate(long e) {
        return type(e) == TYPE_DEVICE_PRIVATE;
    }

    /** {@code is_device_exclusive_entry}. */
    public static boolean isDeviceExclusive(long e) {
        return type(e) == TYPE_DEVICE_EXCLUSIVE;
    }

    /** {@code is_hwpoison_entry}. */
    public static boolean isHwpoison(long e) {
        return type(e) == TYPE_HWPOISON;
    }

    /** {@code pte_pfn} / {@code swp_offset_pfn}: the PFN of a present, migration or device entry. */
    public static long pfn(long e) {
        return (e & PFN_MASK) >>> PFN_SHIFT;
    }

    /** {@code swp_offset}: the slot of a swap entry. */
    public static long swapSlot(long e) {
        return (e & PFN_MASK) >>> PFN_SHIFT;
    }

    /** A one-line description for demos and test failures, e.g. {@code "present pfn=0x2a R W D A"}. */
    public static String describe(long e) {
        StringBuilder sb = new StringBuilder();
        switch (type(e)) {
            case TYPE_NONE -> {
                return "none";
            }
            case TYPE_PRESENT ->
                sb.append(isHuge(e) ? "pmd-leaf" : "present")
                        .append(" pfn=0x")
                        .append(Long.toHexString(pfn(e)))
                        .append(isRead(e) ? " R" : " PROT_NONE")
                        .append((e & WRITE) != 0 ? " W" : "")
                        .append(isDirty(e) ? " D" : "")
                        .append(isYoung(e) ? " A" : "")
                        .append(isSpecial(e) ? " SPECIAL" : "");
            case TYPE_SWAP -> sb.append("swap slot=").append(swapSlot(e));
            case TYPE_MIGRATION ->
                sb.append("migration pfn=0x").append(Long.toHexString(pfn(e))).append(isMigrationDirty(e) ? " D" : "");
            case TYPE_DEVICE_PRIVATE -> sb.append("device-private pfn=0x").append(Long.toHexString(pfn(e)));
            case TYPE_DEVICE_EXCLUSIVE -> sb.append("device-exclusive pfn=0x").append(Long.toHexString(pfn(e)));
            case TYPE_MARKER -> {
                return isUffdWp(e) ? "marker uffd-wp" : "marker 0x" + Long.toHexString(markerBits(e));
            }
            case TYPE_HWPOISON -> sb.append("hwpoison pfn=0x").append(Long.toHexString(pfn(e)));
            default -> {
                return "invalid 0x" + Long.toHexString(e);
            }
        }
        if (isNonPresent(e)) {
            sb.append((e & SWP_WRITE) != 0 ? " W" : "").append(isHuge(e) ? " HUGE" : "");
        }
        return sb.append((e & UFFD_WP) != 0 ? " UFFD_WP" : "")
                .append(isSoftDirty(e) ? " SD" : "")
                .toString();
    }

    private static long pfnEntry(int type, String name, long pfn, boolean write) {
        checkPfn(name, pfn);
        return ((long) type << TYPE_SHIFT) | (write ? SWP_WRITE : 0) | (pfn << PFN_SHIFT);
    }

    private static void checkPfn(String name, long pfn) {
        if (pfn < 0 || pfn > MAX_PFN) {
            throw new IllegalArgumentException(name + "=" + pfn + " does not fit the 40-bit PFN field");
        }
    }

    private static void checkHugePfn(String name, long pfn) {
        checkPfn(name, pfn);
        if (pfn % PMD_PFN_ALIGN != 0) {
            throw new IllegalArgumentException(name + "=" + pfn + " is not 512-aligned");
        }
    }
}

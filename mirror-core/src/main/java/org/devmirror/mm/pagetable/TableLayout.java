package org.devmirror.mm.pagetable;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The layout of {@link CpuPageTable}'s table pages, its pool chunks and its upper-level entries,
 * modelling the x86-64 4-level tables ({@code pgd_t}/{@code pud_t}/{@code pmd_t}/{@code pte_t}
 * pages, arch/x86/include/asm/pgtable_64_types.h). Nobody else computes these offsets.
 *
 * <h2>Virtual address split (48 bits, 4 KiB pages)</h2>
 * <pre>
 *  47        39 38        30 29        21 20        12 11            0
 * +------------+------------+------------+------------+---------------+
 * | PGD index  | PUD index  | PMD index  | PTE index  |  page offset  |
 * +------------+------------+------------+------------+---------------+
 *   level 0      level 1      level 2      level 3
 * </pre>
 *
 * <h2>Pool chunk (one off-heap segment, {@value #CHUNK_TABLES} table pages)</h2>
 * <pre>
 *  0                                      32 * 4096                         + 32 * 64
 * +---------+---------+-----+------------+----------+----------+-----+------------+
 * | table 0 | table 1 | ... | table 31   | bitmap 0 | bitmap 1 | ... | bitmap 31  |
 * +---------+---------+-----+------------+----------+----------+-----+------------+
 *   table page: 512 entries x 8 bytes, entry i at i * 8
 *   bitmap:     8 x 64-bit words, bit (i &amp; 63) of word (i >>> 6) set iff entry i != 0; the
 *               table's population record (population = bit count; empty = all words 0)
 *   table index t lives in chunk (t >>> 5), slot (t &amp; 31)
 * </pre>
 *
 * <h2>Table pointer (a PGD, PUD or PMD entry naming the next table)</h2>
 * <pre>
 *  63    52 51                             12 11          8   7   6           1   0
 * +--------+---------------------------------+-------------+---+---------------+---+
 * |   0    |        table index (40)         |      0      | 0 |       0       | 1 |
 * +--------+---------------------------------+-------------+---+---------------+---+
 *   PRESENT set and HUGE clear, like an x86 non-leaf entry (PSE clear). At the PMD level every
 *   other nonzero value is a leaf from {@link PteLayout}: present with HUGE, or a non-present
 *   entry with HUGE. PGD and PUD entries are only ever table pointers (no 1 GiB leaves).
 * </pre>
 */
final class TableLayout {
    static final int PGD = 0;
    static final int PUD = 1;
    static final int PMD = 2;
    static final int PTE = 3;

    /** Entries per table ({@code PTRS_PER_PTE}). */
    static final int ENTRIES = 512;

    static final int ENTRY_BYTES = 8;
    static final long TABLE_BYTES = (long) ENTRIES * ENTRY_BYTES;
    static final int BITMAP_WORDS = ENTRIES / Long.SIZE;
    static final long BITMAP_BYTES = BITMAP_WORDS * 8L;

    static final int CHUNK_SHIFT = 5;
    static final int CHUNK_TABLES = 1 << CHUNK_SHIFT;
    static final int CHUNK_MASK = CHUNK_TABLES - 1;
    static final long BITMAPS_OFFSET = CHUNK_TABLES * TABLE_BYTES;
    static final long CHUNK_BYTES = BITMAPS_OFFSET + CHUNK_TABLES * BITMAP_BYTES;

    /** 64-bit handle with coordinates (segment, byte offset) for entries and bitmap words. */
    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private static final int PAGE_SHIFT = 12;
    private static final int LEVEL_BITS = 9;

    private TableLayout() {}

    /** The VA bit where {@code level}'s index starts: 39, 30, 21, 12. */
    static int shift(int level) {
        return PAGE_SHIFT + LEVEL_BITS * (PTE - level);
    }

    /** The index into a {@code level} table of {@code va}. */
    static int index(int level, long va) {
        return (int) (va >>> shift(level)) & (ENTRIES - 1);
    }

    /** Bytes of VA a whole {@code level} table covers (an entry covers {@code 1 << shift(level)}). */
    static long tableSpan(int level) {
        return 1L << (shift(level) + LEVEL_BITS);
    }

    /** Chunk holding table {@code table}. */
    static int chunkOf(int table) {
        return table >>> CHUNK_SHIFT;
    }

    /** Offset, in its chunk, of entry {@code index} of table {@code table}. */
    static long entryOffset(int table, int index) {
        return (table & CHUNK_MASK) * TABLE_BYTES + (long) index * ENTRY_BYTES;
    }

    /** Offset, in its chunk, of bitmap word {@code word} of table {@code table}. */
    static long bitmapOffset(int table, int word) {
        return BITMAPS_OFFSET + (table & CHUNK_MASK) * BITMAP_BYTES + (long) word * 8;
    }

    /** The entry naming table {@code table}. */
    static long tablePointer(int table) {
        return PteLayout.PRESENT | ((long) table << PteLayout.PFN_SHIFT);
    }

    /** {@code true} if {@code e} names a table (present, not a leaf). */
    static boolean isTablePointer(long e) {
        return (e & (PteLayout.PRESENT | PteLayout.HUGE)) == PteLayout.PRESENT;
    }

    /** The table named by a table pointer. */
    static int tableOf(long pointer) {
        return (int) (pointer >>> PteLayout.PFN_SHIFT);
    }
}

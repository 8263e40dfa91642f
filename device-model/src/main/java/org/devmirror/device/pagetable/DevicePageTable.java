package org.devmirror.device.pagetable;

/**
 * Models the device page table a mirroring driver keeps (lib/test_hmm.c's {@code dmirror->pt}
 * xarray; a GPU's page-table tree in drm_gpusvm/Xe): virtual page to {@link DevicePteLayout}
 * entry, with 4 KiB entries and 2 MiB HUGE leaves.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Writers ({@link #set}, {@link #setBlock}, {@link #setHuge}, {@link #zap}, {@link #protect},
 *       {@link #clear})
 *       hold the driver lock, as test_hmm holds {@code dmirror->mutex} around every {@code xa_store}
 *       and {@code xa_erase}. A table built with a lock checks this and throws
 *       {@link IllegalStateException} otherwise.</li>
 *   <li>Readers ({@link #get}, {@link #getBlock}, {@link #nextPopulated}, the counters) either hold the same lock or run
 *       at a quiescent point (the oracle after the workload threads have joined): no read races a
 *       write. The table does no synchronisation of its own.</li>
 *   <li>Addresses are user addresses in [0, {@link DevicePteLayout#VA_LIMIT}); ranges are
 *       half-open, page aligned, {@code start < end}. Misuse throws
 *       {@link IllegalArgumentException} naming the argument and its value, and the table is exactly
 *       as before.</li>
 *   <li>A HUGE leaf and 4 KiB entries never overlap. {@link #set} inside a HUGE leaf, and a
 *       {@link #zap} or {@link #protect} that changes only part of one, first split the leaf into 512
 *       entries ({@link DevicePteLayout#hugeSubpage}); {@link #setHuge} replaces whatever the 2 MiB
 *       range held.</li>
 *   <li>Range and block operations ({@link #zap}, {@link #protect}, {@link #nextPopulated},
 *       {@link #setBlock}, {@link #getBlock}) allocate no Java
 *       objects; the only memory they take is table pages: one for a HUGE leaf they split, and
 *       those {@link #setBlock} needs on the way to its PTE table, as {@link #set} would.</li>
 *   <li>Counts are in 4 KiB-equivalent entries: a HUGE leaf counts 512.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * None inside; the caller's driver lock orders every access (see above).
 */
public interface DevicePageTable extends AutoCloseable {
    /**
     * The entry translating {@code va}: the 4 KiB entry of its page or the HUGE leaf covering it;
     * 0 if none. {@code va} need not be page aligned.
     */
    long get(long va);

    /**
     * Installs the 4 KiB entry for page {@code va}; {@code entry == 0} clears it (like a one-page
     * {@link #zap}). A HUGE leaf covering {@code va} is split first.
     *
     * @throws IllegalArgumentException if {@code va} is unaligned or out of range, or {@code entry}
     *     is neither 0 nor a well-formed entry without HUGE
     */
    void set(long va, long entry);

    /**
     * Installs {@code count} consecutive 4 KiB entries, {@code entries[offset + i]} for page
     * {@code va + i * PAGE_SIZE}, all within the 2 MiB block (one PTE table) holding {@code va}: the
     * same table as {@code count} calls of {@link #set} in index order, in one call. A 0 entry
     * clears its page; a HUGE leaf covering the block is split first unless every entry is 0 (then
     * the call is a {@link #zap} of the pages). This is how a driver writes back a PTE table it
     * read and changed ({@link #getBlock}), and how a fault commits a 2 MiB block.
     *
     * <p>Every argument and every entry is checked before anything is written: on misuse the table
     * is exactly as before. Allocates no Java objects; it takes table pages only where
     * {@link #set} would.
     *
     * @throws IllegalArgumentException if {@code va} is unaligned or out of range, {@code entries}
     *     is null, {@code count} is not in 1..512, {@code entries[offset, offset + count)} does not
     *     exist, the pages cross a 2 MiB boundary, or an entry is neither 0 nor a well-formed entry
     *     without HUGE (the message names the first such index)
     */
    void setBlock(long va, long[] entries, int offset, int count);

    /**
     * Reads the translations of {@code count} consecutive pages from {@code va}, all within one
     * 2 MiB block, into {@code dst[offset ..)}: {@code dst[offset + i] == get(va + i * PAGE_SIZE)}
     * (a HUGE leaf covering the block is repeated in every word). One walk for the whole block;
     * allocates nothing.
     *
     * @throws IllegalArgumentException for the placement errors of {@link #setBlock} ({@code dst}
     *     in place of {@code entries}); {@code dst} is then untouched
     */
    void getBlock(long va, long[] dst, int offset, int count);

    /**
     * Installs the HUGE leaf for the 2 MiB range at {@code va2M}, replacing any 4 KiB entries there;
     * {@code entry == 0} clears the range.
     *
     * @throws IllegalArgumentException if {@code va2M} is not 2 MiB aligned or out of range, or
     *     {@code entry} is neither 0 nor a well-formed entry with HUGE
     */
    void setHuge(long va2M, long entry);

    /**
     * Clears every entry in [start, end), splitting a HUGE leaf only partly covered (its other pages
     * stay mapped), and frees table pages left empty.
     *
     * @return the 4 KiB-equivalent entries cleared (a whole HUGE leaf counts 512)
     */
    long zap(long start, long end);

    /**
     * Changes present entries in [start, end) in place: {@code write} sets WRITE; {@code !write}
     * clears WRITE and ATOMIC (exclusive access does not survive a write-protect). ATOMIC is never
     * set here. A HUGE leaf only partly covered is split if it changes.
     *
     * @return the 4 KiB-equivalent entries whose value changed
     */
    long protect(long start, long end, boolean write);

    /**
     * The smallest page address in [va, end) with a translation, or {@code end} if none. Accepts
     * {@code va == end} (returns {@code end}) so a walk can step past its last page.
     */
    long nextPopulated(long va, long end);

    /** Valid entries, in 4 KiB equivalents. */
    long populated();

    /** 4 KiB table pages in use (0 for a table that keeps none). */
    long tablePages();

    /** Bytes the table holds for its entries (reserved off-heap memory, or an on-heap estimate). */
    long memoryBytes();

    /** Clears every entry and frees every table page. */
    void clear();

    /** Releases the table's memory; any later use throws {@link IllegalStateException}. */
    @Override
    void close();
}

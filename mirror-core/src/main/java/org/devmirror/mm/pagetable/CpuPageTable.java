package org.devmirror.mm.pagetable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Models the x86-64 4-level page table of one address space ({@code mm->pgd} and the PUD, PMD
 * and PTE pages below it; mm/memory.c, arch/x86/mm/pgtable.c): a radix tree over the 48-bit
 * user VA with 4 KiB PTEs and 2 MiB PMD leaves, held in off-heap table pages (layout in
 * {@link TableLayout}, entry bits in {@link PteLayout}).
 *
 * <p>Only populated paths cost memory: tables are taken from a pool of off-heap chunks when an
 * entry is first set below them and go back to the pool as soon as their last entry is cleared,
 * up the tree ({@code free_pgtables} done eagerly). Every table keeps a bitmap of its nonzero
 * entries, so {@link #nextPopulated} skips absent and empty tables in a few word reads per
 * level instead of visiting every page.
 *
 * <p>Misuse (an address that is not page aligned or not below {@link #TASK_SIZE}, a PMD leaf at
 * an address that is not 2 MiB aligned, a PTE inside a PMD leaf or a PMD leaf over a PTE table,
 * a PTE with {@link PteLayout#HUGE}) throws {@link IllegalArgumentException} naming the argument
 * and its value, and changes nothing.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Writers ({@link #set}, {@link #setPmd}, {@link #compareAndSet}, {@link #setBitsBlock}) may run on any threads;
 *       each takes the page-table lock, so the table structure, bitmaps and free lists change
 *       under one lock. A caller that needs several entries to change together (a PMD split)
 *       holds {@link #pageTableLock()} across the calls.</li>
 *   <li>Readers ({@link #get}, {@link #getBlock}, {@link #getPmd}, {@link #nextPopulated}) take no lock and
 *       allocate nothing, like the lockless walk of {@code hmm_range_fault} under the mmap read
 *       lock. Every entry is read with {@code getAcquire} (a whole PTE table in
 *       {@link #getBlock}: a bulk copy then an acquire fence, argued there) and written with
 *       {@code setRelease}:
 *       a reader that sees a PTE installed by a fault thread also sees the frame contents the
 *       fault wrote before installing it, and a reader that sees a table pointer sees the table
 *       it names in its zeroed or current state, never a torn entry.</li>
 *   <li>A reader racing with a clear that frees a table may read from that table after it was
 *       freed, even after its reuse. Table pages are type-stable, as with
 *       {@code SLAB_TYPESAFE_BY_RCU}: a table freed at one level is only reused at that level
 *       and the pool never shrinks, so such a reader gets 0 or a well-formed entry of the right
 *       level for some address, never garbage. The value is stale, and the notifier sequence
 *       that brackets every clear ({@code mmu_interval_read_retry}) is what makes the reader
 *       discard it, exactly as in the kernel.</li>
 *   <li>{@link #close()} must not run concurrently with any other call.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * {@code ptl} models {@code mm->page_table_lock} (one lock for the whole tree, as split PTE
 * locks would add nothing to a simulation). It guards the pool ({@code tablesCreated}, the free
 * lists, the chunk array's growth), every entry and bitmap store, and {@code path}. It is
 * reentrant so that a caller holding it can call the writers.
 */
public final class CpuPageTable implements AutoCloseable {
    /** Bytes per page. */
    public static final long PAGE_SIZE = 1L << 12;
    /** Bytes a PMD leaf maps. */
    public static final long PMD_SIZE = 1L << 21;
    /** End of the user address space (x86-64 {@code TASK_SIZE_MAX} rounded to 2^47). */
    public static final long TASK_SIZE = 1L << 47;

    private static final VarHandle LONG = TableLayout.LONG;
    private static final int ROOT = 0;

    private final Arena arena = Arena.ofShared();
    private final ReentrantLock ptl = new ReentrantLock();
    // chunk c holds tables [c * 32, c * 32 + 32); replaced by a longer copy under ptl and
    // published by this volatile store before any pointer into the new chunk is released
    private volatile MemorySegment[] chunks;
    // tables ever handed out; the next fresh table index; guarded by ptl
    private int tablesCreated;
    // per level (PUD, PMD, PTE): freed tables, all entries and bitmap words 0, reused only at
    // the same level (type-stable); guarded by ptl
    private final int[][] freeTables = new int[TableLayout.PTE + 1][];
    private final int[] freeCount = new int[TableLayout.PTE + 1];
    // tables walked by the current writer, path[level]; guarded by ptl
    private final int[] path = new int[TableLayout.PTE + 1];
    // PUD, PMD and PTE tables in use (the PGD always exists); written under ptl
    private volatile long tablePages;
    private boolean closed;

    /** Creates an empty table: just the PGD page ({@code pgd_alloc}). */
    public CpuPageTable() {
        chunks = new MemorySegment[] {newChunk()};
        tablesCreated = 1; // table 0 is the PGD
        for (int level = TableLayout.PUD; level <= TableLayout.PTE; level++) {
            freeTables[level] = new int[16];
        }
    }

    /**
     * The entry mapping {@code va}: its PTE, or the PMD leaf covering it, or 0. Lockless; each
     * entry read with acquire.
     */
    public long get(long va) {
        checkVa(va);
        int table = ROOT;
        for (int level = TableLayout.PGD; level < TableLayout.PTE; level++) {
            long e = entryAcquire(table, TableLayout.index(level, va));
            if (!TableLayout.isTablePointer(e)) {
                return e; // 0, or a PMD leaf (upper levels hold only pointers)
            }
            table = TableLayout.tableOf(e);
        }
        return entryAcquire(table, TableLayout.index(TableLayout.PTE, va));
    }

    /**
     * Reads the entries of up to {@code max} consecutive pages from {@code va} into
     * {@code dst[dstOffset...]}, stopping at the end of the 2 MiB block that holds {@code va}, and
     * returns how many it read. Each value is what {@link #get} would return for that page: the
     * PTE, the PMD leaf covering the block (repeated), or 0. Lockless and allocation-free; the
     * walk down to the PTE table is done once per block rather than once per page, as
     * {@code hmm_vma_walk_pmd} maps one PTE table and reads along it.
     *
     * <p>The entries of the PTE table are read with one bulk {@link MemorySegment#copy} followed by
     * {@link VarHandle#acquireFence()}, not with one {@code getAcquire} each. What the lockless walk
     * needs is kept:
     * <ul>
     *   <li><b>No torn entry.</b> The kernel reads each PTE with {@code ptep_get}, a
     *       {@code READ_ONCE}: single-copy atomic per entry, with no ordering between entries
     *       ({@code hmm_vma_handle_pte} takes what it reads, and the notifier sequence discards a
     *       walk that raced with an invalidation). The copy reads each aligned 8-byte entry whole
     *       on HotSpot: source offset, destination and length are multiples of 8, and both the
     *       {@code Unsafe.copyMemory0} intrinsic ({@code StubRoutines::unsafe_arraycopy}, which
     *       picks the jlong copy stub when all three are 8-byte aligned) and its runtime path
     *       ({@code Copy::conjoint_memory_atomic}, which copies in units of the common alignment)
     *       move aligned longs as 8-byte or wider vector accesses, never byte by byte. Entries of
     *       one block may come from different moments, as the kernel's may.</li>
     *   <li><b>Acquire.</b> The fence after the copy keeps every later load and store of this
     *       thread after every load of the copy, which is what an acquire on each entry gave the
     *       caller: a reader that sees a PTE installed by a fault thread (a {@code setRelease} in
     *       {@code writeEntry}) also sees the frame contents written before it. The table pointer
     *       above is still read with acquire, so the copy reads the table the pointer names.</li>
     * </ul>
     * The loop of 512 acquire loads it replaces cost about 3 ns an entry (a segment access with
     * its bounds and liveness checks per entry); the copy costs about what a 4 KiB fill does.
     */
    public int getBlock(long va, long[] dst, int dstOffset, int max) {
        checkVa(va);
        if (max <= 0 || dstOffset < 0 || dstOffset > dst.length - max) {
            throw new IllegalArgumentException(
                    "dstOffset=" + dstOffset + " max=" + max + " do not fit dst.length=" + dst.length);
        }
        int first = TableLayout.index(TableLayout.PTE, va);
        int n = Math.min(max, TableLayout.ENTRIES - first);
        int table = ROOT;
        for (int level = TableLayout.PGD; level < TableLayout.PTE; level++) {
            long e = entryAcquire(table, TableLayout.index(level, va));
            if (!TableLayout.isTablePointer(e)) {
                Arrays.fill(dst, dstOffset, dstOffset + n, e); // nothing, or one PMD leaf for the whole block
                return n;
            }
            table = TableLayout.tableOf(e);
        }
        MemorySegment chunk = chunks[TableLayout.chunkOf(table)];
        MemorySegment.copy(chunk, ValueLayout.JAVA_LONG, TableLayout.entryOffset(table, first), dst, dstOffset, n);
        // Orders the copy's loads before every later access, as getAcquire on each entry did.
        VarHandle.acquireFence();
        return n;
    }

    /**
     * Sets {@code bits} in the 4 KiB entries of up to {@code n} consecutive pages from {@code va},
     * within the 2 MiB block that holds {@code va}: for each {@code expected[offset + i]} that is
     * nonzero, if the entry of page {@code i} is still that value ({@code pte_same} under the
     * lock), it becomes {@code expected[offset + i] | bits}. Entries whose expected value is 0 are
     * left alone. One walk to the PTE table and one lock for the block, where {@link #set} per
     * page walks and locks per page: what a driver marking soft-dirty in its end callback does
     * under one PTE lock ({@code pte_offset_map_lock}, then {@code pte_mksoft_dirty} and
     * {@code set_pte_at} along the table). Takes the page-table lock; allocation-free.
     *
     * <p>The bits may not include {@link PteLayout#HUGE} (PMD leaves go through {@link #setPmd});
     * no entry turns from 0 to nonzero or back, so the table's bitmap is unchanged. A block that is
     * mapped by a PMD leaf, or has no PTE table, has no 4 KiB entry to change.
     *
     * @return the entries changed
     */
    public int setBitsBlock(long va, long[] expected, int offset, int n, long bits) {
        checkVa(va);
        if (n <= 0 || offset < 0 || offset > expected.length - n) {
            throw new IllegalArgumentException(
                    "offset=" + offset + " n=" + n + " do not fit expected.length=" + expected.length);
        }
        if (PteLayout.isHuge(bits)) {
            throw new IllegalArgumentException(
                    "bits=0x" + Long.toHexString(bits) + " include HUGE; PMD leaves go through setPmd");
        }
        int first = TableLayout.index(TableLayout.PTE, va);
        int count = Math.min(n, TableLayout.ENTRIES - first);
        ptl.lock();
        try {
            int table = walkExisting(va);
            if (table < 0) {
                return 0;
            }
            MemorySegment chunk = chunks[TableLayout.chunkOf(table)];
            int changed = 0;
            for (int i = 0; i < count; i++) {
                long e = expected[offset + i];
                if (e == 0 || (e | bits) == e) {
                    continue;
                }
                long off = TableLayout.entryOffset(table, first + i);
                if ((long) LONG.get(chunk, off) == e) { // plain: only ptl holders store entries
                    // Release: pairs with the acquire of the lockless readers, as in writeEntry.
                    LONG.setRelease(chunk, off, e | bits);
                    changed++;
                }
            }
            return changed;
        } finally {
            ptl.unlock();
        }
    }

    /** The PMD-level entry covering {@code va} if it is a leaf; 0 if none or a PTE table. Lockless. */
    public long getPmd(long va) {
        checkVa(va);
        int table = ROOT;
        for (int level = TableLayout.PGD; level < TableLayout.PMD; level++) {
            long e = entryAcquire(table, TableLayout.index(level, va));
            if (e == 0) {
                return 0;
            }
            table = TableLayout.tableOf(e);
        }
        long pmd = entryAcquire(table, TableLayout.index(TableLayout.PMD, va));
        return TableLayout.isTablePointer(pmd) ? 0 : pmd;
    }

    /**
     * {@code set_pte_at}: sets the 4 KiB entry of {@code va}, allocating the tables above it; 0
     * clears it and frees every table it leaves empty. Takes the page-table lock.
     */
    public void set(long va, long pte) {
        checkVa(va);
        checkPte(pte);
        ptl.lock();
        try {
            int table = walkForWrite(va, pte != 0, TableLayout.PTE);
            if (table < 0) {
                return; // clearing an entry under an absent table: already 0
            }
            long old = writeEntry(table, TableLayout.index(TableLayout.PTE, va), pte);
            if (pte == 0 && old != 0) {
                freeEmptied(va, TableLayout.PTE);
            }
        } finally {
            ptl.unlock();
        }
    }

    /**
     * {@code set_pmd_at} / {@code pmd_clear}: installs or clears the 2 MiB leaf at {@code va}
     * (2 MiB aligned). A PTE table there is misuse: the caller collapses or clears it first.
     * Takes the page-table lock.
     */
    public void setPmd(long va, long pmdLeaf) {
        checkVa(va);
        if ((va & (PMD_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("va=0x" + Long.toHexString(va) + " is not 2 MiB aligned");
        }
        if (pmdLeaf != 0 && !PteLayout.isHuge(pmdLeaf)) {
            throw new IllegalArgumentException(
                    "pmdLeaf=0x" + Long.toHexString(pmdLeaf) + " is not a PMD leaf (HUGE clear)");
        }
        ptl.lock();
        try {
            int table = walkForWrite(va, pmdLeaf != 0, TableLayout.PMD);
            if (table < 0) {
                return;
            }
            int index = TableLayout.index(TableLayout.PMD, va);
            long old = entryPlain(table, index);
            if (TableLayout.isTablePointer(old)) {
                // A pointer here means the path existed, so the walk allocated nothing.
                throw new IllegalArgumentException(
                        "va=0x" + Long.toHexString(va) + " is mapped by a PTE table; clear or collapse it first");
            }
            writeEntry(table, index, pmdLeaf);
            if (pmdLeaf == 0 && old != 0) {
                freeEmptied(va, TableLayout.PMD);
            }
        } finally {
            ptl.unlock();
        }
    }

    /**
     * Sets the 4 KiB entry of {@code va} to {@code pte} if it is {@code expected}
     * ({@code pte_same} under the lock, as a fault does before installing). Takes the page-table
     * lock.
     *
     * @return {@code true} if the entry was {@code expected} and now is {@code pte}
     */
    public boolean compareAndSet(long va, long expected, long pte) {
        checkVa(va);
        checkPte(pte);
        ptl.lock();
        try {
            int table = walkForWrite(va, expected == 0 && pte != 0, TableLayout.PTE);
            if (table < 0) {
                return expected == 0; // absent tables read as 0; 0 -> 0 changes nothing
            }
            int index = TableLayout.index(TableLayout.PTE, va);
            long old = entryPlain(table, index);
            if (old != expected) {
                return false;
            }
            writeEntry(table, index, pte);
            if (pte == 0 && old != 0) {
                freeEmptied(va, TableLayout.PTE);
            }
            return true;
        } finally {
            ptl.unlock();
        }
    }

    /**
     * The smallest page-aligned address in {@code [va, end)} whose {@link #get} is nonzero, or
     * {@code end}. Lockless and allocation-free; skips absent and empty tables using their
     * bitmaps, so a sparse range costs a few word reads per level, not one read per page.
     */
    public long nextPopulated(long va, long end) {
        if ((va & (PAGE_SIZE - 1)) != 0 || va < 0 || va > TASK_SIZE) {
            throw new IllegalArgumentException("va=0x" + Long.toHexString(va)
                    + " is not a page-aligned address in [0, TASK_SIZE=0x" + Long.toHexString(TASK_SIZE) + "]");
        }
        if ((end & (PAGE_SIZE - 1)) != 0 || end < va || end > TASK_SIZE) {
            throw new IllegalArgumentException(
                    "end=0x" + Long.toHexString(end) + " is not a page-aligned address in [va=0x" + Long.toHexString(va)
                            + ", TASK_SIZE=0x" + Long.toHexString(TASK_SIZE) + "]");
        }
        long a = va;
        restart:
        while (a < end) {
            int table = ROOT;
            for (int level = TableLayout.PGD; ; level++) {
                int index = TableLayout.index(level, a);
                int hit = nextSetBit(table, index);
                long e = 0;
                // A set bit whose entry reads 0 was cleared after the bitmap read: look further.
                while (hit >= 0 && (e = entryAcquire(table, hit)) == 0) {
                    hit = nextSetBit(table, hit + 1);
                }
                long span = TableLayout.tableSpan(level);
                if (hit < 0) {
                    a = (a & -span) + span; // nothing left in this table: continue after its range
                    continue restart;
                }
                if (hit != index) {
                    a = (a & -span) | ((long) hit << TableLayout.shift(level));
                }
                if (a >= end) {
                    return end;
                }
                if (level == TableLayout.PTE || !TableLayout.isTablePointer(e)) {
                    return a; // a PTE, or a PMD leaf covering a
                }
                table = TableLayout.tableOf(e);
            }
        }
        return end;
    }

    /** PUD, PMD and PTE table pages in use; 0 when nothing is mapped (the PGD is not counted). */
    public long tablePages() {
        return tablePages;
    }

    /**
     * The page-table lock ({@code mm->page_table_lock}) the writers take; hold it to make
     * several writes (a PMD split, a fork copy) one step for other writers. Readers never take it.
     */
    public ReentrantLock pageTableLock() {
        return ptl;
    }

    /** Releases every table page; later calls fail with {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    /** Off-heap chunks in the pool; for tests checking that freed tables are reused. */
    int poolChunks() {
        return chunks.length;
    }

    // ---- walking and writing (caller holds ptl) -----------------------------------------------

    // Walks to the table at `target` level, recording path[]. Allocates missing tables when
    // `create`, else returns -1 at the first absent one. Only allocates below an entry that was 0,
    // so every table below a new one is new and empty; a PMD leaf is therefore only ever met
    // before any allocation, and the exception leaves the tree unchanged.
    private int walkForWrite(long va, boolean create, int target) {
        int table = ROOT;
        path[TableLayout.PGD] = ROOT;
        for (int level = TableLayout.PGD; level < target; level++) {
            int index = TableLayout.index(level, va);
            long e = entryPlain(table, index);
            if (e == 0) {
                if (!create) {
                    return -1;
                }
                int child = allocTable(level + 1);
                // Release inside writeEntry: the child's zeroed entries are visible to a reader
                // that acquires this pointer.
                writeEntry(table, index, TableLayout.tablePointer(child));
                table = child;
            } else if (TableLayout.isTablePointer(e)) {
                table = TableLayout.tableOf(e);
            } else {
                throw new IllegalArgumentException(
                        "va=0x" + Long.toHexString(va) + " is inside a PMD leaf; split it first");
            }
            path[level + 1] = table;
        }
        return table;
    }

    // The PTE table holding va's entry, or -1 if there is none (absent, or a PMD leaf there).
    private int walkExisting(long va) {
        int table = ROOT;
        for (int level = TableLayout.PGD; level < TableLayout.PTE; level++) {
            long e = entryPlain(table, TableLayout.index(level, va));
            if (!TableLayout.isTablePointer(e)) {
                return -1;
            }
            table = TableLayout.tableOf(e);
        }
        return table;
    }

    // Frees path[level] and its ancestors (not the PGD) while they are empty.
    private void freeEmptied(long va, int level) {
        for (int l = level; l > TableLayout.PGD; l--) {
            int table = path[l];
            if (!isEmpty(table)) {
                return;
            }
            writeEntry(path[l - 1], TableLayout.index(l - 1, va), 0);
            freeTable(l, table);
        }
    }

    // Stores an entry and its bitmap bit; returns the old entry.
    private long writeEntry(int table, int index, long e) {
        MemorySegment chunk = chunks[TableLayout.chunkOf(table)];
        long off = TableLayout.entryOffset(table, index);
        long old = (long) LONG.get(chunk, off); // plain: only ptl holders store entries
        // Release: pairs with getAcquire in entryAcquire (range fault, get, nextPopulated); the
        // frame contents or the table this entry names are visible before the entry is.
        LONG.setRelease(chunk, off, e);
        if ((old == 0) != (e == 0)) {
            long wordOff = TableLayout.bitmapOffset(table, index >>> 6);
            long word = (long) LONG.get(chunk, wordOff);
            long bit = 1L << (index & 63);
            // Release: pairs with the getAcquire in nextSetBit.
            LONG.setRelease(chunk, wordOff, e != 0 ? word | bit : word & ~bit);
        }
        return old;
    }

    @SuppressWarnings(
            "NonAtomicVolatileUpdate") // written under ptl only; volatile so tablePages() reads it without the lock
    private int allocTable(int level) {
        int table;
        if (freeCount[level] > 0) {
            table = freeTables[level][--freeCount[level]];
        } else {
            table = tablesCreated++;
            if (TableLayout.chunkOf(table) == chunks.length) {
                MemorySegment[] grown = Arrays.copyOf(chunks, chunks.length + 1);
                grown[grown.length - 1] = newChunk();
                chunks = grown; // volatile publish before any pointer into the new chunk
            }
        }
        tablePages = tablePages + 1;
        return table;
    }

    @SuppressWarnings(
            "NonAtomicVolatileUpdate") // written under ptl only; volatile so tablePages() reads it without the lock
    private void freeTable(int level, int table) {
        if (freeCount[level] == freeTables[level].length) {
            freeTables[level] = Arrays.copyOf(freeTables[level], freeCount[level] * 2);
        }
        freeTables[level][freeCount[level]++] = table;
        tablePages = tablePages - 1;
    }

    private boolean isEmpty(int table) {
        MemorySegment chunk = chunks[TableLayout.chunkOf(table)];
        for (int w = 0; w < TableLayout.BITMAP_WORDS; w++) {
            if ((long) LONG.get(chunk, TableLayout.bitmapOffset(table, w)) != 0) {
                return false;
            }
        }
        return true;
    }

    private MemorySegment newChunk() {
        // Zero-filled by the arena: every table starts with no entries.
        return arena.allocate(TableLayout.CHUNK_BYTES, TableLayout.TABLE_BYTES);
    }

    // ---- lockless reads ---------------------------------------------------------------------

    private long entryAcquire(int table, int index) {
        MemorySegment chunk = chunks[TableLayout.chunkOf(table)];
        // Acquire: pairs with the setRelease in writeEntry by the fault thread holding ptl.
        return (long) LONG.getAcquire(chunk, TableLayout.entryOffset(table, index));
    }

    private long entryPlain(int table, int index) {
        // Plain: called with ptl held, which orders it after every earlier store.
        return (long) LONG.get(chunks[TableLayout.chunkOf(table)], TableLayout.entryOffset(table, index));
    }

    // The first index >= from whose bitmap bit is set, or -1.
    private int nextSetBit(int table, int from) {
        if (from >= TableLayout.ENTRIES) {
            return -1;
        }
        MemorySegment chunk = chunks[TableLayout.chunkOf(table)];
        int w = from >>> 6;
        // Acquire: pairs with the setRelease of the bitmap word in writeEntry.
        long word = (long) LONG.getAcquire(chunk, TableLayout.bitmapOffset(table, w)) & (-1L << (from & 63));
        while (word == 0) {
            if (++w == TableLayout.BITMAP_WORDS) {
                return -1;
            }
            word = (long) LONG.getAcquire(chunk, TableLayout.bitmapOffset(table, w));
        }
        return (w << 6) | Long.numberOfTrailingZeros(word);
    }

    // ---- argument checks ----------------------------------------------------------------------

    private static void checkVa(long va) {
        if ((va & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("va=0x" + Long.toHexString(va) + " is not page aligned");
        }
        if (Long.compareUnsigned(va, TASK_SIZE) >= 0) {
            throw new IllegalArgumentException(
                    "va=0x" + Long.toHexString(va) + " is not below TASK_SIZE=0x" + Long.toHexString(TASK_SIZE));
        }
    }

    private static void checkPte(long pte) {
        if (PteLayout.isHuge(pte)) {
            throw new IllegalArgumentException(
                    "pte=0x" + Long.toHexString(pte) + " has HUGE set; PMD leaves go through setPmd");
        }
    }
}

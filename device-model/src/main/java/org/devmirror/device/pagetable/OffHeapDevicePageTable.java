package org.devmirror.device.pagetable;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.NO_PAGE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PMD_LEVEL;
import static org.devmirror.device.pagetable.DevicePteLayout.PTE_LEVEL;
import static org.devmirror.device.pagetable.DevicePteLayout.ROOT_LEVEL;
import static org.devmirror.device.pagetable.DevicePteLayout.SLOTS;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Models a GPU's multi-level page table (the radix tree Xe and nouveau walk; test_hmm uses an
 * xarray, which is a radix tree too): four levels of 4 KiB table pages in off-heap memory, laid out
 * by {@link DevicePteLayout}, taken from a growable {@link TablePagePool}.
 *
 * <p>Memory follows what is mapped, not the address space: a table page exists only while some
 * slot in it is non-zero (each page's population is kept in its pool descriptor), and is freed the
 * moment it empties, the root included. Range operations descend only into present subtrees and
 * stop scanning a table once they have seen all its non-zero slots; a zap covering a whole PTE table
 * frees it without touching its slots (the pool zeroes a dirty page when it hands it out again),
 * and {@link #setBlock}/{@link #getBlock} move a PTE table's entries with one bulk copy.
 *
 * <h2>Assumptions and Guarantees</h2>
 * As {@link DevicePageTable}. With a driver lock given, writers that do not hold it get
 * {@link IllegalStateException}. Memory order: plain accesses only, justified in
 * {@link TablePagePool}.
 *
 * <h2>Locking</h2>
 * None inside; the driver lock orders every write, and reads happen under it or at quiescent
 * points.
 */
public final class OffHeapDevicePageTable implements DevicePageTable {
    private final TablePagePool pool = new TablePagePool();
    /** May be null: then the writer precondition is the caller's word. */
    private final ReentrantLock driverLock;
    /** Pool page of the root table; NO_PAGE while the table maps nothing. Guarded by driverLock. */
    private int root = NO_PAGE;
    /** Valid entries in 4 KiB equivalents; equals the sum over leaves. Guarded by driverLock. */
    private long populated;

    private boolean closed;
    /** A PTE table's slots while {@link #protect} changes them; scratch guarded by driverLock. */
    private final long[] ptes = new long[SLOTS];

    /** A table whose writers are trusted to hold the driver lock. */
    public OffHeapDevicePageTable() {
        this(null);
    }

    /** A table that checks its writers hold {@code driverLock} (test_hmm's {@code dmirror->mutex}). */
    public OffHeapDevicePageTable(ReentrantLock driverLock) {
        this.driverLock = driverLock;
    }

    @Override
    public long get(long va) {
        DevicePageTableArgs.checkGet(closed, va);
        if (root == NO_PAGE) {
            return 0;
        }
        int page = root;
        for (int level = ROOT_LEVEL; ; level--) {
            long slot = pool.slotPlain(page, DevicePteLayout.index(va, level));
            if (level == PTE_LEVEL || !DevicePteLayout.isTable(slot)) {
                return slot; // 0, a HUGE leaf, or a 4 KiB leaf
            }
            page = DevicePteLayout.tablePage(slot);
        }
    }

    @Override
    public void set(long va, long entry) {
        DevicePageTableArgs.checkSet(driverLock, closed, va, entry);
        if (entry == 0) {
            zapChecked(va, va + PAGE_SIZE);
            return;
        }
        int pte = walkAllocating(va, PTE_LEVEL, false);
        int i = DevicePteLayout.index(va, PTE_LEVEL);
        if (pool.slotPlain(pte, i) == 0) {
            pool.addPopulation(pte, 1);
            populated++;
        }
        pool.setSlotPlain(pte, i, entry);
    }

    @Override
    public void setBlock(long va, long[] entries, int offset, int count) {
        int nonZero = DevicePageTableArgs.checkSetBlock(driverLock, closed, va, entries, offset, count);
        if (nonZero == 0) {
            zapChecked(va, va + count * PAGE_SIZE); // as count set(va, 0) calls: tables left empty go
            return;
        }
        // A whole table's worth overwrites every slot: a fresh PTE table need not be zeroed first,
        // and the entries it held are its population, no scan needed.
        boolean whole = count == SLOTS;
        int pte = walkAllocating(va, PTE_LEVEL, whole);
        int first = DevicePteLayout.index(va, PTE_LEVEL);
        int before = whole ? pool.population(pte) : pool.nonZeroSlots(pte, first, count);
        pool.writeSlots(pte, first, entries, offset, count);
        pool.addPopulation(pte, nonZero - before);
        populated += nonZero - before;
    }

    @Override
    public void getBlock(long va, long[] dst, int offset, int count) {
        DevicePageTableArgs.checkGetBlock(closed, va, dst, offset, count);
        int page = root;
        for (int level = ROOT_LEVEL; page != NO_PAGE && level > PTE_LEVEL; level--) {
            long slot = pool.slotPlain(page, DevicePteLayout.index(va, level));
            if (!DevicePteLayout.isTable(slot)) {
                Arrays.fill(dst, offset, offset + count, slot); // nothing, or one HUGE leaf for the block
                return;
            }
            page = DevicePteLayout.tablePage(slot);
        }
        if (page == NO_PAGE) {
            Arrays.fill(dst, offset, offset + count, 0);
            return;
        }
        pool.readSlots(page, DevicePteLayout.index(va, PTE_LEVEL), dst, offset, count);
    }

    @Override
    public void setHuge(long va2M, long entry) {
        DevicePageTableArgs.checkSetHuge(driverLock, closed, va2M, entry);
        if (entry == 0) {
            zapChecked(va2M, va2M + HUGE_SIZE);
            return;
        }
        int pmd = walkAllocating(va2M, PMD_LEVEL, false);
        int i = DevicePteLayout.index(va2M, PMD_LEVEL);
        long old = pool.slotPlain(pmd, i);
        if (old == 0) {
            pool.addPopulation(pmd, 1);
        } else if (DevicePteLayout.isTable(old)) {
            populated -= freeSubtree(DevicePteLayout.tablePage(old), PTE_LEVEL);
        } else {
            populated -= HUGE_PAGES;
        }
        pool.setSlotPlain(pmd, i, entry);
        populated += HUGE_PAGES;
    }

    @Override
    public long zap(long start, long end) {
        DevicePageTableArgs.checkWriteRange(driverLock, closed, start, end);
        return zapChecked(start, end);
    }

    @Override
    public long protect(long start, long end, boolean write) {
        DevicePageTableArgs.checkWriteRange(driverLock, closed, start, end);
        return root == NO_PAGE ? 0 : protectLevel(root, ROOT_LEVEL, start, end, write);
    }

    @Override
    public long nextPopulated(long va, long end) {
        DevicePageTableArgs.checkNextPopulated(closed, va, end);
        if (va == end || root == NO_PAGE) {
            return end;
        }
        long found = nextLevel(root, ROOT_LEVEL, va, end);
        return found < 0 ? end : found;
    }

    @Override
    public long populated() {
        DevicePageTableArgs.checkOpen(closed);
        return populated;
    }

    @Override
    public long tablePages() {
        DevicePageTableArgs.checkOpen(closed);
        return pool.inUse();
    }

    @Override
    public long memoryBytes() {
        DevicePageTableArgs.checkOpen(closed);
        return pool.memoryBytes();
    }

    @Override
    public void clear() {
        DevicePageTableArgs.checkWrite(driverLock, closed);
        if (root != NO_PAGE) {
            freeSubtree(root, ROOT_LEVEL);
            root = NO_PAGE;
        }
        populated = 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pool.close();
        }
    }

    // ---- walks -----------------------------------------------------------------------------

    /**
     * The table page at {@code target} level on the path to {@code va}, creating missing tables;
     * with {@code overwrite}, a target table created here is left unzeroed and the caller writes
     * every one of its slots before anything reads it.
     */
    private int walkAllocating(long va, int target, boolean overwrite) {
        if (root == NO_PAGE) {
            root = pool.alloc();
        }
        int page = root;
        for (int level = ROOT_LEVEL; level > target; level--) {
            int i = DevicePteLayout.index(va, level);
            long slot = pool.slotPlain(page, i);
            if (slot == 0) {
                int child = overwrite && level - 1 == target ? pool.allocForOverwrite() : pool.alloc();
                pool.setSlotPlain(page, i, DevicePteLayout.tablePointer(child));
                pool.addPopulation(page, 1);
                page = child;
            } else if (DevicePteLayout.isTable(slot)) {
                page = DevicePteLayout.tablePage(slot);
            } else {
                page = splitHuge(page, i, slot); // a HUGE leaf on the way to a 4 KiB entry
            }
        }
        return page;
    }

    /**
     * Replaces the HUGE leaf in slot {@code i} of PMD table {@code pmd} by a PTE table holding its
     * 512 pages (split_huge_pmd); the PMD slot stays populated and {@link #populated} is unchanged.
     */
    private int splitHuge(int pmd, int i, long leaf) {
        int pte = pool.allocForOverwrite(); // every slot is written below
        for (int k = 0; k < SLOTS; k++) {
            pool.setSlotPlain(pte, k, DevicePteLayout.hugeSubpage(leaf, k));
        }
        pool.addPopulation(pte, SLOTS);
        pool.setSlotPlain(pmd, i, DevicePteLayout.tablePointer(pte));
        return pte;
    }

    private long zapChecked(long start, long end) {
        if (root == NO_PAGE) {
            return 0;
        }
        long cleared = zapLevel(root, ROOT_LEVEL, start, end);
        if (pool.population(root) == 0) {
            pool.free(root);
            root = NO_PAGE;
        }
        populated -= cleared;
        return cleared;
    }

    /** Clears [start, end), which lies within table {@code page} at {@code level}. */
    private long zapLevel(int page, int level, long start, long end) {
        int shift = DevicePteLayout.levelShift(level);
        long span = 1L << shift;
        int first = DevicePteLayout.index(start, level);
        int last = DevicePteLayout.index(end - 1, level);
        long firstStart = start & -span;
        int unseen = pool.population(page); // non-zero slots not yet visited: stop at 0
        long cleared = 0;
        for (int i = first; i <= last && unseen > 0; i++) {
            long slot = pool.slotPlain(page, i);
            if (slot == 0) {
                continue;
            }
            unseen--;
            if (level == PTE_LEVEL) {
                pool.setSlotPlain(page, i, 0);
                pool.addPopulation(page, -1);
                cleared++;
                continue;
            }
            long slotStart = firstStart + ((long) (i - first) << shift);
            long s = Math.max(start, slotStart);
            long e = Math.min(end, slotStart + span);
            boolean whole = s == slotStart && e == slotStart + span;
            if (DevicePteLayout.isTable(slot)) {
                int child = DevicePteLayout.tablePage(slot);
                if (whole) {
                    cleared += freeSubtree(child, level - 1);
                } else {
                    cleared += zapLevel(child, level - 1, s, e);
                    if (pool.population(child) != 0) {
                        continue;
                    }
                    pool.free(child);
                }
            } else if (whole) {
                cleared += HUGE_PAGES;
            } else {
                // Part of a HUGE leaf: split it, clear the covered pages, keep the rest.
                cleared += zapLevel(splitHuge(page, i, slot), PTE_LEVEL, s, e);
                continue;
            }
            pool.setSlotPlain(page, i, 0);
            pool.addPopulation(page, -1);
        }
        return cleared;
    }

    /** Frees table {@code page} at {@code level} and everything below it; returns the entries it held. */
    private long freeSubtree(int page, int level) {
        long freed;
        if (level == PTE_LEVEL) {
            freed = pool.population(page); // every non-zero PTE slot is one entry: no scan
        } else {
            freed = 0;
            for (int i = 0, unseen = pool.population(page); unseen > 0; i++) {
                long slot = pool.slotPlain(page, i);
                if (slot != 0) {
                    unseen--;
                    freed += DevicePteLayout.isTable(slot)
                            ? freeSubtree(DevicePteLayout.tablePage(slot), level - 1)
                            : HUGE_PAGES;
                }
            }
        }
        pool.free(page);
        return freed;
    }

    private long protectLevel(int page, int level, long start, long end, boolean write) {
        if (level == PTE_LEVEL) {
            return protectPtes(page, start, end, write);
        }
        int shift = DevicePteLayout.levelShift(level);
        long span = 1L << shift;
        int first = DevicePteLayout.index(start, level);
        int last = DevicePteLayout.index(end - 1, level);
        long firstStart = start & -span;
        int unseen = pool.population(page);
        long changed = 0;
        for (int i = first; i <= last && unseen > 0; i++) {
            long slot = pool.slotPlain(page, i);
            if (slot == 0) {
                continue;
            }
            unseen--;
            long slotStart = firstStart + ((long) (i - first) << shift);
            long s = Math.max(start, slotStart);
            long e = Math.min(end, slotStart + span);
            if (DevicePteLayout.isTable(slot)) {
                changed += protectLevel(DevicePteLayout.tablePage(slot), level - 1, s, e, write);
                continue;
            }
            long updated = DevicePteLayout.withWrite(slot, write);
            if (updated == slot) {
                continue;
            }
            // level > PTE_LEVEL here (PTE pages return above): the slot maps a huge page
            if (s == slotStart && e == slotStart + span) {
                pool.setSlotPlain(page, i, updated);
                changed += HUGE_PAGES;
            } else {
                changed += protectLevel(splitHuge(page, i, slot), PTE_LEVEL, s, e, write);
            }
        }
        return changed;
    }

    /**
     * {@link #protect} of [start, end) within PTE table {@code page}: the slots copied out in bulk,
     * changed in a loop over the copy, and copied back in bulk if any changed.
     */
    private long protectPtes(int page, long start, long end, boolean write) {
        int first = DevicePteLayout.index(start, PTE_LEVEL);
        int count = (int) ((end - start) >>> DevicePteLayout.PAGE_SHIFT);
        pool.readSlots(page, first, ptes, 0, count);
        // DevicePteLayout.withWrite on every present slot, branch-free so the loop is straight-line
        // code: WRITE is added only where the slot is non-zero; a write-protect leaves 0 as 0.
        long keep = write ? -1L : ~(DevicePteLayout.WRITE | DevicePteLayout.ATOMIC);
        long add = write ? DevicePteLayout.WRITE : 0;
        long changed = 0;
        for (int k = 0; k < count; k++) {
            long slot = ptes[k];
            long present = (slot | -slot) >> 63;
            long updated = (slot & keep) | (add & present);
            long diff = updated ^ slot;
            changed += (diff | -diff) >>> 63;
            ptes[k] = updated;
        }
        if (changed != 0) {
            pool.writeSlots(page, first, ptes, 0, count);
        }
        return changed;
    }

    /** The first populated page address in [start, end) below table {@code page}, or -1. */
    private long nextLevel(int page, int level, long start, long end) {
        int shift = DevicePteLayout.levelShift(level);
        long span = 1L << shift;
        int first = DevicePteLayout.index(start, level);
        int last = DevicePteLayout.index(end - 1, level);
        long firstStart = start & -span;
        int unseen = pool.population(page);
        for (int i = first; i <= last && unseen > 0; i++) {
            long slot = pool.slotPlain(page, i);
            if (slot == 0) {
                continue;
            }
            unseen--;
            long slotStart = firstStart + ((long) (i - first) << shift);
            long s = Math.max(start, slotStart);
            if (!DevicePteLayout.isTable(slot)) {
                return s; // a 4 KiB leaf, or a HUGE leaf covering s
            }
            long found = nextLevel(DevicePteLayout.tablePage(slot), level - 1, s, Math.min(end, slotStart + span));
            if (found >= 0) {
                return found;
            }
        }
        return -1;
    }
}

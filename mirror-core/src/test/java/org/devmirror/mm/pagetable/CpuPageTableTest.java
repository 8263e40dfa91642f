package org.devmirror.mm.pagetable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** The 4-level table: entries at every level, PMD leaves, freeing emptied tables, sparse walks. */
class CpuPageTableTest {
    private static final long PAGE = CpuPageTable.PAGE_SIZE;
    private static final long PMD = CpuPageTable.PMD_SIZE;
    private static final long PUD = 1L << 30;
    private static final long PGD = 1L << 39;
    private static final long TOP = CpuPageTable.TASK_SIZE - PAGE;

    private final CpuPageTable pt = new CpuPageTable();

    @AfterEach
    void close() {
        pt.close();
    }

    /** An entry set at any address reads back there and nowhere else; the path costs 3 tables. */
    @Test
    void setThenGetAtEveryLevelBoundary() {
        long[] vas = {0, PAGE, PMD - PAGE, PMD, PUD, PGD, PGD + PUD + PMD + PAGE, TOP};
        for (int i = 0; i < vas.length; i++) {
            pt.set(vas[i], PteLayout.present(100 + i, i % 2 == 0));
        }
        for (int i = 0; i < vas.length; i++) {
            assertEquals(PteLayout.present(100 + i, i % 2 == 0), pt.get(vas[i]), "va=0x" + Long.toHexString(vas[i]));
        }
        assertEquals(0, pt.get(2 * PAGE));
        assertEquals(0, pt.get(TOP - PAGE));
        assertEquals(0, pt.get(2 * PGD));
        // A lone page costs one PUD, one PMD and one PTE table.
        try (CpuPageTable fresh = new CpuPageTable()) {
            assertEquals(0, fresh.tablePages());
            fresh.set(TOP, PteLayout.swapEntry(1));
            assertEquals(3, fresh.tablePages());
            assertEquals(PteLayout.swapEntry(1), fresh.get(TOP));
        }
    }

    /** Clearing the last entry frees every table above it, up to the PGD. */
    @Test
    void emptiedTablesAreFreedUpTheTree() {
        // Two pages in one PTE table, one far away.
        pt.set(0, PteLayout.present(1, true));
        pt.set(PAGE, PteLayout.present(2, true));
        pt.set(PGD, PteLayout.present(3, true));
        assertEquals(6, pt.tablePages());
        // Clearing one of the two leaves the table.
        pt.set(0, 0);
        assertEquals(6, pt.tablePages());
        pt.set(PAGE, 0);
        assertEquals(3, pt.tablePages());
        pt.set(PGD, 0);
        assertEquals(0, pt.tablePages());
        assertEquals(CpuPageTable.TASK_SIZE, pt.nextPopulated(0, CpuPageTable.TASK_SIZE));
        // Clearing what is not there allocates nothing.
        pt.set(5 * PGD, 0);
        assertTrue(pt.compareAndSet(5 * PGD, 0, 0));
        assertEquals(0, pt.tablePages());
    }

    /** Freed tables are reused: mapping and unmapping in a loop does not grow the pool. */
    @Test
    void freedTablesAreReused() {
        for (int round = 0; round < 200; round++) {
            long va = (round % 7) * PGD + (round % 5) * PUD + round * PMD;
            pt.set(va, PteLayout.present(round, false));
            pt.setPmd(va + PUD / 2, PteLayout.pmdLeaf(512, false));
            pt.set(va, 0);
            pt.setPmd(va + PUD / 2, 0);
            assertEquals(0, pt.tablePages());
        }
        assertEquals(1, pt.poolChunks());
    }

    /** A PMD leaf answers for every page it covers, and is freed like a PTE table when cleared. */
    @Test
    void pmdLeafCoversTwoMegabytes() {
        long va = 3 * PMD;
        long leaf = PteLayout.pmdLeaf(1024, true);
        pt.setPmd(va, leaf);
        assertEquals(2, pt.tablePages());
        assertEquals(leaf, pt.get(va));
        assertEquals(leaf, pt.get(va + PMD - PAGE));
        assertEquals(leaf, pt.getPmd(va + 17 * PAGE));
        assertEquals(0, pt.get(va + PMD));
        assertEquals(0, pt.get(va - PAGE));
        // A PMD-level migration entry is a leaf too.
        long mig = PteLayout.toPmd(PteLayout.migrationEntry(1024, true));
        pt.setPmd(va, mig);
        assertEquals(mig, pt.get(va + 5 * PAGE));
        // getPmd does not expose PTE tables.
        pt.set(0, PteLayout.present(1, false));
        assertEquals(0, pt.getPmd(0));
        // Clearing frees what the leaf alone held up.
        pt.set(0, 0);
        pt.setPmd(va, 0);
        assertEquals(0, pt.tablePages());
        assertEquals(0, pt.get(va));
    }

    /** compareAndSet changes the entry only if it holds the expected value. */
    @Test
    void compareAndSetInstallsOnlyOverExpected() {
        long va = PUD + 4 * PAGE;
        long a = PteLayout.present(1, false);
        long b = PteLayout.present(2, true);
        // Nothing there: only expected == 0 succeeds, and a failure allocates nothing.
        assertFalse(pt.compareAndSet(va, a, b));
        assertEquals(0, pt.tablePages());
        assertTrue(pt.compareAndSet(va, 0, a));
        assertEquals(a, pt.get(va));
        // A stale expectation fails and leaves the entry.
        assertFalse(pt.compareAndSet(va, 0, b));
        assertEquals(a, pt.get(va));
        assertTrue(pt.compareAndSet(va, a, b));
        assertEquals(b, pt.get(va));
        // Clearing by CAS frees the tables.
        assertTrue(pt.compareAndSet(va, b, 0));
        assertEquals(0, pt.tablePages());
    }

    /** nextPopulated finds entries across sparse ranges and stops at end. */
    @Test
    void nextPopulatedSkipsHoles() {
        long gib = PUD;
        pt.set(gib + 300 * PMD + 7 * PAGE, PteLayout.present(1, false));
        pt.setPmd(gib + 400 * PMD, PteLayout.pmdLeaf(512, false));
        pt.set(3 * PGD, PteLayout.swapEntry(0));
        // From the start of the GiB to its first page.
        assertEquals(gib + 300 * PMD + 7 * PAGE, pt.nextPopulated(gib, gib + gib));
        assertEquals(gib + 300 * PMD + 7 * PAGE, pt.nextPopulated(0, CpuPageTable.TASK_SIZE));
        // Past it, to the PMD leaf, which counts from wherever inside it the walk starts.
        assertEquals(gib + 400 * PMD, pt.nextPopulated(gib + 300 * PMD + 8 * PAGE, gib + gib));
        assertEquals(gib + 400 * PMD + 9 * PAGE, pt.nextPopulated(gib + 400 * PMD + 9 * PAGE, gib + gib));
        // Past the leaf: nothing until the next PGD entry.
        assertEquals(gib + gib, pt.nextPopulated(gib + 401 * PMD, gib + gib));
        assertEquals(3 * PGD, pt.nextPopulated(gib + 401 * PMD, CpuPageTable.TASK_SIZE));
        // end is exclusive, and an empty range returns end.
        assertEquals(3 * PGD, pt.nextPopulated(2 * PGD, 3 * PGD));
        assertEquals(5 * PAGE, pt.nextPopulated(5 * PAGE, 5 * PAGE));
        assertEquals(CpuPageTable.TASK_SIZE, pt.nextPopulated(3 * PGD + PAGE, CpuPageTable.TASK_SIZE));
        assertEquals(CpuPageTable.TASK_SIZE, pt.nextPopulated(CpuPageTable.TASK_SIZE, CpuPageTable.TASK_SIZE));
    }

    /** A walk over the whole 128 TiB with one page at the top is table-sized, not page-sized. */
    @Test
    @Timeout(value = 2, unit = TimeUnit.SECONDS)
    void nextPopulatedIsCheapOverSparseRange() {
        pt.set(TOP, PteLayout.present(1, true));
        // 2^35 pages lie below TOP: a per-page walk would never finish in time.
        for (int i = 0; i < 10_000; i++) {
            assertEquals(TOP, pt.nextPopulated(0, CpuPageTable.TASK_SIZE));
        }
        // Every page of a 1 GiB range with 1 populated page per 2 MiB is found in order.
        pt.set(TOP, 0);
        for (long va = 0; va < PUD; va += PMD) {
            pt.set(va + 511 * PAGE, PteLayout.present(va >>> 21, false));
        }
        long found = 0;
        for (long va = pt.nextPopulated(0, PUD); va < PUD; va = pt.nextPopulated(va + PAGE, PUD)) {
            assertEquals(511 * PAGE, va % PMD);
            found++;
        }
        assertEquals(512, found);
    }

    /** Bad addresses and misplaced entries are named with their value and change nothing. */
    @Test
    void badArgumentsAreRejectedWithoutChange() {
        long pte = PteLayout.present(1, true);
        pt.set(PGD, pte);
        pt.setPmd(PUD, PteLayout.pmdLeaf(0, true));
        long pages = pt.tablePages();
        rejects("va=0x1001 is not page aligned", () -> pt.set(0x1001, pte));
        rejects("va=0x1001 is not page aligned", () -> pt.get(0x1001));
        rejects("va=0x800000000000 is not below TASK_SIZE=0x800000000000", () -> pt.set(CpuPageTable.TASK_SIZE, pte));
        rejects("va=0xfffffffffffff000 is not below TASK_SIZE=0x800000000000", () -> pt.get(-PAGE));
        rejects(
                "va=0x800000000000 is not below TASK_SIZE=0x800000000000",
                () -> pt.compareAndSet(CpuPageTable.TASK_SIZE, 0, pte));
        rejects("va=0x1000 is not 2 MiB aligned", () -> pt.setPmd(PAGE, PteLayout.pmdLeaf(0, true)));
        rejects("pmdLeaf=0x1007 is not a PMD leaf (HUGE clear)", () -> pt.setPmd(0, pte));
        rejects("pte=0x87 has HUGE set; PMD leaves go through setPmd", () -> pt.set(0, PteLayout.pmdLeaf(0, true)));
        // A PMD leaf over a PTE table, and a PTE inside a PMD leaf.
        rejects(
                "va=0x8000000000 is mapped by a PTE table; clear or collapse it first",
                () -> pt.setPmd(PGD, PteLayout.pmdLeaf(0, true)));
        rejects("va=0x8000000000 is mapped by a PTE table; clear or collapse it first", () -> pt.setPmd(PGD, 0));
        rejects("va=0x40003000 is inside a PMD leaf; split it first", () -> pt.set(PUD + 3 * PAGE, pte));
        rejects("va=0x40003000 is inside a PMD leaf; split it first", () -> pt.compareAndSet(PUD + 3 * PAGE, 0, pte));
        // Walk bounds.
        rejects(
                "va=0x1001 is not a page-aligned address in [0, TASK_SIZE=0x800000000000]",
                () -> pt.nextPopulated(0x1001, PGD));
        rejects(
                "end=0x1000 is not a page-aligned address in [va=0x2000, TASK_SIZE=0x800000000000]",
                () -> pt.nextPopulated(2 * PAGE, PAGE));
        rejects(
                "end=0x800000001000 is not a page-aligned address in [va=0x0, TASK_SIZE=0x800000000000]",
                () -> pt.nextPopulated(0, CpuPageTable.TASK_SIZE + PAGE));
        // Nothing changed.
        assertEquals(pages, pt.tablePages());
        assertEquals(pte, pt.get(PGD));
        assertEquals(PteLayout.pmdLeaf(0, true), pt.get(PUD + 3 * PAGE));
        assertEquals(0, pt.get(0));
        assertEquals(PUD, pt.nextPopulated(0, CpuPageTable.TASK_SIZE));
    }

    private static void rejects(String message, Executable call) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}

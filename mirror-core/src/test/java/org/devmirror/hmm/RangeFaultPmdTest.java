package org.devmirror.hmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.MigrateVma;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.testing.TestDevicePagemap;
import org.junit.jupiter.api.Test;

/**
 * hmm_range_fault over 2 MiB mappings and entries in flux: a THP leaf seen from part of its
 * range or write-protected by a fork (hmm_vma_handle_pmd), a PMD-level device-private entry of
 * the caller's device or another's (hmm_vma_handle_absent_pmd), and migration entries at either
 * level, which a snapshot reports 0 and a fault waits out (migration_entry_wait, then -EBUSY
 * and the walk again from the same page).
 */
class RangeFaultPmdTest extends RangeFaultFixture {
    private static final long PMD = Host.PMD_SIZE;
    private static final int PMD_PAGES = Host.PMD_PAGES;
    private static final long ORDER_9 = HmmPfn.order(9);

    /** An empty 2 MiB-aligned THP-eligible block. */
    private long hugeBlock() {
        return hugeBlock(Prot.RW);
    }

    private long hugeBlock(int prot) {
        long a = map(PMD_PAGES, prot, MapFlags.HUGEPAGE);
        assertEquals(0, a & (PMD - 1), "THP mappings are 2 MiB aligned");
        return a;
    }

    /** A 2 MiB block filled with {@code value} and mapped by one writable THP leaf. */
    private long filledThp(byte value) {
        long a = hugeBlock();
        assertEquals(Errno.OK, mm.cpuFill(a, PMD, value));
        long e = mm.pageTable().getPmd(a);
        assertTrue(PteLayout.isHuge(e) && PteLayout.isPresent(e), PteLayout.describe(e));
        return a;
    }

    private static long[] filled(int n, long word) {
        long[] w = new long[n];
        Arrays.fill(w, word);
        return w;
    }

    /** A range fault of part of a THP reports the subpages it covers, from the right one on. */
    @Test
    void partOfAHugeLeafReportsTheSubpagesItCovers() {
        long a = filledThp((byte) 1);
        long head = PteLayout.pfn(mm.pageTable().getPmd(a));
        long[] pfns = filled(200, HmmPfn.DMA_MAPPED);
        assertEquals(Errno.OK, fault(a + 100 * PAGE, 200, HmmPfn.REQ_FAULT, 0, pfns, null));
        for (int i = 0; i < 200; i++) {
            assertEquals(HmmPfn.DMA_MAPPED | HmmPfn.VALID | HmmPfn.WRITE | ORDER_9 | (head + 100 + i), pfns[i]);
        }
    }

    /**
     * After fork the THP leaf is write-protected (COW): a snapshot reports it VALID without WRITE,
     * and a write request faults it (do_huge_pmd_wp_page), after which every page is writable and
     * still holds its data.
     */
    @Test
    void writeRequestOnAForkSharedHugeLeafFaultsIt() {
        long a = filledThp((byte) 9);
        AddressSpace child = mm.fork();
        long[] pfns = new long[PMD_PAGES];
        assertEquals(Errno.OK, fault(a, PMD_PAGES, HmmPfn.REQ_FAULT, 0, pfns, null));
        long head = PteLayout.pfn(mm.pageTable().getPmd(a));
        assertEquals(HmmPfn.VALID | ORDER_9 | (head + 7), pfns[7], "shared: read-only");
        // Only the last page asks for write access: the whole leaf is faulted for it.
        pfns = new long[PMD_PAGES];
        pfns[PMD_PAGES - 1] = HmmPfn.REQ_FAULT | HmmPfn.REQ_WRITE;
        assertEquals(Errno.OK, fault(a, PMD_PAGES, 0, HmmPfn.REQ_FAULT | HmmPfn.REQ_WRITE, pfns, null));
        long last = a + (PMD_PAGES - 1) * PAGE;
        assertTrue(HmmPfn.isWrite(pfns[PMD_PAGES - 1]), Long.toHexString(pfns[PMD_PAGES - 1]));
        assertEquals(PteLayout.pfn(mm.pageTable().get(last)), HmmPfn.pfn(pfns[PMD_PAGES - 1]));
        assertTrue(PteLayout.isWrite(mm.pageTable().get(last)), "the CPU entry is writable now");
        byte[] b = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(last, b, 0, 1));
        assertEquals(9, b[0]);
        assertEquals(Errno.OK, child.cpuRead(last, b, 0, 1));
        assertEquals(9, b[0], "the child keeps its copy");
        child.exit();
    }

    /**
     * Once the fork child is gone the write-protected THP is exclusive again: a write request
     * reuses it in place (do_huge_pmd_wp_page without a copy), which invalidates nothing, so one
     * range fault call faults it and walks on to report the same folio writable.
     */
    @Test
    void writeRequestReusesAnExclusiveReadOnlyHugeLeafInOneCall() {
        long a = filledThp((byte) 3);
        long head = PteLayout.pfn(mm.pageTable().getPmd(a));
        mm.fork().exit();
        assertFalse(PteLayout.isWrite(mm.pageTable().getPmd(a)), "still write-protected after the child's exit");
        rec.clear();
        long[] pfns = new long[PMD_PAGES];
        assertEquals(Errno.OK, faultOnce(range(a, PMD_PAGES, HmmPfn.REQ_FAULT | HmmPfn.REQ_WRITE, 0, pfns, null)));
        assertEquals(List.of(), rec.events(), "wp reuse raises nothing");
        long e = mm.pageTable().getPmd(a);
        assertTrue(PteLayout.isHuge(e) && PteLayout.isWrite(e), PteLayout.describe(e));
        assertEquals(head, PteLayout.pfn(e), "the same folio");
        for (int i = 0; i < PMD_PAGES; i++) {
            assertEquals(HmmPfn.VALID | HmmPfn.WRITE | ORDER_9 | (head + i), pfns[i]);
        }
    }

    /**
     * migrate_vma_* with SELECT_COMPOUND of the empty 2 MiB block at {@code a}, collected as one
     * hole, into {@code dev}'s first folio: the CPU maps it with one PMD-level device-private
     * entry, writable if the VMA is (migrate_vma_insert_huge_pmd_page).
     */
    private long migrateEmptyBlockToDevice(long a, TestDevicePagemap dev) {
        boolean writable;
        mm.mmapReadLock();
        try {
            writable = (mm.findVma(a).prot() & Prot.WRITE) != 0;
            MigrateVma args = migrateArgs(a, dev, MigrateVma.SELECT_SYSTEM | MigrateVma.SELECT_COMPOUND);
            assertEquals(Errno.OK, mm.migrateVmaSetup(args));
            long both = MigrateVma.MIGRATE_PFN_MIGRATE | MigrateVma.MIGRATE_PFN_COMPOUND;
            assertEquals(both, args.src[0] & both, "one compound hole");
            args.dst[0] = MigrateVma.migratePfn(dev.base()) | MigrateVma.MIGRATE_PFN_COMPOUND;
            mm.migrateVmaPages(args);
            mm.migrateVmaFinalize(args);
        } finally {
            mm.mmapReadUnlock();
        }
        long e = mm.pageTable().getPmd(a);
        assertTrue(PteLayout.isHuge(e) && PteLayout.isDevicePrivate(e), PteLayout.describe(e));
        assertEquals(writable, PteLayout.isWrite(e));
        return PteLayout.pfn(e);
    }

    private static MigrateVma migrateArgs(long start, Object owner, int flags) {
        MigrateVma args = new MigrateVma();
        args.start = start;
        args.end = start + PMD;
        args.src = new long[PMD_PAGES];
        args.dst = new long[PMD_PAGES];
        args.pgmapOwner = owner;
        args.flags = flags;
        return args;
    }

    /**
     * The owner's PMD-level device-private entry is reported as it is, fault requested or not:
     * every page's device PFN with VALID, map order 9 and WRITE if the entry is writable; nothing
     * migrates. Part of the block gets the PFNs of the pages it covers.
     */
    @Test
    void ownersDevicePmdIsReportedWithOrderNine() {
        TestDevicePagemap dev = new TestDevicePagemap(host, 2 * PMD_PAGES);
        long a = hugeBlock();
        long head = migrateEmptyBlockToDevice(a, dev);
        assertEquals(dev.base(), head);
        long[] pfns = filled(PMD_PAGES, HmmPfn.P2PDMA);
        assertEquals(Errno.OK, fault(a, PMD_PAGES, HmmPfn.REQ_FAULT | HmmPfn.REQ_WRITE, 0, pfns, dev));
        for (int i = 0; i < PMD_PAGES; i++) {
            assertEquals(HmmPfn.P2PDMA | HmmPfn.VALID | HmmPfn.WRITE | ORDER_9 | (head + i), pfns[i]);
        }
        long[] part = new long[10];
        assertEquals(Errno.OK, fault(a + 300 * PAGE, 10, 0, 0, part, dev));
        for (int i = 0; i < 10; i++) {
            assertEquals(HmmPfn.VALID | HmmPfn.WRITE | ORDER_9 | (head + 300 + i), part[i]);
        }
        assertTrue(PteLayout.isDevicePrivate(mm.pageTable().getPmd(a)), "nothing migrated back");
        assertEquals(0, dev.frees());
    }

    /**
     * A read-only PMD-level device-private entry of the owner is VALID without WRITE; as in the
     * kernel the owner's entry is never faulted, so a write request leaves it read-only.
     */
    @Test
    void ownersReadOnlyDevicePmdIsValidWithoutWrite() {
        TestDevicePagemap dev = new TestDevicePagemap(host, PMD_PAGES);
        long a = hugeBlock(Prot.READ);
        long head = migrateEmptyBlockToDevice(a, dev);
        long[] pfns = new long[PMD_PAGES];
        assertEquals(Errno.OK, fault(a, PMD_PAGES, HmmPfn.REQ_FAULT | HmmPfn.REQ_WRITE, 0, pfns, dev));
        assertEquals(HmmPfn.VALID | ORDER_9 | head, pfns[0]);
        assertEquals(HmmPfn.VALID | ORDER_9 | (head + PMD_PAGES - 1), pfns[PMD_PAGES - 1]);
        assertFalse(PteLayout.isWrite(mm.pageTable().getPmd(a)));
    }

    /**
     * Another owner's PMD-level device-private entry is ERROR in a snapshot (sticky bits kept);
     * one page's fault request faults the rest of the block from the walk's page on, which
     * migrates the pages back to system memory (dmirror_devmem_fault).
     */
    @Test
    void othersDevicePmdIsErrorUntilAFaultMigratesItBack() {
        TestDevicePagemap dev = new TestDevicePagemap(host, PMD_PAGES);
        long a = hugeBlock();
        migrateEmptyBlockToDevice(a, dev);
        long[] pfns = new long[PMD_PAGES];
        pfns[3] = HmmPfn.DMA_MAPPED;
        assertEquals(Errno.OK, fault(a, PMD_PAGES, 0, 0, pfns, "other"));
        assertEquals(HmmPfn.ERROR, pfns[0]);
        assertEquals(HmmPfn.DMA_MAPPED | HmmPfn.ERROR, pfns[3]);
        assertEquals(HmmPfn.ERROR, pfns[PMD_PAGES - 1]);
        assertEquals(0, dev.frees());

        pfns = new long[PMD_PAGES];
        pfns[5] = HmmPfn.REQ_FAULT;
        assertEquals(Errno.OK, fault(a, PMD_PAGES, 0, HmmPfn.REQ_FAULT, pfns, "other"));
        assertEquals(PMD_PAGES, dev.frees(), "every page of the block came back");
        for (int i : new int[] {0, 5, PMD_PAGES - 1}) {
            long e = mm.pageTable().get(a + i * PAGE);
            assertTrue(PteLayout.isPresent(e), PteLayout.describe(e));
            assertEquals(HmmPfn.VALID, pfns[i] & (HmmPfn.VALID | HmmPfn.ERROR));
            assertEquals(PteLayout.pfn(e), HmmPfn.pfn(pfns[i]));
        }
    }

    /**
     * A THP under migration is one PMD-level migration entry: a snapshot reports its pages 0
     * (sticky bits kept), a fault request waits until the migration is finalized and then
     * reports the restored leaf.
     */
    @Test
    void hugeMigrationEntryIsZeroOrWaitedFor() throws Exception {
        long a = filledThp((byte) 4);
        long head = PteLayout.pfn(mm.pageTable().getPmd(a));
        mm.mmapReadLock();
        try {
            MigrateVma args = migrateArgs(a, "migrating", MigrateVma.SELECT_SYSTEM | MigrateVma.SELECT_COMPOUND);
            assertEquals(Errno.OK, mm.migrateVmaSetup(args));
            long e = mm.pageTable().getPmd(a);
            assertTrue(PteLayout.isHuge(e) && PteLayout.isMigration(e), PteLayout.describe(e));
            long[] pfns = new long[PMD_PAGES];
            pfns[1] = HmmPfn.DMA_MAPPED | HmmPfn.VALID;
            assertEquals(Errno.OK, fault(a, PMD_PAGES, 0, 0, pfns, null));
            assertEquals(0, pfns[0]);
            assertEquals(HmmPfn.DMA_MAPPED, pfns[1], "an old VALID is not left behind");
            assertEquals(0, pfns[PMD_PAGES - 1]);

            long[] wanted = new long[PMD_PAGES];
            wanted[PMD_PAGES - 1] = HmmPfn.REQ_FAULT;
            HmmRange r = range(a, PMD_PAGES, 0, HmmPfn.REQ_FAULT, wanted, null);
            assertEquals(Errno.OK, faultWhileMigrating(r, args));
            assertEquals(HmmPfn.VALID | HmmPfn.WRITE | ORDER_9 | (head + PMD_PAGES - 1), wanted[PMD_PAGES - 1]);
            assertEquals(HmmPfn.VALID | HmmPfn.WRITE | ORDER_9 | head, wanted[0]);
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /**
     * A 4 KiB page under migration is a migration entry: 0 in a snapshot, and a fault request
     * waits for migrate_vma_finalize and then reports the page mapped again.
     */
    @Test
    void pteMigrationEntryIsZeroOrWaitedFor() throws Exception {
        long a = map(3, Prot.RW, 0);
        assertEquals(Errno.OK, mm.cpuFill(a, 3 * PAGE, (byte) 2));
        long pfn1 = PteLayout.pfn(mm.pageTable().get(a + PAGE));
        mm.mmapReadLock();
        try {
            MigrateVma args = new MigrateVma();
            args.start = a + PAGE;
            args.end = a + 2 * PAGE;
            args.src = new long[1];
            args.dst = new long[1];
            args.pgmapOwner = "migrating";
            args.flags = MigrateVma.SELECT_SYSTEM;
            assertEquals(Errno.OK, mm.migrateVmaSetup(args));
            assertTrue(PteLayout.isMigration(mm.pageTable().get(a + PAGE)));
            long[] pfns = {0, HmmPfn.P2PDMA, 0};
            assertEquals(Errno.OK, fault(a, 3, 0, 0, pfns, null));
            assertEquals(HmmPfn.VALID | HmmPfn.WRITE, pfns[0] & HmmPfn.FLAGS);
            assertEquals(HmmPfn.P2PDMA, pfns[1]);
            assertEquals(HmmPfn.VALID | HmmPfn.WRITE, pfns[2] & HmmPfn.FLAGS);

            long[] wanted = new long[3];
            assertEquals(Errno.OK, faultWhileMigrating(range(a, 3, HmmPfn.REQ_FAULT, 0, wanted, null), args));
            assertEquals(HmmPfn.VALID | HmmPfn.WRITE | pfn1, wanted[1]);
            assertEquals(HmmPfn.VALID | HmmPfn.WRITE, wanted[2] & HmmPfn.FLAGS);
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /**
     * Runs {@link #fault(HmmRange)} on another thread while the migration set up in {@code args}
     * holds its entries; once that thread is inside range fault (where it can only wait for the
     * migration entries to go), the migration is finalized without moving anything.
     */
    private Errno faultWhileMigrating(HmmRange r, MigrateVma args) throws Exception {
        CompletableFuture<Errno> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("range-fault").start(() -> {
            try {
                result.complete(fault(r));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (t.isAlive() && !insideRangeFault(t)) {
            if (System.nanoTime() > deadline) {
                fail("the range fault thread never entered RangeFault.fault");
            }
            Thread.sleep(1);
        }
        assertFalse(result.isDone(), "range fault returned while the migration entries were there");
        mm.migrateVmaPages(args);
        mm.migrateVmaFinalize(args);
        return result.get(20, TimeUnit.SECONDS);
    }

    private static boolean insideRangeFault(Thread t) {
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().equals(RangeFault.class.getName())) {
                return true;
            }
        }
        return false;
    }
}

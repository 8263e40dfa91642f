package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.device.oracle.DataCheck;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.Pagemap;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link InvalidationPolicy} must meet, run against each implementation by a
 * thin subclass: whatever the host does, the {@link SafetyOracle} finds no device translation the
 * CPU page table does not justify, and data written on one side is read on the other. The oracle
 * runs after every step.
 */
public abstract class MirrorContract extends DeviceFixture {
    static final int N = 64;

    /** For the subclasses that run the suite against one configuration. */
    protected MirrorContract() {}

    /** The policy under test. */
    protected abstract InvalidationPolicy policy();

    /**
     * Whether the policy leaves the pages of its device's own memory unmarked at SOFT_DIRTY, as
     * every real driver of the zoo does: the kernel exports no helper that marks a CPU entry
     * soft-dirty, so none of them follows the kernel-doc of {@code MMU_NOTIFY_SOFT_DIRTY} there.
     * Its contract then asserts that the oracle reports exactly the device's writes into its own
     * memory after clear_refs, as kernel findings, and no violation.
     */
    protected boolean hidesDeviceMemoryWritesFromSoftDirty() {
        return false;
    }

    /** Off-heap (default) or on-heap device page table. */
    protected boolean offHeapTable() {
        return true;
    }

    @Override
    protected MirrorOptions options() {
        return MirrorOptions.forPolicy(policy()).withOffHeapTable(offHeapTable());
    }

    /** Checks every mirror after a step, naming the step on failure. */
    void step(String what) {
        for (Dmirror m : dev0.mirrors()) {
            OracleReport r = SafetyOracle.check(m);
            assertTrue(r.isClean(), () -> "after " + what + ": " + r);
        }
        for (Dmirror m : dev1.mirrors()) {
            OracleReport r = SafetyOracle.check(m);
            assertTrue(r.isClean(), () -> "after " + what + ": " + r);
        }
    }

    /** Maps N pages, fills them, and has the device read and write them. */
    long populated() {
        long a = anon(N, Prot.RW);
        cpuInit(mm, a, N, 0);
        byte[] buf = new byte[(int) (N * PAGE)];
        assertEquals(Errno.OK, mirror.read(a, N, buf).result());
        assertInts(buf, N, 0);
        step("device read");
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 100)).result());
        step("device write");
        return a;
    }

    void assertDataRoundTrip(long a, int npages) {
        OracleReport r = DataCheck.roundTrip(mirror, a, npages, a);
        assertTrue(r.isClean(), r::toString);
        step("data round trip");
    }

    /** Ports hmm-tests anon_read/anon_write: the device sees the CPU's data and the reverse. */
    @Test
    void deviceAndCpuSeeEachOthersWrites() {
        long a = populated();
        assertCpuInts(mm, a, N, 100);
        assertDataRoundTrip(a, N);
    }

    /** munmap of part of a tracked range: nothing unmapped stays mapped, the rest keeps working. */
    @Test
    void partialUnmapLeavesNoStaleTranslation() {
        long a = populated();
        assertEquals(Errno.OK, mm.munmap(a + 16 * PAGE, 16 * PAGE));
        step("munmap middle");
        assertDataRoundTrip(a, 16);
        assertDataRoundTrip(a + 32 * PAGE, 32);
        assertEquals(Errno.OK, mm.munmap(a, N * PAGE));
        step("munmap all");
        assertEquals(0, mirror.pageTable().populated());
    }

    /** MADV_DONTNEED frees the frames: the device must not keep them. */
    @Test
    void dontneedZapsDeviceTranslations() {
        long a = populated();
        assertEquals(Errno.OK, mm.madvise(a, N * PAGE, Advice.DONTNEED));
        step("madvise DONTNEED");
        byte[] buf = new byte[(int) (N * PAGE)];
        assertEquals(Errno.OK, mirror.read(a, N, buf).result());
        assertEquals(-1, Arrays.mismatch(buf, new byte[buf.length]), "the device reads zeros");
        step("device read of zero pages");
    }

    /**
     * A TLB flush is device work only when something was flushed: MADV_DONTNEED raises CLEAR over
     * the kernel's range, the advised range whole, and over the half the device tracks but never
     * touched it has nothing to zap or flush (unless the policy zaps more than the invalidated
     * range, as Xe zaps its ranges whole), so its flush is counted only if PTEs changed. One
     * tracked range covers the buffer, so each invalidation makes one callback and at most one
     * counted flush.
     */
    @Test
    void tlbFlushIsCountedOnlyWhenSomethingWasFlushed() {
        long a = anon(N, Prot.RW);
        cpuInit(mm, a, N, 0);
        byte[] buf = new byte[(int) (N / 2 * PAGE)];
        assertEquals(Errno.OK, mirror.read(a, N / 2, buf).result());
        step("device read of the lower half");
        DeviceStats s = mirror.stats();
        // The upper half: tracked (one tracked range covers the buffer), populated on the CPU, never on the device.
        assertEquals(Errno.OK, mm.madvise(a + N / 2 * PAGE, N / 2 * PAGE, Advice.DONTNEED));
        step("DONTNEED of the upper half");
        assertEquals(1, s.invalidations(MmuNotifierEvent.CLEAR));
        long changed = s.ptesZapped(MmuNotifierEvent.CLEAR) + s.ptesDowngraded(MmuNotifierEvent.CLEAR);
        assertEquals(
                changed == 0 ? 0 : 1,
                s.tlbFlushes(MmuNotifierEvent.CLEAR),
                "nothing held, nothing cached: nothing flushed");
        // The lower half: a flush counts if the device still held it and the policy zapped it now.
        long flushes = s.tlbFlushes(MmuNotifierEvent.CLEAR);
        assertEquals(Errno.OK, mm.madvise(a, N / 2 * PAGE, Advice.DONTNEED));
        step("DONTNEED of the lower half");
        assertEquals(2, s.invalidations(MmuNotifierEvent.CLEAR));
        long changedNow = s.ptesZapped(MmuNotifierEvent.CLEAR) + s.ptesDowngraded(MmuNotifierEvent.CLEAR) - changed;
        assertEquals(flushes + (changedNow == 0 ? 0 : 1), s.tlbFlushes(MmuNotifierEvent.CLEAR));
    }

    /** mprotect to read-only, to none and back: the device never has more permission than the CPU. */
    @Test
    void mprotectNeverLeavesMorePermission() {
        long a = populated();
        assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, Prot.READ));
        step("mprotect READ");
        assertEquals(Errno.EPERM, mirror.write(a, 1, new byte[(int) PAGE]).result());
        step("device write refused");
        assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, Prot.NONE));
        step("mprotect NONE");
        assertEquals(Errno.EFAULT, mirror.read(a, 1, new byte[(int) PAGE]).result());
        assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, Prot.RW));
        step("mprotect RW");
        assertDataRoundTrip(a, N);
    }

    /** fork write-protects the parent's pages (PROTECTION_PAGE); COW then replaces them (CLEAR). */
    @Test
    void forkAndCopyOnWriteKeepDeviceCoherent() {
        long a = populated();
        AddressSpace child = mm.fork();
        step("fork");
        Dmirror childMirror = dev0.open(child, options());
        assertEquals(Errno.OK, childMirror.write(a, N, ints(N, 5000)).result());
        step("child device write");
        assertCpuInts(child, a, N, 5000);
        assertCpuInts(mm, a, N, 100);
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 7000)).result());
        step("parent device write");
        assertCpuInts(mm, a, N, 7000);
        assertCpuInts(child, a, N, 5000);
        childMirror.close();
        child.exit();
        step("child exit");
    }

    /** Writeback of a shared file mapping (page_mkclean, PROTECTION_PAGE). */
    @Test
    void writebackKeepsDeviceCoherent() {
        MemoryObject file = host.newFile("f", N * PAGE);
        long a = mm.mmap(0, N * PAGE, Prot.RW, MapFlags.SHARED, file, 0);
        assertEquals(Errno.OK, Errno.fromReturn(a));
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 3)).result());
        step("device write to file");
        assertEquals(Errno.OK, mm.writeback(file));
        step("writeback");
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 4)).result());
        step("device write after writeback");
        byte[] buf = new byte[(int) (N * PAGE)];
        file.pread(0, buf, 0, buf.length);
        assertInts(buf, N, 4);
    }

    /** Soft-dirty clearing, reclaim, compaction and KSM never leave a stale translation. */
    @Test
    void maintenanceOperationsLeaveNoStaleTranslation() {
        long a = populated();
        assertEquals(Errno.OK, mm.clearSoftDirty());
        step("clear_refs soft-dirty");
        mm.compact(a, N * PAGE);
        step("compaction");
        mm.reclaim(a, N / 2 * PAGE);
        step("reclaim");
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 0)).result()); // identical pages for KSM
        byte[] zero = new byte[(int) (N * PAGE)];
        assertEquals(Errno.OK, mirror.write(a, N, zero).result());
        mm.ksmMerge(a, N * PAGE);
        step("ksm merge");
        assertDataRoundTrip(a, N);
    }

    /** THP collapse and split replace the mapping (CLEAR). */
    @Test
    void hugePageCollapseAndSplit() {
        long a = anonHuge(512);
        cpuInit(mm, a, 512, 9);
        assertEquals(Errno.OK, mirror.write(a, 512, ints(512, 10)).result());
        step("device write huge");
        assertEquals(Errno.OK, mm.splitHuge(a));
        step("split");
        assertEquals(Errno.OK, mirror.read(a, 512, new byte[(int) (512 * PAGE)]).result());
        assertEquals(Errno.OK, mm.collapseHuge(a));
        step("collapse");
        assertDataRoundTrip(a, 512);
    }

    /**
     * Soft-dirty stays complete (the kernel-doc of MMU_NOTIFY_SOFT_DIRTY): after clear_refs, a page
     * the device writes reads soft-dirty, whether the device held it writable through the clear
     * or maps it again afterwards, and whether it lives in system memory or in the device's own
     * memory (which the device writes with no CPU fault, and which clear_refs leaves writable).
     */
    @Test
    void deviceWritesAfterClearRefsReadSoftDirty() {
        long a = populated();
        assertEquals(new DeviceCommand(Errno.OK, N / 2, 0), mirror.migrateToDevice(a + N / 2 * PAGE, N / 2));
        step("migrate the upper half to device memory");
        assertEquals(Errno.OK, mm.clearSoftDirty());
        step("clear_refs soft-dirty");
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 7)).result());
        if (hidesDeviceMemoryWritesFromSoftDirty()) {
            assertOnlyTheKernelLost(a + N / 2 * PAGE, N / 2);
            return;
        }
        step("device write of system and device pages after clear_refs");
        for (int i = 0; i < N; i++) {
            assertNotEquals(0, mm.pagemap(a + i * PAGE, false) & Pagemap.SOFT_DIRTY, "page " + i + " reads soft-dirty");
        }
        assertEquals(Errno.OK, mirror.migrateToSystem(a + N / 2 * PAGE, N / 2).result());
        step("migrate back to system memory");
        assertEquals(Errno.OK, mm.clearSoftDirty());
        step("second clear_refs");
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 9)).result());
        step("device write after the second clear_refs");
        assertCpuInts(mm, a, N, 9);
    }

    /**
     * Device memory that mremap moved where the mirror tracks nothing ({@code move_page_tables}
     * raises UNMAP over the old addresses only): clear_refs cleans its writable device-private
     * entries unheard. A device write after its fault maps the pages again, and a device write
     * after the pages returned to RAM writable, must both read soft-dirty
     * ({@link InvalidationPolicy#marksDeviceMemorySoftDirty}); under a zoo driver the oracle
     * reports exactly those writes as the kernel's loss.
     */
    @Test
    void deviceMemoryMovedByMremapStaysSoftDirtyComplete() {
        long a = populated();
        assertEquals(new DeviceCommand(Errno.OK, N, 0), mirror.migrateToDevice(a, N));
        step("migrate to device memory");
        long b = anon(N, Prot.RW);
        assertEquals(b, mm.mremap(a, N * PAGE, N * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, b));
        step("mremap of the device memory");
        assertEquals(Errno.OK, mm.clearSoftDirty());
        step("clear_refs soft-dirty");
        assertEquals(Errno.OK, mirror.write(b, N / 2, ints(N / 2, 11)).result());
        byte[] upper = new byte[(int) (N / 2 * PAGE)];
        assertEquals(Errno.OK, mm.cpuRead(b + N / 2 * PAGE, upper, 0, upper.length)); // back to RAM, writable
        assertEquals(
                Errno.OK, mirror.write(b + N / 2 * PAGE, N / 2, ints(N / 2, 12)).result());
        if (hidesDeviceMemoryWritesFromSoftDirty()) {
            assertOnlyTheKernelLost(b, N);
            return;
        }
        step("device writes after clear_refs, through a fault and after the return to RAM");
        for (int i = 0; i < N; i++) {
            assertNotEquals(0, mm.pagemap(b + i * PAGE, false) & Pagemap.SOFT_DIRTY, "page " + i + " reads soft-dirty");
        }
        assertCpuInts(mm, b, N / 2, 11);
        assertCpuInts(mm, b + N / 2 * PAGE, N / 2, 12);
    }

    /**
     * Under a zoo driver: the oracle is clean and reports, as the kernel's loss, exactly the
     * {@code npages} pages from {@code from}, which pagemap reads clean though the device wrote them.
     */
    private void assertOnlyTheKernelLost(long from, int npages) {
        OracleReport r = SafetyOracle.check(mirror);
        assertTrue(r.isClean(), r::toString);
        assertEquals(npages, r.kernelFindings().size(), r.kernelFindings()::toString);
        for (String k : r.kernelFindings()) {
            long va = Long.parseUnsignedLong(k.substring("va=0x".length(), k.indexOf(':')), 16);
            assertTrue(va >= from && va < from + npages * PAGE && k.contains("no helper"), k);
            assertEquals(0, mm.pagemap(va, false) & Pagemap.SOFT_DIRTY, k);
        }
    }

    /** Migration to device memory and back, and a CPU touch of a migrated page. */
    @Test
    void migrationKeepsDeviceCoherent() {
        long a = populated();
        DeviceCommand c = mirror.migrateToDevice(a, N);
        assertEquals(new DeviceCommand(Errno.OK, N, 0), c);
        step("migrate to device");
        assertCpuInts(mm, a, N / 2, 100);
        step("CPU touch of half");
        assertEquals(Errno.OK, mirror.migrateToSystem(a, N).result());
        step("migrate to system");
        assertDataRoundTrip(a, N);
    }

    /** Exclusive access and its revocation by a CPU write. */
    @Test
    void exclusiveAccessIsRevokedByCpu() {
        long a = populated();
        assertEquals(Errno.OK, mirror.exclusive(a, N).result());
        step("exclusive");
        assertEquals(Errno.EPERM, mirror.checkExclusive(a, N));
        cpuInit(mm, a, N, 1);
        step("CPU write");
        assertEquals(Errno.OK, mirror.checkExclusive(a, N));
        assertEquals(Errno.OK, mirror.atomicAdd(a, N, 1L | 1L << 32).result()); // +1 to both ints of each word
        step("device atomic");
        assertCpuInts(mm, a, N, 2);
        step("CPU read after atomic");
    }

    /** mremap moves the pages (UNMAP of the old range). */
    @Test
    void mremapMovesAwayFromDevice() {
        long a = populated();
        long b = mm.mremap(a, N * PAGE, N * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, a - 1024 * PAGE);
        assertEquals(Errno.OK, Errno.fromReturn(b));
        step("mremap");
        assertCpuInts(mm, b, N, 100);
        assertDataRoundTrip(b, N);
    }

    /** A second device mirroring the same address space. */
    @Test
    void twoDevicesOnOneAddressSpace() {
        long a = populated();
        Dmirror other = dev1.open(mm, options());
        byte[] buf = new byte[(int) (N * PAGE)];
        assertEquals(Errno.OK, other.read(a, N, buf).result());
        assertInts(buf, N, 100);
        step("second device read");
        assertEquals(new DeviceCommand(Errno.OK, N, 0), other.migrateToDevice(a, N));
        step("migrate to the second device");
        assertEquals(Errno.OK, mirror.read(a, N, buf).result());
        assertInts(buf, N, 100);
        step("first device read of the second device's pages");
    }

    /** exit: RELEASE then UNMAP; the mirror ends with nothing mapped or tracked. */
    @Test
    void exitTearsEverythingDown() {
        populated();
        mm.exit();
        assertEquals(0, mirror.pageTable().populated());
        mirror.collectGarbage(); // RELEASE marked every tracked range; the collector removes them
        assertEquals(0, mirror.trackedIntervals().length);
        assertEquals(Errno.EFAULT, mirror.read(0x1000, 1, new byte[(int) PAGE]).result());
    }

    /**
     * The policy ignores no invalidation before the lock: every one takes the driver lock and calls
     * {@code setSeq}, as the kernel-doc of {@code mmu_interval_set_seq} requires "unconditionally"
     * (and the notifier rules, on in these tests, check on every step of this suite).
     */
    @Test
    void everyInvalidationTakesTheLockAndSetsTheSequence() {
        Object own = mirror.driver().owner();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            for (Object owner : new Object[] {null, own, dev1}) {
                MmuNotifierRange r =
                        new MmuNotifierRange().init(mm, e, MmuNotifierRange.FLAG_BLOCKABLE, 0, PAGE, owner);
                assertFalse(policy().ignores(r, own), () -> e + " owner=" + owner);
            }
        }
    }
}

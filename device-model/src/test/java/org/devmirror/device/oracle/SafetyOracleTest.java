package org.devmirror.device.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.DeviceWriteLog;
import org.devmirror.device.driver.EventAwarePolicy;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorActions;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.MirrorState;
import org.devmirror.device.driver.TrackedRange;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each rule of the oracle broken once, by a policy that keeps every translation whatever the
 * event ({@link #KEEP_ALL}), and found with the words that name it; and the same host operation
 * under the event-aware policy, found clean. The data check and the report are pinned alongside.
 */
class SafetyOracleTest {
    private static final long PAGE = Host.PAGE_SIZE;
    private static final int N = 4;

    /** Skips every invalidation: the device keeps whatever it mapped. */
    private static final InvalidationPolicy KEEP_ALL = new InvalidationPolicy() {
        @Override
        public String name() {
            return "keep-all";
        }

        @Override
        public void invalidate(
                MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
            mirror.skip();
        }
    };

    private Host host;
    private DmirrorDevice device;
    private DmirrorDevice other;
    private AddressSpace mm;

    @BeforeEach
    void boot() {
        host = new Host(HostConfig.defaults().withFrames(2048).withSwapSlots(64));
        device = new DmirrorDevice(host, 0, 512);
        other = new DmirrorDevice(host, 1, 512);
        mm = host.newAddressSpace();
    }

    @AfterEach
    void shutdown() {
        for (DmirrorDevice d : List.of(device, other)) {
            for (Dmirror m : d.mirrors()) {
                m.close();
            }
        }
        host.close();
        device.close();
        other.close();
    }

    private Dmirror open(InvalidationPolicy policy) {
        return device.open(mm, MirrorOptions.defaults().withPolicy(policy));
    }

    /** N private anonymous read-write pages of ones the CPU has written. */
    private long filled() {
        long a = mm.mmap(0, N * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, mm.cpuFill(a, N * PAGE, (byte) 1));
        return a;
    }

    /** N pages of ones the device has written (so it maps them writable), the oracle clean. */
    private long written(Dmirror mirror) {
        long a = filled();
        assertEquals(
                Errno.OK,
                mirror.write(a, N, DataCheck.pattern((int) (N * PAGE), 7)).result());
        OracleReport r = SafetyOracle.check(mirror);
        assertTrue(r.isClean(), r::toString);
        // the N entries, the N TLB entries the write filled and the N logged writes, each counted once
        assertEquals(3L * N, r.checked(), r::toString);
        return a;
    }

    private static void assertFinds(OracleReport r, String words, long count) {
        assertEquals(count, r.violationCount(), r::toString);
        assertTrue(r.violations().stream().allMatch(v -> v.contains(words)), r::toString);
    }

    /** A {@link #KEEP_ALL} mirror and the N pages it wrote at {@code addr}. */
    private record Kept(Dmirror mirror, long addr) {}

    /** A {@link #KEEP_ALL} mirror after {@code op} changed the N pages it wrote. */
    private Kept keptAfter(LongFunction<Errno> op) {
        Dmirror mirror = open(KEEP_ALL);
        long a = written(mirror);
        assertEquals(Errno.OK, op.apply(a));
        return new Kept(mirror, a);
    }

    /** The report on a {@link #KEEP_ALL} mirror after {@code op} changed the N pages it wrote. */
    private OracleReport afterHostOp(LongFunction<Errno> op) {
        return SafetyOracle.check(keptAfter(op).mirror());
    }

    @Test
    void aTranslationAfterMunmapHasNoVma() {
        OracleReport r = afterHostOp(a -> mm.munmap(a, N * PAGE));
        assertFinds(r, "the CPU has no VMA here (unmapped)", N);
        assertTrue(r.violations().get(0).startsWith("va=0x"), r::toString);
    }

    @Test
    void aTranslationAfterProtNoneNamesTheVmaProtection() {
        assertFinds(afterHostOp(a -> mm.mprotect(a, N * PAGE, Prot.NONE)), "the VMA is ---", N);
    }

    @Test
    void writeAfterMprotectReadIsFoundAndTheAwarePolicyDowngrades() {
        OracleReport r = afterHostOp(a -> mm.mprotect(a, N * PAGE, Prot.READ));
        assertFinds(r, "WRITE where the CPU grants only read", N);
        assertTrue(r.violations().get(0).endsWith("VMA r--"), r::toString);
        Dmirror aware = open(EventAwarePolicy.INSTANCE);
        long b = written(aware);
        assertEquals(Errno.OK, mm.mprotect(b, N * PAGE, Prot.READ));
        assertTrue(SafetyOracle.check(aware).isClean(), SafetyOracle.check(aware)::toString);
    }

    @Test
    void aTranslationToAFreedFrameIsStale() {
        OracleReport r = afterHostOp(a -> mm.madvise(a, N * PAGE, Advice.DONTNEED));
        assertFinds(r, "stale translation", N);
        assertTrue(r.violations().get(0).endsWith(": stale translation, CPU none"), r::toString);
    }

    @Test
    void theDataCheckOfASoundMirrorIsClean() {
        Dmirror mirror = open(EventAwarePolicy.INSTANCE);
        long a = written(mirror);
        OracleReport data = DataCheck.roundTrip(mirror, a, N, 3);
        assertTrue(data.isClean(), data::toString);
        assertEquals(2 * N, data.checked());
        byte[] back = new byte[(int) (N * PAGE)];
        assertEquals(Errno.OK, mm.cpuRead(a, back, 0, back.length));
        assertArrayEquals(DataCheck.pattern(back.length, ~3L), back); // the CPU's pattern is the last
    }

    @Test
    void theDataCheckReportsAFailedCommand() {
        Dmirror mirror = open(EventAwarePolicy.INSTANCE);
        long a = mm.mmap(0, N * PAGE, Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        OracleReport data = DataCheck.roundTrip(mirror, a, N, 3);
        assertEquals(1, data.violationCount());
        assertTrue(
                data.violations()
                        .get(0)
                        .startsWith("device write of " + N + " pages at 0x" + Long.toHexString(a) + " returned "),
                data::toString);
    }

    @Test
    void thePatternIsEightByteWordsOfIndexAndSeed() {
        byte[] p = DataCheck.pattern(64, 5);
        assertArrayEquals(p, DataCheck.pattern(64, 5));
        assertFalse(java.util.Arrays.equals(p, DataCheck.pattern(64, 6)));
        for (int w = 0; w < 8; w++) {
            long x = w * 0x9E3779B97F4A7C15L + 5;
            x ^= x >>> 29;
            for (int b = 0; b < 8; b++) {
                assertEquals((byte) (x >>> (b * 8)), p[w * 8 + b], "word " + w + " byte " + b);
            }
        }
    }

    @Test
    void anAtomicEntryAfterTheCpuTookThePageBackIsFound() {
        Dmirror mirror = open(KEEP_ALL);
        long a = filled();
        assertEquals(Errno.OK, mirror.exclusive(a, N).result());
        assertTrue(SafetyOracle.check(mirror).isClean());
        byte[] one = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(a, one, 0, 1)); // restores page 0 with a CLEAR the policy skips
        assertFinds(SafetyOracle.check(mirror), "ATOMIC without the CPU's device-exclusive entry", 1);
    }

    @Test
    void aPlainEntryOverAnotherDevicesExclusivePageIsFound() {
        Dmirror mirror = open(KEEP_ALL);
        long a = written(mirror);
        Dmirror atomic = other.open(mm);
        assertEquals(Errno.OK, atomic.exclusive(a, N).result());
        assertFinds(SafetyOracle.check(mirror), "maps a page held exclusively for an atomic", N);
        assertTrue(SafetyOracle.check(atomic).isClean());
    }

    @Test
    void aDeviceWriteAfterClearRefsThatPagemapCannotSeeIsFound() {
        Dmirror mirror = open(KEEP_ALL);
        long a = written(mirror);
        assertWriteAfterClearRefsFound(mirror, () -> mirror.write(a, N, new byte[(int) (N * PAGE)]));
    }

    /**
     * clear_refs with {@link #KEEP_ALL}: SOFT_DIRTY skipped, the device writes the N pages again
     * without a fault, and each is found not soft-dirty; the write log was clean before.
     */
    private void assertWriteAfterClearRefsFound(Dmirror mirror, Supplier<DeviceCommand> write) {
        OracleReport before = SafetyOracle.check(mirror);
        assertTrue(before.isClean(), before::toString);
        assertEquals(Errno.OK, mm.clearSoftDirty());
        DeviceCommand again = write.get();
        assertEquals(Errno.OK, again.result());
        assertEquals(0, again.faults(), "the policy kept the device's write access");
        OracleReport r = SafetyOracle.check(mirror);
        assertFinds(r, "since the last clear_refs, but the CPU entry is not soft-dirty", N);
    }

    @Test
    void aDeviceWriteToItsOwnMemoryAfterClearRefsIsFound() {
        Dmirror mirror = open(KEEP_ALL);
        long a = filled();
        assertEquals(Errno.OK, mirror.migrateToDevice(a, N).result());
        assertEquals(Errno.OK, mirror.write(a, N, new byte[(int) (N * PAGE)]).result());
        // the CPU entry is device-private: the page it names is the device page written
        assertWriteAfterClearRefsFound(mirror, () -> mirror.write(a, N, new byte[(int) (N * PAGE)]));
    }

    @Test
    void aDeviceAtomicAfterClearRefsIsFound() {
        Dmirror mirror = open(KEEP_ALL);
        long a = filled();
        assertEquals(Errno.OK, mirror.atomicAdd(a, N, 1).result());
        // the CPU entry is device-exclusive: the page it names is the frame the atomic wrote
        assertWriteAfterClearRefsFound(mirror, () -> mirror.atomicAdd(a, N, 1));
    }

    @Test
    void aDeviceWriteIntoAHugePageAfterClearRefsIsFound() {
        Dmirror mirror = open(KEEP_ALL);
        long pmd = DevicePteLayout.HUGE_SIZE;
        long raw = mm.mmap(0, 2 * pmd, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGEPAGE);
        long a = (raw + pmd - 1) & -pmd;
        assertEquals(Errno.OK, mm.cpuFill(a, pmd, (byte) 1));
        long at = a + 3 * PAGE; // not the head page: the page named is the head's frame plus the index
        assertTrue(PteLayout.isHuge(cpuEntry(at)), PteLayout.describe(cpuEntry(at)));
        assertEquals(Errno.OK, mirror.write(at, N, new byte[(int) (N * PAGE)]).result());
        assertWriteAfterClearRefsFound(mirror, () -> mirror.write(at, N, new byte[(int) (N * PAGE)]));
    }

    @Test
    void theReportSumsUpAndCutsItsList() {
        Dmirror mirror = open(KEEP_ALL);
        long a = mm.mmap(0, 80 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, mirror.write(a, 80, new byte[(int) (80 * PAGE)]).result());
        assertEquals(Errno.OK, mm.munmap(a, 80 * PAGE));
        OracleReport r = SafetyOracle.check(mirror);
        assertEquals(80, r.violationCount());
        assertEquals(OracleReport.MAX_DESCRIBED, r.violations().size());
        assertNotEquals(0, r.checked());
        String text = r.toString();
        assertTrue(text.startsWith(r.subject() + ": " + r.checked() + " checked, 80 violations"), text);
        assertTrue(text.endsWith("  ... " + (80 - OracleReport.MAX_DESCRIBED) + " more"), text);
        assertEquals(OracleReport.MAX_DESCRIBED + 2, text.lines().count());
    }

    /** Runs {@code action} under the driver lock, as the driver's own writers of its state do. */
    private static void locked(MirrorState driver, Runnable action) {
        driver.lock().lock();
        try {
            action.run();
        } finally {
            driver.lock().unlock();
        }
    }

    /** A page with no VMA: the soft-dirty check owes a write logged there nothing. */
    private static final long UNMAPPED = 0x7000_0000_0000L;

    @Test
    void writesIntoWriteProtectedPagesAreReportedOnceAndTheKernelsFindingApart() {
        Dmirror mirror = open(EventAwarePolicy.INSTANCE);
        MirrorState driver = mirror.driver();
        int writes = DeviceWriteLog.DESCRIBED_WRITES + 2;
        long devicePfn = 0x1_0000_0005L;
        locked(driver, () -> {
            for (int i = 0; i < writes; i++) {
                driver.writeLog()
                        .record(UNMAPPED + i * PAGE, 0x40 + i, PteLayout.mkUffdWp(PteLayout.present(0x40 + i, false)));
            }
            // PAGEMAP_SCAN left this entry writable: the kernel's loss, not the device's violation
            driver.writeLog()
                    .record(
                            UNMAPPED + writes * PAGE,
                            devicePfn,
                            PteLayout.mkUffdWp(PteLayout.devicePrivateEntry(devicePfn, true)));
        });
        OracleReport r = SafetyOracle.check(mirror);
        assertEquals(writes, r.violationCount(), r::toString);
        assertEquals(writes, r.violations().size(), r::toString);
        for (int i = 0; i < DeviceWriteLog.DESCRIBED_WRITES; i++) {
            assertTrue(r.violations().get(i).contains("while userfaultfd write-protects it"), r::toString);
        }
        assertEquals(
                List.of(
                        "a further device write into a userfaultfd write-protected page",
                        "a further device write into a userfaultfd write-protected page"),
                r.violations().subList(DeviceWriteLog.DESCRIBED_WRITES, writes));
        assertEquals(1, r.kernelFindings().size(), r.kernelFindings()::toString);
        assertTrue(
                r.kernelFindings()
                        .get(0)
                        .startsWith("va=0x" + Long.toHexString(UNMAPPED + writes * PAGE) + ": the device wrote page 0x"
                                + Long.toHexString(devicePfn)),
                r.kernelFindings()::toString);
        assertEquals(writes + 1, r.checked(), r::toString); // the logged writes: no entry, no TLB entry
        OracleReport again = SafetyOracle.check(mirror); // reported once
        assertTrue(again.isClean(), again::toString);
        assertTrue(again.kernelFindings().isEmpty(), again.kernelFindings()::toString);
        assertEquals(writes + 1, again.checked(), again::toString); // still owed soft-dirty, but not mapped
    }

    @Test
    void aLoggedWriteWhoseCpuEntryIsGoneIsOwedNothing() {
        Dmirror mirror = open(EventAwarePolicy.INSTANCE);
        // frame 0 written, then unmapped: the CPU entry names no page, so pagemap is not asked
        locked(mirror.driver(), () -> mirror.driver().writeLog().record(UNMAPPED, 0, 0));
        OracleReport r = SafetyOracle.check(mirror);
        assertTrue(r.isClean(), r::toString);
        assertEquals(1, r.checked());
    }

    @Test
    void anEntryOutsideEveryTrackedRangeIsFound() {
        Dmirror mirror = open(EventAwarePolicy.INSTANCE);
        long a = filled();
        assertFalse(mirror.isTracked(a));
        long pfn = cpuPfn(a);
        // the right frame, read-only: only the missing tracked range is wrong
        locked(mirror.driver(), () -> mirror.driver().pageTable().set(a, DevicePteLayout.systemPage(pfn, false)));
        OracleReport r = SafetyOracle.check(mirror);
        assertEquals(
                List.of("va=0x" + Long.toHexString(a) + " (pfn=0x" + Long.toHexString(pfn)
                        + " VALID): outside every tracked range, no invalidation would reach it"),
                r.violations(),
                r::toString);
        assertEquals(1, r.violationCount());
        assertEquals(1, r.checked());
    }

    private long cpuPfn(long va) {
        return PteLayout.pfn(cpuEntry(va));
    }

    private long cpuEntry(long va) {
        mm.mmapReadLock();
        try {
            return mm.pageTable().get(va);
        } finally {
            mm.mmapReadUnlock();
        }
    }

    @Test
    void aDevicePrivateEntryMustMatchTheCpuEntryAndItsOwner() {
        Dmirror mirror = open(KEEP_ALL);
        long a = filled();
        DeviceCommand moved = mirror.migrateToDevice(a, N);
        assertEquals(Errno.OK, moved.result());
        assertEquals(N, moved.cpages());
        OracleReport own = SafetyOracle.check(mirror);
        assertTrue(own.isClean(), own::toString);
        // the same entries, checked as if the pages were another device's: REMOTE should be set
        assertFinds(
                SafetyOracle.check(mirror.driver(), pfn -> false), "REMOTE is false for a page of another device", N);
        // the device page is freed and the CPU entry emptied; the policy keeps the device's entry
        assertEquals(Errno.OK, mm.madvise(a, PAGE, Advice.DONTNEED));
        OracleReport r = SafetyOracle.check(mirror);
        assertFinds(r, "stale device-private page, CPU none", 1);
        assertTrue(r.violations().get(0).startsWith("va=0x" + Long.toHexString(a) + " ("), r::toString);
    }

    @Test
    void aTlbEntryForPageZeroIsChecked() {
        Dmirror mirror = open(EventAwarePolicy.INSTANCE);
        // the page table has nothing at 0: a TLB entry there is stale
        locked(mirror.driver(), () -> mirror.driver().tlb().fill(0, DevicePteLayout.systemPage(5, false)));
        OracleReport r = SafetyOracle.check(mirror);
        assertEquals(List.of("TLB va=0x0 caches pfn=0x5 VALID, the page table has none"), r.violations());
        assertEquals(1, r.checked());
    }

    @Test
    void theDataCheckFindsThePageAStaleTranslationLost() {
        Dmirror mirror = open(KEEP_ALL);
        long a = written(mirror);
        long stale = DevicePteLayout.pfn(mirror.entry(a + PAGE));
        assertEquals(Errno.OK, mm.madvise(a + PAGE, PAGE, Advice.DONTNEED)); // page 1 only
        // another mapping takes the freed frame, and page 1 comes back in a new one: the device's
        // translation of page 1 now reaches the other mapping's frame
        long b = mm.mmap(0, PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, mm.cpuFill(b, PAGE, (byte) 2));
        assertEquals(Errno.OK, mm.cpuFill(a + PAGE, PAGE, (byte) 1));
        assertEquals(stale, cpuPfn(b));
        OracleReport data = DataCheck.roundTrip(mirror, a, N, 3);
        assertEquals(2 * N, data.checked());
        byte[] first = DataCheck.pattern((int) (N * PAGE), 3);
        assertEquals(
                List.of(
                        "device wrote, CPU read: page 0x" + Long.toHexString(a + PAGE) + " differs at byte "
                                + firstNonZero(first, (int) PAGE),
                        "CPU wrote, device read: page 0x" + Long.toHexString(a + PAGE) + " differs at byte 0"),
                data.violations(),
                data::toString);
    }

    private static int firstNonZero(byte[] b, int from) {
        int i = from;
        while (b[i] == 0) {
            i++;
        }
        return i - from;
    }

    /** The device writes through the entries it kept, the CPU may not read: the check stops there. */
    @Test
    void theDataCheckReportsTheCpuReadTheVmaRefuses() {
        Kept k = keptAfter(a -> mm.mprotect(a, N * PAGE, Prot.NONE));
        OracleReport data = DataCheck.roundTrip(k.mirror(), k.addr(), N, 3);
        assertEquals(List.of("CPU read at 0x" + Long.toHexString(k.addr()) + " returned EFAULT"), data.violations());
        assertEquals(0, data.checked());
    }

    /** The device's bytes reach the CPU (the same frames), but the CPU may not write back. */
    @Test
    void theDataCheckReportsTheCpuWriteTheVmaRefuses() {
        Kept k = keptAfter(a -> mm.mprotect(a, N * PAGE, Prot.READ));
        OracleReport data = DataCheck.roundTrip(k.mirror(), k.addr(), N, 3);
        assertEquals(List.of("CPU write at 0x" + Long.toHexString(k.addr()) + " returned EPERM"), data.violations());
        assertEquals(N, data.checked());
    }
}

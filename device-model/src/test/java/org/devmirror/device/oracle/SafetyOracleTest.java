package org.devmirror.device.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.LongFunction;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.EventAwarePolicy;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorActions;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.TrackedRange;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
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

    /** N pages of ones the device has written (so it maps them writable), the oracle clean. */
    private long written(Dmirror mirror) {
        long a = mm.mmap(0, N * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, mm.cpuFill(a, N * PAGE, (byte) 1));
        assertEquals(
                Errno.OK,
                mirror.write(a, N, DataCheck.pattern((int) (N * PAGE), 7)).result());
        OracleReport r = SafetyOracle.check(mirror);
        assertTrue(r.isClean(), r::toString);
        assertTrue(r.checked() >= N, r::toString); // the entries, and the TLB and write log beside them
        return a;
    }

    private static void assertFinds(OracleReport r, String words, long count) {
        assertEquals(count, r.violationCount(), r::toString);
        assertTrue(r.violations().stream().allMatch(v -> v.contains(words)), r::toString);
    }

    /** The report on a {@link #KEEP_ALL} mirror after {@code op} changed the N pages it wrote. */
    private OracleReport afterHostOp(LongFunction<Errno> op) {
        Dmirror mirror = open(KEEP_ALL);
        long a = written(mirror);
        assertEquals(Errno.OK, op.apply(a));
        return SafetyOracle.check(mirror);
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
        assertFinds(afterHostOp(a -> mm.madvise(a, N * PAGE, Advice.DONTNEED)), "stale translation", N);
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
        long a = mm.mmap(0, N * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, mm.cpuFill(a, N * PAGE, (byte) 1));
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
        assertEquals(Errno.OK, mm.clearSoftDirty()); // SOFT_DIRTY skipped: the device keeps writing without a fault
        assertEquals(Errno.OK, mirror.write(a, N, new byte[(int) (N * PAGE)]).result());
        OracleReport r = SafetyOracle.check(mirror);
        assertEquals(
                N,
                r.violations().stream()
                        .filter(v -> v.contains("since the last clear_refs, but the CPU entry is not soft-dirty"))
                        .count(),
                r::toString);
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
}

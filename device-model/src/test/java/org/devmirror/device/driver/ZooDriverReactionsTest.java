package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Errno;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.NotifierRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What each driver of the zoo does where the zoo's drivers differ from one another: the name a
 * report shows, the granularity of its notifiers, its answer to the OOM reaper's non-blockable
 * invalidation, its own MIGRATE and EXCLUSIVE against another device's, RELEASE, and the tracking
 * it drops on UNMAP. THP is off, so every count is in 4 KiB PTEs; the mirror under test is on
 * {@code dev1}, {@code dev0}'s mirror plays the other device.
 */
class ZooDriverReactionsTest extends DeviceFixture {
    static final int N = 16;

    @Override
    protected HostConfig hostConfig() {
        return super.hostConfig().withThpEnabled(false);
    }

    static Stream<InvalidationPolicy> zoo() {
        return Stream.of(
                TestHmmPolicy.INSTANCE,
                NouveauPolicy.INSTANCE,
                AmdKfdSvmPolicy.XNACK_ON,
                AmdKfdSvmPolicy.XNACK_OFF,
                XeSvmPolicy.INSTANCE,
                Mlx5OdpPolicy.INSTANCE,
                KvmPolicy.INSTANCE);
    }

    Dmirror open(InvalidationPolicy p) {
        return dev1.open(mm, MirrorOptions.forPolicy(p));
    }

    /** N pages of the CPU's data, 2 MiB aligned, read by {@code m}'s device. */
    long deviceRead(Dmirror m) {
        long a = anonHuge(N);
        cpuInit(mm, a, N, 0);
        assertEquals(Errno.OK, m.read(a, N, new byte[(int) (N * PAGE)]).result());
        assertEquals(N, m.pageTable().populated());
        return a;
    }

    /** The names the demo, the comparison report and the JFR event show for each driver. */
    @Test
    void eachDriverIsReportedUnderItsOwnName() {
        assertEquals(
                List.of(
                        "test_hmm dmirror",
                        "nouveau",
                        "amdkfd SVM (XNACK on)",
                        "amdkfd SVM (XNACK off)",
                        "xe (drm_gpusvm)",
                        "mlx5 ODP",
                        "kvm"),
                zoo().map(InvalidationPolicy::name).toList());
    }

    /**
     * One notifier over the whole address space (test_hmm, nouveau, mlx5's implicit MR, KVM: 1 GiB
     * stands for it), Xe's 512 MiB notifiers and amdkfd's 2 MiB svm_ranges: a device fault of one
     * page tracks the aligned chunk around it.
     */
    @ParameterizedTest
    @MethodSource("zoo")
    void oneDeviceFaultTracksTheDriversNotifierSize(InvalidationPolicy p) {
        long chunk = switch (p) {
            case XeSvmPolicy x -> 512L << 20;
            case AmdKfdSvmPolicy k -> PMD;
            default -> 1L << 30;
        };
        Dmirror m = open(p);
        long a = anonHuge(N);
        assertEquals(Errno.OK, m.fault(a + PAGE, 1, false));
        long base = a & -chunk;
        assertArrayEquals(new long[] {base, base + chunk}, m.trackedIntervals(), p.name());
    }

    /**
     * The OOM reaper's non-blockable CLEAR: nouveau, Xe and mlx5 refuse it outright (-EAGAIN, the
     * memory stays), test_hmm's trylock and KVM's spinning mmu_lock take the uncontended lock and
     * zap, and amdkfd's mutex_lock sleeps where the kernel forbids it, which the notifier rules
     * report.
     */
    @ParameterizedTest
    @MethodSource("zoo")
    void theOomReapersNonBlockableInvalidationIsAnsweredAsTheDriverDoes(InvalidationPolicy p) {
        Dmirror m = open(p);
        long a = deviceRead(m);
        long cpuBefore = mm.pageTable().get(a);
        DeviceStats s = m.stats();
        switch (p) {
            case NouveauPolicy x -> assertRefused(m, a, cpuBefore);
            case XeSvmPolicy x -> assertRefused(m, a, cpuBefore);
            case Mlx5OdpPolicy x -> assertRefused(m, a, cpuBefore);
            case AmdKfdSvmPolicy x -> {
                NotifierRules.Violation v = assertThrows(NotifierRules.Violation.class, mm::oomReap);
                assertTrue(v.getMessage().contains("sleep"), v::getMessage);
            }
            default -> {
                assertEquals(Errno.OK, mm.oomReap());
                assertEquals(0, s.refused(MmuNotifierEvent.CLEAR));
                assertEquals(N, s.ptesZapped(MmuNotifierEvent.CLEAR));
                assertEquals(0, m.pageTable().populated());
                assertOracle(m);
            }
        }
    }

    private void assertRefused(Dmirror m, long a, long cpuBefore) {
        assertEquals(Errno.EAGAIN, mm.oomReap());
        assertEquals(1, m.stats().refused(MmuNotifierEvent.CLEAR));
        assertEquals(cpuBefore, mm.pageTable().get(a), "the host changed nothing");
        assertEquals(N, m.pageTable().populated(), "nor did the device");
        assertOracle(m);
    }

    /**
     * test_hmm and nouveau skip the MIGRATE their own device started ({@code range->owner ==
     * dev}): the driver unmaps its own entries as it copies. Another device's MIGRATE erases.
     */
    @Test
    void testHmmAndNouveauSkipTheirOwnMigrateAndEraseForAnotherDevices() {
        for (InvalidationPolicy p : List.of(TestHmmPolicy.INSTANCE, NouveauPolicy.INSTANCE)) {
            Dmirror own = open(p);
            long a = deviceRead(own);
            DeviceStats s = own.stats();
            assertEquals(Errno.OK, own.migrateToDevice(a, N).result());
            assertTrue(s.invalidations(MmuNotifierEvent.MIGRATE) > 0, p.name());
            assertEquals(s.invalidations(MmuNotifierEvent.MIGRATE), s.skipped(MmuNotifierEvent.MIGRATE), p.name());

            // Back in system memory, read again, then the other device (dev0) takes the pages.
            assertEquals(Errno.OK, own.migrateToSystem(a, N).result());
            assertEquals(Errno.OK, own.read(a, N, new byte[(int) (N * PAGE)]).result());
            long skipped = s.skipped(MmuNotifierEvent.MIGRATE);
            long zapped = s.ptesZapped(MmuNotifierEvent.MIGRATE);
            assertEquals(Errno.OK, mirror.migrateToDevice(a, N).result());
            assertEquals(skipped, s.skipped(MmuNotifierEvent.MIGRATE), p.name() + ": not its own");
            assertEquals(zapped + N, s.ptesZapped(MmuNotifierEvent.MIGRATE), p.name());
            assertOracle(own);
            own.close();
            assertEquals(Errno.OK, mm.munmap(a, N * PAGE));
        }
    }

    /**
     * The address space goes away: every driver zaps what its device maps, with one TLB
     * invalidation, whatever its other reactions.
     */
    @ParameterizedTest
    @MethodSource("zoo")
    void releaseZapsEverythingTheDeviceMapsWithOneFlush(InvalidationPolicy p) {
        Dmirror m = open(p);
        deviceRead(m);
        mm.exit();
        DeviceStats s = m.stats();
        assertEquals(N, s.ptesZapped(MmuNotifierEvent.RELEASE), p.name());
        assertEquals(1, s.tlbFlushes(MmuNotifierEvent.RELEASE), p.name());
        assertEquals(0, m.pageTable().populated(), p.name());
    }

    /**
     * amdkfd puts an unmapped svm_range on its deferred list: once collected, only the part of the
     * 2 MiB range outside the unmapped pages is still tracked.
     */
    @Test
    void amdkfdStopsTrackingWhatIsUnmapped() {
        for (AmdKfdSvmPolicy p : List.of(AmdKfdSvmPolicy.XNACK_ON, AmdKfdSvmPolicy.XNACK_OFF)) {
            Dmirror m = open(p);
            long a = deviceRead(m);
            assertEquals(Errno.OK, mm.munmap(a, N * PAGE));
            assertEquals(N, m.stats().ptesZapped(MmuNotifierEvent.UNMAP), p.name());
            m.collectGarbage();
            assertFalse(m.isTracked(a), p.name());
            assertArrayEquals(
                    new long[] {a + N * PAGE, a + PMD},
                    m.trackedIntervals(),
                    p.name() + ": only the rest of the chunk");
            m.close();
        }
    }

    /**
     * Xe zaps a range whole for another device's EXCLUSIVE, but only the acquired page for its own:
     * zapping the whole range would take back the ATOMIC entry it acquired just before.
     */
    @Test
    void xeZapsItsOwnExclusiveExactlyAndAnotherDevicesRangeWhole() {
        Dmirror xe = open(XeSvmPolicy.INSTANCE);
        DeviceStats s = xe.stats();
        long a = deviceRead(xe);
        assertEquals(Errno.OK, xe.exclusive(a + 5 * PAGE, 1).result());
        assertEquals(1, s.ptesZapped(MmuNotifierEvent.EXCLUSIVE), "its own: the acquired page only");
        assertEquals(1, s.tlbFlushes(MmuNotifierEvent.EXCLUSIVE));
        assertEquals(N, xe.pageTable().populated(), "the others stay, the page is now ATOMIC");

        assertEquals(Errno.OK, mirror.exclusive(a + 9 * PAGE, 1).result());
        assertEquals(1 + N, s.ptesZapped(MmuNotifierEvent.EXCLUSIVE), "another device's: the 2 MiB range whole");
        assertEquals(0, xe.pageTable().populated());
        assertOracle(xe);
    }

    /** An invalidation ending on a 2 MiB boundary leaves the next drm_gpusvm range bound. */
    @Test
    void xeLeavesTheRangeAfterAnInvalidationEndingOnItsBoundary() {
        Dmirror xe = open(XeSvmPolicy.INSTANCE);
        long a = anonHuge(2 * PMD / PAGE);
        assertEquals(Errno.OK, xe.fault(a, 4, false));
        assertEquals(Errno.OK, xe.fault(a + PMD, 4, false));
        assertEquals(Errno.OK, mm.mprotect(a, PMD, Prot.READ));
        assertEquals(4, xe.stats().ptesZapped(MmuNotifierEvent.PROTECTION_VMA));
        assertEquals(4, xe.pageTable().populated(), "the second range is untouched");
        assertOracle(xe);
    }
}

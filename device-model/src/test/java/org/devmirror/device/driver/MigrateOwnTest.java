package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;

/**
 * The event-aware policy skips the MIGRATE its own device raised, in both directions (see
 * {@link EventAwarePolicy}'s "Own MIGRATE" section). Each direction is checked here: after the
 * migration the policy counted a skip, the device holds no translation to a page the CPU no longer
 * maps there (the safety oracle, and an explicit look at every device PTE), the device reads its
 * data back, and a device fault that read the CPU page table before the migration retries.
 */
class MigrateOwnTest extends DeviceFixture {
    static final int N = 64;

    long a;
    DeviceStats stats;

    void populate() {
        a = anon(N, Prot.RW);
        cpuInit(mm, a, N, 0);
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 1)).result());
        stats = mirror.stats();
        stats.reset();
    }

    /** Every device PTE names what the CPU maps at its address now. */
    void assertNoStaleTranslation() {
        for (int i = 0; i < N; i++) {
            long va = a + i * PAGE;
            long dev = mirror.entry(va);
            if (dev == 0) {
                continue;
            }
            long cpu = mm.pageTable().get(va);
            assertEquals(
                    CpuMapping.pageAt(cpu, va),
                    DevicePteLayout.pfnAt(dev, va),
                    () -> "va=0x" + Long.toHexString(va) + " device " + DevicePteLayout.describe(dev) + " CPU "
                            + PteLayout.describe(cpu));
        }
        assertOracle(mirror);
    }

    /** A fault that began before the migration must retry: the skipped MIGRATE still set the sequence. */
    void assertFaultBeganBeforeRetries(IntervalNotifier n, long seq) {
        mirror.lock().lock();
        try {
            assertTrue(n.readRetry(seq));
        } finally {
            mirror.lock().unlock();
        }
    }

    /** To device memory: the device maps its new pages; no translation to the source frames is left. */
    @Test
    void toDevice() {
        populate();
        IntervalNotifier n = mirror.driver().ensureTracked(a, a + PAGE).notifier();
        long seq = n.readBegin();
        assertEquals(new DeviceCommand(Errno.OK, N, 0), mirror.migrateToDevice(a, N));
        assertTrue(stats.skipped(MmuNotifierEvent.MIGRATE) >= 1);
        assertEquals(stats.invalidations(MmuNotifierEvent.MIGRATE), stats.skipped(MmuNotifierEvent.MIGRATE));
        assertTrue(DevicePteLayout.isDevicePrivate(mirror.entry(a)));
        assertNoStaleTranslation();
        assertFaultBeganBeforeRetries(n, seq);
        byte[] back = new byte[N * (int) PAGE];
        assertEquals(new DeviceCommand(Errno.OK, N, 0), mirror.read(a, N, back));
        assertInts(back, N, 1);
    }

    /** Back to RAM on a CPU fault ({@code migrate_to_ram}): no translation to the freed device pages is left. */
    @Test
    void backToRamOnCpuFault() {
        populate();
        assertEquals(new DeviceCommand(Errno.OK, N, 0), mirror.migrateToDevice(a, N));
        IntervalNotifier n = mirror.driver().ensureTracked(a, a + PAGE).notifier();
        long seq = n.readBegin();
        stats.reset();
        // The CPU reads the first half: each touched page migrates back with the device as owner.
        assertCpuInts(mm, a, N / 2, 1);
        assertTrue(stats.skipped(MmuNotifierEvent.MIGRATE) >= 1);
        assertEquals(stats.invalidations(MmuNotifierEvent.MIGRATE), stats.skipped(MmuNotifierEvent.MIGRATE));
        assertFalse(PteLayout.isDevicePrivate(mm.pageTable().get(a)));
        assertFalse(DevicePteLayout.isDevicePrivate(mirror.entry(a)));
        assertNoStaleTranslation();
        assertFaultBeganBeforeRetries(n, seq);
        byte[] back = new byte[N * (int) PAGE];
        assertEquals(Errno.OK, mirror.read(a, N, back).result());
        assertInts(back, N, 1);
    }

    /** Back through the RELEASE command: every page returns to RAM and the device maps none of its old pages. */
    @Test
    void backThroughReleaseCommand() {
        populate();
        assertEquals(new DeviceCommand(Errno.OK, N, 0), mirror.migrateToDevice(a, N));
        IntervalNotifier n = mirror.driver().ensureTracked(a, a + PAGE).notifier();
        long seq = n.readBegin();
        stats.reset();
        assertEquals(Errno.OK, mirror.release().result());
        assertEquals(stats.invalidations(MmuNotifierEvent.MIGRATE), stats.skipped(MmuNotifierEvent.MIGRATE));
        for (int i = 0; i < N; i++) {
            assertFalse(DevicePteLayout.isDevicePrivate(mirror.entry(a + i * PAGE)), "page " + i);
            assertFalse(PteLayout.isDevicePrivate(mm.pageTable().get(a + i * PAGE)), "page " + i);
        }
        assertNoStaleTranslation();
        assertFaultBeganBeforeRetries(n, seq);
        assertCpuInts(mm, a, N, 1);
    }
}

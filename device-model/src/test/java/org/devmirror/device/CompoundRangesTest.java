package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.InvalidationRanges;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.testing.RecordingSubscriber;
import org.devmirror.testing.RecordingSubscriber.Event;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Compound (THP) device migration under both {@link InvalidationRanges}: a 4 MiB huge-page region
 * whose first 2 MiB block is empty and whose second is a THP migrates with
 * {@code MIGRATE_VMA_SELECT_COMPOUND}, one 2 MiB chunk at a time as {@code dmirror_migrate_to_device}
 * does. In the kernel, {@code migrate_vma_setup} raises MIGRATE over each chunk and
 * {@code migrate_vma_pages} raises MIGRATE over the empty block it fills with a device folio;
 * narrowed, the setup of the empty block raises nothing. Either way both blocks end as PMD-level
 * device-private entries.
 */
class CompoundRangesTest extends DeviceFixture {
    private static final int NPAGES = 1024;

    private InvalidationRanges ranges = InvalidationRanges.KERNEL;

    @Override
    protected HostConfig hostConfig() {
        return super.hostConfig().withRanges(ranges);
    }

    @ParameterizedTest
    @EnumSource(InvalidationRanges.class)
    void compoundMigrationRanges(InvalidationRanges mode) {
        shutdownDevices();
        ranges = mode;
        bootDevices();
        long a = anonHuge(NPAGES);
        cpuInit(mm, a + PMD, NPAGES / 2, 0);
        assertTrue(PteLayout.isHuge(mm.pageTable().getPmd(a + PMD)), "THP expected");
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertEquals(new DeviceCommand(org.devmirror.mm.Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        // dmirror_migrate_to_device works in 2 MiB chunks: block 0 (a hole), then block 1 (the THP).
        Event hole = new Event(MmuNotifierEvent.MIGRATE, a, a + PMD, true, dev0);
        Event thp = new Event(MmuNotifierEvent.MIGRATE, a + PMD, a + 2 * PMD, true, dev0);
        List<Event> kernel = List.of(hole, hole, thp); // setup and pages of block 0, setup of block 1
        List<Event> narrowed = List.of(hole, thp); // pages of block 0 (its hole is filled), setup of block 1
        assertEquals(
                switch (mode) {
                    case KERNEL -> kernel;
                    case NARROWED -> narrowed;
                },
                rec.events());
        for (long block = a; block < a + 2 * PMD; block += PMD) {
            long e = mm.pageTable().getPmd(block);
            assertTrue(PteLayout.isHuge(e) && PteLayout.isDevicePrivate(e), PteLayout.describe(e));
        }
        assertCpuInts(mm, a + PMD, NPAGES / 2, 0);
        assertOracle(mirror);
    }
}

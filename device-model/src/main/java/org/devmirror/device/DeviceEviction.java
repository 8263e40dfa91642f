package org.devmirror.device;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;

import org.devmirror.mm.Host;
import org.devmirror.mm.MigrateVma;
import org.devmirror.mm.phys.PhysicalMemory;

/**
 * Models {@code dmirror_device_evict_chunk} (lib/test_hmm.c): every page of a device's memory
 * that an address space still maps goes back to system memory by page frame number, with the
 * host's {@code migrate_device_range} (device-private memory) or {@code migrate_device_pfns}
 * (device-coherent memory, whose frames are not one range here), {@code migrate_device_pages} and
 * {@code migrate_device_finalize}. test_hmm runs it for {@code HMM_DMIRROR_RELEASE} (over every
 * chunk, whichever open file migrated the pages) and when a mirror's file is closed
 * ({@code dmirror_fops_release}).
 *
 * <p>A 2 MiB device folio gets a 2 MiB system folio; when none is free it stays on the device
 * (test_hmm cannot split there either, and the host's {@code migrate_device_pages} has no VMA to
 * split in). A page that gets no frame stays too. Contents are copied before
 * {@code migrate_device_pages}, so a page that moves keeps its data.
 *
 * <p>A page that comes back writable is made soft-dirty when the caller's policy keeps soft-dirty
 * complete for its device memory ({@code InvalidationPolicy.marksDeviceMemorySoftDirty}), as the
 * migration back by address does ({@code DeviceMigration}): clear_refs leaves a writable
 * device-private entry writable and clears its bit, {@code remove_migration_pte} maps the page
 * writable with that bit, and no later write, of the CPU or of a device, would set it. Here the
 * driver has no address to mark the page at, so the host's finalize does it
 * ({@code Host.migrateDeviceFinalizeMarkingSoftDirty}).
 *
 * <h2>Assumptions and Guarantees</h2>
 * The caller holds no driver lock and no mmap lock. The host raises a CLEAR for each mapping it
 * unmaps; the mirrors drop their entries in that invalidation.
 */
final class DeviceEviction {
    private DeviceEviction() {}

    /**
     * Evicts every mapped page of {@code device}; returns the pages moved (a folio counts 512).
     *
     * @param markSoftDirty whether the pages that come back writable are made soft-dirty (the
     *                      evicting mirror's policy marks device memory)
     */
    static long evict(DmirrorDevice device, boolean markSoftDirty) {
        Host host = device.host();
        int n = (int) device.memory().capacity();
        long[] src = new long[n];
        long[] dst = new long[n];
        switch (device.kind()) {
            case PRIVATE -> host.migrateDeviceRange(src, device.pfnBase(), n);
            case COHERENT -> {
                // coherent pages are host frames, not one PFN range: migrate_device_pfns
                System.arraycopy(device.allPfns(), 0, src, 0, n);
                host.migrateDevicePfns(src, n);
            }
        }
        PhysicalMemory memory = device.systemMemory();
        for (int i = 0; i < n; i++) {
            long s = src[i];
            long pfn = MigrateVma.pfnOf(s);
            if (pfn < 0 || (s & MigrateVma.MIGRATE_PFN_MIGRATE) == 0) {
                continue;
            }
            long write = s & MigrateVma.MIGRATE_PFN_WRITE;
            if ((s & MigrateVma.MIGRATE_PFN_COMPOUND) != 0) {
                long head = memory.allocHuge();
                if (head != PhysicalMemory.NO_FRAME) {
                    for (int k = 0; k < HUGE_PAGES; k++) {
                        device.copyToFrame(pfn + k, head + k);
                    }
                    dst[i] = MigrateVma.migratePfn(head) | MigrateVma.MIGRATE_PFN_COMPOUND | write;
                }
                continue;
            }
            long frame = memory.allocFrame();
            if (frame != PhysicalMemory.NO_FRAME) {
                device.copyToFrame(pfn, frame);
                dst[i] = MigrateVma.migratePfn(frame) | write;
            }
        }
        host.migrateDevicePages(src, dst, n);
        long moved = 0;
        for (int i = 0; i < n; i++) {
            if ((src[i] & MigrateVma.MIGRATE_PFN_MIGRATE) != 0 && dst[i] != 0) {
                moved += (src[i] & MigrateVma.MIGRATE_PFN_COMPOUND) != 0 ? HUGE_PAGES : 1;
            }
        }
        if (markSoftDirty) {
            host.migrateDeviceFinalizeMarkingSoftDirty(src, dst, n);
        } else {
            host.migrateDeviceFinalize(src, dst, n);
        }
        return moved;
    }
}

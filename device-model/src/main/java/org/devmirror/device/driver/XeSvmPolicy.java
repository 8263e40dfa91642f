package org.devmirror.device.driver;

import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * Intel Xe on drm_gpusvm (drivers/gpu/drm/drm_gpusvm.c, drivers/gpu/drm/xe/xe_svm.c):
 * {@code drm_gpusvm_notifier_invalidate} takes the notifier lock, calls
 * {@code mmu_interval_set_seq} and hands the range to {@code xe_svm_invalidate}, which
 * <ol>
 *   <li>skips every drm_gpusvm range of the notifier that was never bound ({@code !tile_present})
 *       or is already unmapped;</li>
 *   <li>zaps each other range it meets <b>whole</b> ({@code xe_svm_range_notifier_event_begin}
 *       widens {@code adj_start/adj_end} to the range and calls {@code xe_pt_zap_ptes_range}),
 *       even for a 4 KiB invalidation of a 2 MiB range;</li>
 *   <li>issues <b>one</b> ranged TLB invalidation over {@code [adj_start, adj_end)} to every GT,
 *       all issued then all waited ({@code xe_vm_range_tilemask_tlb_inval});</li>
 *   <li>on UNMAP only, marks the ranges unmapped and queues them for the garbage collector
 *       ({@code drm_gpusvm_range_set_unmapped}, {@code xe_svm_garbage_collector_add_range}),
 *       which unbinds and removes them before the next GPU fault.</li>
 * </ol>
 *
 * <table>
 *   <caption>Per event</caption>
 *   <tr><th>Event</th><th>Xe</th></tr>
 *   <tr><td>UNMAP</td><td>zap the ranges whole, one flush, garbage collector</td></tr>
 *   <tr><td>CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, MIGRATE, EXCLUSIVE</td>
 *       <td>zap the ranges whole, one flush (no owner check: Xe's own migrations zap too; its own
 *       EXCLUSIVE, see below)</td></tr>
 *   <tr><td>RELEASE</td><td>zap the ranges whole, one flush; devmirror also stops tracking (the
 *       VM's close)</td></tr>
 * </table>
 *
 * <ul>
 *   <li><b>Granularity.</b> 512 MiB notifiers (the {@code svm_notifier_size} module parameter's
 *       default), each holding ranges of the largest of Xe's {@code fault_chunk_sizes} (2 MiB,
 *       64 KiB, 4 KiB) that fits the VMA and the notifier ({@code drm_gpusvm_range_chunk_size}).
 *       devmirror's device does not record the size each range was created with, so every range
 *       is taken as the 2 MiB-aligned chunk: exact for VMAs of whole aligned 2 MiB, an
 *       over-approximation (more zapped, never less) where Xe would have used 64 KiB or 4 KiB
 *       ranges.</li>
 *   <li><b>TLB.</b> One ranged invalidation per callback ({@link MirrorActions#flushChanged}),
 *       none when no bound range met the invalidation.</li>
 *   <li><b>Non-blockable.</b> {@code drm_gpusvm_notifier_invalidate} returns false
 *       ({@link NonBlockable#REFUSE}).</li>
 * </ul>
 *
 * <h2>Its own EXCLUSIVE: where the model departs from Xe</h2>
 * Xe never calls {@code make_device_exclusive} (device atomics on system memory migrate the range
 * to VRAM instead), so it never sees an EXCLUSIVE it started. devmirror's device does, page by
 * page as lib/test_hmm.c's {@code dmirror_exclusive} does, and zapping the whole 2 MiB range for
 * the EXCLUSIVE of page N would take back the ATOMIC entry of page N-1 acquired just before, so the
 * device would acquire forever. nouveau skips its own EXCLUSIVE for this very reason. This policy
 * therefore zaps its own EXCLUSIVE exactly (the acquired page only), as any driver using
 * device-exclusive access must; every other event follows Xe.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}. Stateless: one instance serves any number of mirrors.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock (see {@link InvalidationPolicy}), standing for the
 * drm_gpusvm {@code notifier_lock}.
 */
public final class XeSvmPolicy implements InvalidationPolicy {
    /** The shared instance. */
    public static final XeSvmPolicy INSTANCE = new XeSvmPolicy();

    /** {@code svm_notifier_size} = 512 (MiB), Xe's default notifier size. */
    public static final long NOTIFIER_SIZE = 512L << 20;

    /** The range (chunk) size devmirror's model gives every drm_gpusvm range: Xe's largest. */
    public static final long RANGE_SIZE = DevicePteLayout.HUGE_SIZE;

    private XeSvmPolicy() {}

    /** The real driver marks no soft-dirty bit: the kernel exports no helper for it. */
    @Override
    public boolean marksDeviceMemorySoftDirty() {
        return false;
    }

    @Override
    public String name() {
        return "xe (drm_gpusvm)";
    }

    @Override
    public long trackChunk() {
        return NOTIFIER_SIZE;
    }

    @Override
    public NonBlockable nonBlockable() {
        return NonBlockable.REFUSE;
    }

    @Override
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        switch (range.event()) {
            case UNMAP, RELEASE -> {
                zapRangesWhole(mirror, tracked, start, end);
                mirror.dropTracking(tracked, start, end); // xe_svm_garbage_collector_add_range
            }
            case CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, MIGRATE ->
                zapRangesWhole(mirror, tracked, start, end);
            case EXCLUSIVE -> {
                if (ZooActions.ownOwner(mirror, range)) {
                    ZooActions.zapOnce(mirror, start, end); // see "Its own EXCLUSIVE" above
                } else {
                    zapRangesWhole(mirror, tracked, start, end);
                }
            }
        }
    }

    /** {@code xe_svm_invalidate}: every bound range met, zapped whole, then one TLB invalidation. */
    private static void zapRangesWhole(MirrorActions mirror, TrackedRange tracked, long start, long end) {
        long from = Math.max(start & -RANGE_SIZE, tracked.start());
        long to = Math.min(((end - 1) & -RANGE_SIZE) + RANGE_SIZE, tracked.end());
        for (long r = from; r < to; ) {
            long rEnd = Math.min((r & -RANGE_SIZE) + RANGE_SIZE, to);
            if (mirror.nextMapped(r, rEnd) < rEnd) { // tile_present
                mirror.zap(r, rEnd);
            }
            r = rEnd;
        }
        mirror.flushChanged();
    }
}

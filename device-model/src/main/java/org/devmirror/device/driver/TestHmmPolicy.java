package org.devmirror.device.driver;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;

import org.devmirror.notifier.MmuNotifierRange;

/**
 * lib/test_hmm.c's dmirror, the kernel's own HMM test driver: {@code dmirror_interval_invalidate}
 * returns at once for a MIGRATE this device started ({@code range->owner == dmirror->mdevice}) and
 * otherwise erases the range from the device's page table with {@code dmirror_do_update}.
 *
 * <table>
 *   <caption>Per event</caption>
 *   <tr><th>Event</th><th>dmirror</th></tr>
 *   <tr><td>MIGRATE</td><td>own: nothing (the driver unmaps its own entries when it copies);
 *       another device's: erase</td></tr>
 *   <tr><td>UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, EXCLUSIVE</td><td>erase
 *       ({@code make_device_exclusive} passes no owner, so its own EXCLUSIVE too)</td></tr>
 *   <tr><td>RELEASE</td><td>erase; devmirror also stops tracking (the mirror's teardown)</td></tr>
 * </table>
 *
 * <ul>
 *   <li><b>Granularity.</b> One interval notifier per open file over the whole address space
 *       ({@code mmu_interval_notifier_insert(..., 0, ULONG_MAX & PAGE_MASK, ...)} in
 *       {@code dmirror_fops_open}); devmirror's largest tracked range, 1 GiB, stands for it. The
 *       erase is page exact, with one quirk kept here: {@code dmirror_do_update} erases
 *       {@code [start >> PAGE_SHIFT, end >> PAGE_SHIFT]} inclusive, one page past the end (clamped
 *       to the tracked range). Tracking never shrinks: UNMAP does not remove the notifier.</li>
 *   <li><b>TLB.</b> dmirror has none: the xarray erase is the invalidation. devmirror's device
 *       caches translations, so the policy flushes once per callback of the one notifier when the
 *       erase removed something: batched over the 1 GiB tracked ranges that stand for it
 *       ({@link MirrorActions#flushBatched}).</li>
 *   <li><b>Non-blockable.</b> {@code mutex_trylock}, false when contended
 *       ({@link NonBlockable#TRYLOCK}).</li>
 * </ul>
 *
 * <p>devmirror's policies take the lock and call {@code mmu_interval_set_seq} before skipping;
 * dmirror returns before both, which devmirror's notifier rules report (docs/guide/lessons.md).
 * This policy skips under the lock, so the skip stays safe (the argument in
 * {@code EventAwarePolicy}, "Own MIGRATE").
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}. Stateless: one instance serves any number of mirrors.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock (see {@link InvalidationPolicy}).
 */
public final class TestHmmPolicy implements InvalidationPolicy {
    /** The shared instance. */
    public static final TestHmmPolicy INSTANCE = new TestHmmPolicy();

    private TestHmmPolicy() {}

    /** The real driver marks no soft-dirty bit: the kernel exports no helper for it. */
    @Override
    public boolean marksDeviceMemorySoftDirty() {
        return false;
    }

    @Override
    public String name() {
        return "test_hmm dmirror";
    }

    @Override
    public long trackChunk() {
        return ZooActions.WHOLE_MM;
    }

    @Override
    public NonBlockable nonBlockable() {
        return NonBlockable.TRYLOCK;
    }

    @Override
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        switch (range.event()) {
            case MIGRATE -> {
                if (ZooActions.ownOwner(mirror, range)) {
                    mirror.skip();
                } else {
                    doUpdate(mirror, tracked, start, end);
                }
            }
            case UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, EXCLUSIVE ->
                doUpdate(mirror, tracked, start, end);
            case RELEASE -> {
                doUpdate(mirror, tracked, start, end);
                mirror.dropTracking(tracked, start, end);
            }
        }
    }

    /** {@code dmirror_do_update}: erases the pages of {@code [start, end]}, the end page included. */
    private static void doUpdate(MirrorActions mirror, TrackedRange tracked, long start, long end) {
        ZooActions.zapBatched(mirror, start, Math.min(end + PAGE_SIZE, tracked.end()));
    }
}

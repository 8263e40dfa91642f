package org.devmirror.device.driver;

import org.devmirror.notifier.MmuNotifierRange;

/**
 * The behaviour before {@code mmu_notifier_event} existed (2018): the driver cannot tell why the
 * range is invalidated, so it must "assume … munmap()" and tear down every translation and its
 * tracking, whatever the event, rebuilding on the next device fault. Kept for comparison with
 * {@link EventAwarePolicy}: it is always safe, and costs a refault after every invalidation.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}. Stateless: one instance serves any number of mirrors.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock (see {@link InvalidationPolicy}).
 */
public final class BlindPolicy implements InvalidationPolicy {
    /** The shared instance. */
    public static final BlindPolicy INSTANCE = new BlindPolicy();

    private BlindPolicy() {}

    @Override
    public String name() {
        return "blind";
    }

    @Override
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        mirror.zap(start, end);
        mirror.flushTlb(start, end);
        mirror.dropTracking(tracked, start, end);
    }
}

package org.devmirror.device.driver;

import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * The behaviour before {@code mmu_notifier_event} existed (2018): the driver cannot tell why the
 * range is invalidated, so it must "assume … munmap()" and tear down every translation and its
 * tracking, whatever the event, rebuilding on the next device fault. Kept for comparison with
 * {@link EventAwarePolicy}: it is safe, and costs a refault after every invalidation.
 *
 * <p>One duty survives the blindness: soft-dirty. clear_refs leaves a writable device-private
 * entry writable ({@code clear_soft_dirty} only clears the bit of a non-present entry), and the
 * device writes its own memory with no CPU fault, so the kernel-doc of {@code MMU_NOTIFY_SOFT_DIRTY}
 * asks the driver to mark such pages soft-dirty in the end callback. A driver that cannot tell a
 * SOFT_DIRTY from any other event marks them at the end of every invalidation
 * ({@link MirrorActions#softDirtyAtEnd}); marking too often over-reports soft-dirty, which costs a
 * checkpointer a page copy, while marking too rarely hides a write. RELEASE, which drivers told
 * apart before 2018 through {@code mmu_notifier_ops.release}, and a non-blockable invalidation,
 * which only the OOM reaper raises (and whose end callback must not wait for the driver lock),
 * need no mark: nobody reads the pagemap of an address space that is going away.
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
        if (range.event() != MmuNotifierEvent.RELEASE && range.isBlockable()) {
            // A zap does not stop the device writing its own memory: its next fault maps a
            // device-private page again without faulting the CPU. Not knowing whether clear_refs
            // is under way, the driver marks those pages soft-dirty at the end of every
            // invalidation (nothing to do, and nothing searched, while the device uses none).
            // Not for a non-blockable one: that is the OOM reaper (__oom_reap_task_mm), whose end
            // callback may not sleep on the driver lock, and nobody reads a reaped process's bits.
            mirror.softDirtyAtEnd(start, end);
        }
        mirror.zap(start, end);
        mirror.flushTlb(start, end);
        mirror.dropTracking(tracked, start, end);
    }
}

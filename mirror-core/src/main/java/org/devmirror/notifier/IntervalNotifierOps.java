package org.devmirror.notifier;

/**
 * Models {@code struct mmu_interval_notifier_ops}: the callback an interval subscriber gets for
 * every invalidation that intersects its interval.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Called on the host thread raising the invalidation, between the host's
 *       invalidate-start and invalidate-end, before any PTE in the range changes.</li>
 *   <li>The implementation must take the driver lock that its fault path holds around
 *       {@link IntervalNotifier#readRetry}, call {@link IntervalNotifier#setSeq(long)}
 *       unconditionally under it, and stop using every device translation in the range before
 *       returning ("upon return the caller must stop using any SPTEs within this range").</li>
 *   <li>When {@code range.isBlockable()} is false it must not block: it try-locks and returns
 *       {@code false} when the lock is contended. The host then changes no PTE and reports the
 *       refusal (-EAGAIN) to its caller.</li>
 *   <li>It must not insert or remove any notifier ({@code mmu_interval_notifier_remove} "cannot be
 *       called from any ops callback"; a removal would wait for this very invalidation to end). A
 *       driver that stops tracking a range on UNMAP marks it here and removes it afterwards, outside
 *       the invalidation (drm_gpusvm's garbage collector). The {@link NotifierRules} check this and
 *       the rules above.</li>
 * </ul>
 */
@FunctionalInterface
public interface IntervalNotifierOps {
    /**
     * Invalidates the device's copy of {@code range} for one interval notifier.
     *
     * @param sub    the notifier whose interval intersects the range
     * @param range  the invalidation; valid only during the call
     * @param curSeq the odd sequence to pass to {@link IntervalNotifier#setSeq(long)}
     * @return {@code true} when done, {@code false} only if the range is non-blockable and the
     *         subscriber would have had to sleep
     */
    boolean invalidate(IntervalNotifier sub, MmuNotifierRange range, long curSeq);
}

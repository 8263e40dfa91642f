package org.devmirror.device.driver;

import org.devmirror.notifier.MmuNotifierRange;

/** The few steps several zoo drivers share, so each policy reads as its driver's callback. */
final class ZooActions {
    /**
     * One notifier over the whole address space (test_hmm, nouveau, KVM, mlx5's implicit child
     * MRs): devmirror's largest tracked range, 1 GiB, stands for it.
     */
    static final long WHOLE_MM = 1L << 30;

    private ZooActions() {}

    /** Whether this device started the MIGRATE or EXCLUSIVE being handled ({@code range->owner == dev}). */
    @SuppressWarnings(
            "ReferenceEquality") // owner tokens are compared by identity, as the drivers compare range->owner with
    // their device
    static boolean ownOwner(MirrorActions mirror, MmuNotifierRange range) {
        return range.owner() != null && range.owner() == mirror.owner();
    }

    /** Zaps {@code [start, end)} and issues one ranged TLB invalidation if anything changed. */
    static void zapOnce(MirrorActions mirror, long start, long end) {
        mirror.zap(start, end);
        mirror.flushChanged();
    }

    /**
     * Zaps {@code [start, end)} and owes one TLB invalidation per invalidation, however many of the
     * device's tracked ranges it meets ({@link MirrorActions#flushBatched}): the driver's one
     * callback over the whole address space, which devmirror's 1 GiB tracked ranges split.
     */
    static void zapBatched(MirrorActions mirror, long start, long end) {
        mirror.zap(start, end);
        mirror.flushBatched();
    }

    /**
     * The address space is going away: zap, flush, and stop tracking, as the driver's process
     * teardown does (its release callback or its last {@code mmput}); the tracked range is then
     * removed by the mirror's garbage collector.
     */
    static void release(MirrorActions mirror, TrackedRange tracked, long start, long end) {
        zapOnce(mirror, start, end); // RELEASE is flushed in its callback either way
        mirror.dropTracking(tracked, start, end);
    }
}

package org.devmirror.device.driver;

import org.devmirror.notifier.MmuNotifierRange;

/**
 * What a mirroring driver does to its device when the host invalidates part of a range it
 * tracks: the body of an interval notifier's {@code invalidate} callback once the driver lock is
 * held and {@code mmu_interval_set_seq()} has been called (lib/test_hmm.c
 * {@code dmirror_interval_invalidate}, drm_gpusvm's {@code ops->invalidate}). devmirror ships
 * {@link EventAwarePolicy} (reacts per {@code mmu_notifier_event}) and {@link BlindPolicy} (treats
 * every event as an unmap, as drivers had to before 2018); a driver author writes their own against
 * this contract and runs the contract tests, the {@code SafetyOracle} and the benchmarks on it.
 *
 * <h2>Assumptions and Guarantees</h2>
 * What the policy may rely on:
 * <ul>
 *   <li>{@link #invalidate} runs on the host thread that raised the invalidation, between the
 *       host's invalidate-start and its page-table change: no CPU PTE in the range has changed yet,
 *       except that for {@code PROTECTION_VMA} the VMA already carries its new protection
 *       ({@code mprotect} sets {@code vm_page_prot} before {@code change_protection}), which
 *       {@link MirrorActions#vmaProt} reports.</li>
 *   <li>{@code [start, end)} is non-empty, page aligned, and lies inside both the invalidated
 *       range and {@code tracked}. One invalidation calls the policy once per tracked range it
 *       intersects.</li>
 *   <li>{@code range} is valid only during the call and must not be kept.</li>
 * </ul>
 * What the policy must guarantee (the {@code SafetyOracle} checks it after every step of the
 * contract suite):
 * <ul>
 *   <li>On return, no device translation in {@code [start, end)} may let the device use a page, or
 *       a permission, that the host is about to take away: the kernel's "upon return the caller
 *       must stop using any SPTEs within this range". It may keep a translation only when the
 *       event guarantees the page and the permission survive (SOFT_DIRTY; a read-only
 *       PROTECTION_VMA after downgrading; PROTECTION_PAGE after downgrading, with the final
 *       decision left to {@link MirrorActions#rereadAtEnd}; its own MIGRATE or EXCLUSIVE, whose
 *       device work the driver does itself).</li>
 *   <li>Every change to the device goes through {@link MirrorActions}, so it is counted; a TLB
 *       that may hold a translation the policy removed or downgraded is flushed with
 *       {@link MirrorActions#flushTlb} before return.</li>
 *   <li>It does not block, allocate, or call back into the host: it may run for a non-blockable
 *       invalidation (the OOM reaper) once the lock was obtained with {@code tryLock}, and it runs
 *       on the hot path of every host operation.</li>
 *   <li>It is stateless or keeps its state in the mirror: one policy object may serve many
 *       mirrors at once.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * Called with the mirror's driver lock held (the lock its fault path holds around
 * {@code readRetry} and the commit of device PTEs); every {@link MirrorActions} method checks that
 * and throws {@link IllegalStateException} otherwise. The host's mmap lock is held by the calling
 * thread in some mode; the policy must not take or release it.
 */
public interface InvalidationPolicy {
    /** A short name for reports, the JFR event and the demo ("event-aware", "blind"). */
    String name();

    /**
     * Whether the mirror needs nothing at all from this invalidation, decided from the range alone
     * (event, flags, owner) before the driver lock is taken. When true the mirror's callback
     * returns at once: no driver lock, no {@code mmu_interval_set_seq()}, no {@link #invalidate}
     * call; the invalidation is counted as received and skipped, and a non-blockable one is never
     * refused. lib/test_hmm.c {@code dmirror_interval_invalidate} returns this way for its own
     * MIGRATE, and nouveau_svm.c {@code nouveau_svm_range_invalidate} for its own EXCLUSIVE. The
     * driver never ignores RELEASE, whatever this returns: it marks the mirror released under the
     * lock.
     *
     * <p>When it is safe. Leaving the sequence alone means a device fault that read the CPU page
     * table before this invalidation commits what it read instead of retrying. That is harmless
     * exactly when the outcome is one the serial order "the fault commits, then this invalidation
     * is handled" also produces, whenever the commit lands. It is, if {@link #invalidate} would do
     * nothing for the event in every device state (so a translation committed just before would
     * have been left as it is) and nothing else acts on the event later, under the lock, assuming
     * every fault that began before it has either committed or will retry. SOFT_DIRTY qualifies:
     * same page, same access, and nobody follows it up. A device's own MIGRATE and EXCLUSIVE do not,
     * in devmirror: the policy skips them because the driver follows them up itself (it maps the
     * migrated or exclusive pages under its lock afterwards), and a fault committing its earlier
     * snapshot after that would map the source frame the migration has released, or put a plain
     * entry over a page the device holds exclusively; only the retry that {@code set_seq} forces
     * prevents it. A later invalidation that is not ignored sets the sequence as usual, so a
     * snapshot is never committed across it.
     *
     * <p>Contract: returns true only for invalidations for which {@link #invalidate}, if it were called, would
     * do nothing to the device but {@link MirrorActions#skip()} (the contract suite checks this for
     * every event and owner). Does not allocate, block, or read anything but {@code range} and
     * {@code mirrorOwner}: it runs on every host invalidation of a tracked range, without any
     * lock.
     *
     * @param range       the invalidation (event, flags, owner); valid only during the call
     * @param mirrorOwner the mirror's pagemap owner, to compare with {@code range.owner()}
     * @return true if the mirror may return without the lock and without setting the sequence;
     *     the default, false, always takes the lock and calls {@link #invalidate}
     */
    default boolean ignores(MmuNotifierRange range, Object mirrorOwner) {
        return false;
    }

    /**
     * Reacts to the invalidation of {@code [start, end)}.
     *
     * @param mirror  the device actions of the mirror being invalidated
     * @param tracked the tracked range whose interval notifier was called
     * @param range   the invalidation (event, flags, owner); valid only during the call
     * @param start   first byte of the intersection of {@code range} and {@code tracked}
     * @param end     one past its last byte
     */
    void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end);
}

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
 *       except that for an {@code mprotect} PROTECTION_VMA the VMA already carries its new
 *       protection ({@code vm_page_prot} is set before {@code change_protection}), which
 *       {@link MirrorActions#vmaProt} reports. The VMA's flags say nothing about what the PTEs
 *       lose: userfaultfd write-protect, PAGEMAP_SCAN's write-protect and NUMA hinting raise
 *       PROTECTION_VMA over writable VMAs, and one range may span several VMAs.</li>
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
 *       event guarantees the page and the permission survive (PROTECTION_VMA and PROTECTION_PAGE
 *       after downgrading, with the final decision left to {@link MirrorActions#rereadAtEnd};
 *       SOFT_DIRTY, whose page and access stay, with the pages the device can write marked
 *       soft-dirty at the end ({@link MirrorActions#softDirtyAtEnd}); its own MIGRATE or
 *       EXCLUSIVE, whose device work the driver does itself).</li>
 *   <li>Soft-dirty stays complete: a page the device writes after a clear_refs must read
 *       soft-dirty, so SOFT_DIRTY either marks the pages the device can write or takes device
 *       write away so the next device write faults through the CPU (the kernel-doc of
 *       {@code MMU_NOTIFY_SOFT_DIRTY}).</li>
 *   <li>Every change to the device goes through {@link MirrorActions}, so it is counted; a TLB
 *       that may hold a translation the policy removed or downgraded is flushed with
 *       {@link MirrorActions#flushTlb} or {@link MirrorActions#flushChanged} before return, or
 *       owed with {@link MirrorActions#flushBatched}, which the mirror issues before the host's
 *       {@code invalidate_range_start} returns.</li>
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
     * Whether the mirror's callback may return at once, without the driver lock, without
     * {@code mmu_interval_set_seq()} and without calling {@link #invalidate}: what lib/test_hmm.c's
     * {@code dmirror_interval_invalidate} does for its own MIGRATE. The kernel-doc of
     * {@code mmu_interval_set_seq} says it "must be called unconditionally from the invalidate
     * callback", and for a reason: without it a device fault that read the CPU page table before
     * this invalidation commits what it read instead of retrying, and whatever the policy would have
     * done (a soft-dirty mark, a downgrade) is not done. devmirror's notifier rules
     * ({@code org.devmirror.notifier.NotifierRules}, on in every test) report an ignored
     * invalidation as a broken rule, and no shipped policy returns true: the default is false. The
     * hook stays so that a policy written after a driver that does this can be run and studied
     * (with the rules off, as the launcher runs) — docs/guide/lessons.md shows what it costs. The
     * driver never ignores RELEASE, whatever this returns.
     *
     * <p>Contract: does not allocate, block, or read anything but {@code range} and
     * {@code mirrorOwner}: it runs on every host invalidation of a tracked range, without any lock.
     *
     * @param range       the invalidation (event, flags, owner); valid only during the call
     * @param mirrorOwner the mirror's pagemap owner, to compare with {@code range.owner()}
     * @return true to return without the lock and without setting the sequence (breaks the
     *     kernel's rule); the default, false, always takes the lock and calls {@link #invalidate}
     */
    default boolean ignores(MmuNotifierRange range, Object mirrorOwner) {
        return false;
    }

    /**
     * The size of the interval notifiers the driver tracks the address space with, in bytes (a
     * power of two from 4 KiB to 1 GiB), or 0 to leave it to the mirror's options (2 MiB by
     * default). It decides how many callbacks one invalidation makes: one per tracked range it
     * meets. Xe inserts 512 MiB notifiers, amdkfd one per 2 MiB svm_range, test_hmm, nouveau and
     * KVM one over the whole address space (devmirror's largest, 1 GiB, stands for it).
     * {@link MirrorOptions#forPolicy} applies it.
     *
     * @return bytes per tracked range, or 0 for the mirror's default
     */
    default long trackChunk() {
        return 0;
    }

    /**
     * Whether the driver keeps soft-dirty complete where no end callback can: it marks soft-dirty
     * the pages a device fault maps writable in its own memory (the device writes them with no CPU
     * fault, and clear_refs may have cleaned them while nothing of this mirror tracked them, after
     * an mremap moved them) and the pages that return writable from its memory to RAM
     * ({@code remove_migration_pte} maps them writable with whatever bit clear_refs left). The
     * default, true, is devmirror's safe behaviour. The zoo's drivers return false: the kernel
     * exports no helper to mark soft-dirty, and none of them does it. The safety oracle holds a
     * policy that marks to every page its device wrote; for one that does not, a page every write
     * reached with no fault to mark it is the kernel's loss, reported as a kernel finding
     * ({@code SafetyOracle}, {@link DeviceWriteLog}).
     *
     * @return whether faults and migrations back mark the device's memory soft-dirty
     */
    default boolean marksDeviceMemorySoftDirty() {
        return true;
    }

    /**
     * What the callback does for a non-blockable invalidation, before the policy runs; the
     * default, {@link NonBlockable#TRYLOCK}, is what lib/test_hmm.c does.
     *
     * @return the driver's behaviour when the invalidation may not sleep
     */
    default NonBlockable nonBlockable() {
        return NonBlockable.TRYLOCK;
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

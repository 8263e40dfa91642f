package org.devmirror.device.driver;

/**
 * Everything an {@link InvalidationPolicy} may do to the device while it handles one
 * invalidation: the verbs of a device driver's invalidate callback (clear PTEs, issue a ranged TLB
 * invalidation, change permissions in place, stop tracking), each counted per event in the
 * mirror's {@code DeviceStats}.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Only valid during {@link InvalidationPolicy#invalidate}, on its thread, with the
 *       driver lock held; every method throws {@link IllegalStateException} otherwise, and
 *       {@link IllegalArgumentException} for a range that is not inside the invalidated part of
 *       the tracked range, changing nothing. {@link #zap}, {@link #flushTlb} and
 *       {@link #nextMapped} also accept any page-aligned part of the whole tracked range: zapping
 *       more than the host invalidates is always safe, and a driver that tracks in chunks zaps a
 *       chunk whole (drm_gpusvm's ranges).</li>
 *   <li>No method allocates, blocks, or calls into the host.</li>
 *   <li>Counts are in 4 KiB-equivalent device PTEs (a 2 MiB leaf counts 512).</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * The caller holds the driver lock (see above); the implementation takes no other lock.
 */
public interface MirrorActions {
    /**
     * Clears the device PTEs of {@code [start, end)} and frees device page-table pages left empty.
     *
     * @param start first byte, page aligned, inside the tracked range
     * @param end   one past the last byte, page aligned
     * @return the PTEs cleared
     */
    long zap(long start, long end);

    /**
     * One ranged device-TLB invalidation of {@code [start, end)} (Xe issues one per tile per
     * invalidation and counts it in {@code SVM_TLB_INVAL_COUNT}), issued and counted only when this
     * callback zapped or downgraded a PTE since its last flush: with nothing changed the TLB holds
     * nothing stale, and none is issued.
     *
     * @param start first byte, page aligned, inside the tracked range
     * @param end   one past the last byte, page aligned
     * @return the TLB entries dropped
     */
    long flushTlb(long start, long end);

    /**
     * One ranged device-TLB invalidation over the span of every PTE this callback zapped or
     * downgraded since its last flush, and none when it changed nothing: the batching of a driver
     * that zaps piece by piece and then invalidates once (Xe's single
     * {@code xe_vm_range_tilemask_tlb_inval} over {@code [adj_start, adj_end)}, KVM's one
     * {@code kvm_flush_remote_tlbs} per start).
     *
     * @return the TLB entries dropped (0 also when no flush was needed)
     */
    long flushChanged();

    /**
     * Like {@link #flushChanged}, but one ranged device-TLB invalidation per invalidation for all of
     * this device's callbacks, not one per callback: what this callback changed since its last
     * flush joins the device's batch, and the batch is issued once, over the span of everything
     * changed, by the last callback of this device for the invalidation, or else by the device's
     * own {@code invalidate_range_start}, which the host calls after every interval callback and
     * before it changes a PTE (so no CPU page is freed or remapped while the device TLB may still
     * translate it). None is issued, or counted, when nothing was changed. It models a driver with
     * one callback for the whole address space (nouveau's and KVM's classic
     * {@code invalidate_range_start}, test_hmm's one interval notifier over the address space)
     * whose tracking devmirror splits into several tracked ranges, and a device that, like Xe
     * within one notifier ({@code xe_svm_invalidate}), zaps every tracked range an invalidation
     * meets and then issues one TLB invalidation. A non-blockable or RELEASE invalidation is
     * flushed in the callback, as {@link #flushChanged} does.
     *
     * @return the TLB entries dropped (0 also when the flush was deferred or not needed)
     */
    long flushBatched();

    /**
     * The first page-aligned address in {@code [from, to)} where the device holds a PTE, or
     * {@code to} if there is none: what lets a policy skip ranges that were never bound (Xe's
     * {@code tile_present}) or zap runs of valid entries (mlx5's MTT blocks). Changes nothing.
     *
     * @param from first byte, page aligned, inside the tracked range
     * @param to   one past the last byte, page aligned
     * @return the first mapped address, or {@code to}
     */
    long nextMapped(long from, long to);

    /**
     * Leaves the device PTEs of {@code [start, end)} as they are and stops the device's user
     * queues instead, the way amdkfd SVM evicts with XNACK off ({@code svm_range_evict}: the
     * first eviction of a burst calls {@code kgd2kfd_quiesce_mm} and schedules the restore worker
     * {@code AMDGPU_SVM_RANGE_RESTORE_DELAY_MS} = 1 ms later). While the queues are stopped the
     * device runs nothing, so its stale PTEs are never used; the restore
     * ({@code svm_range_restore_work}) re-validates every evicted range against the CPU page
     * table, re-faulting the pages the device held, before the device runs again. devmirror has
     * no clock: the restore runs before the device's next fault or command, which is when the
     * delay would have expired for any device work. The first eviction of a burst counts in
     * {@code DeviceStats.queueEvictions}, each restore in {@code queueRestores}. Allocates
     * nothing: past 16 evicted ranges the mirror remembers their bounding range, which the
     * restore re-validates whole.
     *
     * @param start first byte, page aligned, inside the invalidated part of the tracked range
     * @param end   one past the last byte, page aligned
     */
    void evictQueues(long start, long end);

    /**
     * Clears WRITE and ATOMIC of the device PTEs of {@code [start, end)} in place, keeping them
     * readable.
     *
     * @param start first byte, page aligned, inside the tracked range
     * @param end   one past the last byte, page aligned
     * @return the PTEs whose permission changed
     */
    long downgrade(long start, long end);

    /**
     * Clears the ATOMIC entries of {@code [start, end)}, the device's exclusive-access grants, and
     * leaves every other entry as it is. The device's next atomic acquires the page again
     * ({@code make_device_exclusive}), through a CPU write fault.
     *
     * @param start first byte, page aligned, inside the tracked range
     * @param end   one past the last byte, page aligned
     * @return the PTEs cleared
     */
    long zapAtomic(long start, long end);

    /**
     * The protection ({@code org.devmirror.mm.Prot} bits) of the VMA containing {@code addr} as the
     * host has already set it, or {@code Prot.NONE} if no VMA contains it. For PROTECTION_VMA this
     * is the new protection: mprotect updates {@code vm_page_prot} before it changes PTEs.
     *
     * @param addr an address inside the invalidated range
     * @return the VMA's {@code Prot} bits, or {@code Prot.NONE}
     */
    int vmaProt(long addr);

    /**
     * Asks for the device PTEs of {@code [start, end)} to be re-read from the CPU page table once the
     * host has finished this invalidation (at {@code invalidate_range_end}): a page the CPU still
     * maps with the same frame keeps its device PTE (with WRITE if the CPU grants it and no other
     * invalidation is in flight), anything else is zapped. Until then the PTEs stay as the policy
     * left them, so the policy must already have removed every permission the host may be taking
     * away (downgrade for PROTECTION_PAGE). If the mirror cannot queue the request it zaps the range
     * at once, which is always safe.
     *
     * @param start first byte, page aligned, inside the tracked range
     * @param end   one past the last byte, page aligned
     */
    void rereadAtEnd(long start, long end);

    /**
     * Asks for every page of {@code [start, end)} the device can write without a CPU fault to be
     * marked soft-dirty in the CPU page table once the host has finished this invalidation (at
     * {@code invalidate_range_end}, after clear_refs cleared the bits): the pages whose device entry
     * is writable or ATOMIC then, those whose entry names a device-private page (the device writes its
     * own memory with no CPU path), and every page of this device's own memory the CPU maps in the
     * range, whether or not the device maps it then (a zapped device PTE of such a page comes back
     * on the next device fault without a CPU fault). The kernel-doc of {@code MMU_NOTIFY_SOFT_DIRTY}: "the user
     * should soft dirty the page in the end callback to make sure that anyone relying on soft
     * dirtiness catch pages that might be written through non CPU mappings". Requests of one
     * invalidation merge; only when more than 64 invalidations are in flight on the address space
     * at once can a request not be queued, and then the range is downgraded instead, which covers
     * system pages but leaves device-private ones unmarked.
     *
     * @param start first byte, page aligned, inside the tracked range
     * @param end   one past the last byte, page aligned
     */
    void softDirtyAtEnd(long start, long end);

    /**
     * Stops tracking {@code [start, end)} of {@code tracked}, the way drm_gpusvm's
     * {@code drm_gpusvm_range_set_unmapped} does: the range is only marked here; the mirror's
     * garbage collector, outside this invalidation (at the start of the next device fault, or on
     * request), replaces it by the parts outside {@code [start, end)}, or removes it. Until then its
     * notifier stays inserted, so later invalidations still reach every page it covers, and no
     * device fault commits inside it. No notifier is inserted or removed here (the kernel forbids
     * it from a callback). The caller zaps the device PTEs of {@code [start, end)} itself.
     *
     * @param tracked the tracked range the policy was called for
     * @param start first byte, page aligned, inside the tracked range
     * @param end   one past the last byte, page aligned
     */
    void dropTracking(TrackedRange tracked, long start, long end);

    /** Counts the invalidation as skipped: the policy decided the device has nothing to do. */
    void skip();

    /**
     * This device's pagemap owner: compare with {@code MmuNotifierRange.owner()} to recognise the
     * MIGRATE and EXCLUSIVE invalidations this device started itself.
     *
     * @return the owner this device passes as {@code dev_private_owner}; compared by identity
     */
    Object owner();
}

package org.devmirror.device.driver;

import org.devmirror.notifier.MmuNotifierRange;

/**
 * KVM's secondary MMU (virt/kvm/kvm_main.c) as a device mirror:
 * {@code kvm_mmu_notifier_invalidate_range_start} unmaps the gfn range of every memslot the range
 * meets ({@code kvm_mmu_unmap_gfn_range} under {@code kvm_mmu_invalidate_begin}) and issues
 * <b>one</b> {@code kvm_flush_remote_tlbs} per start if anything was zapped;
 * {@code kvm_mmu_notifier_invalidate_range_end} bumps {@code mmu_invalidate_seq}. Nothing in
 * kvm_main.c reads {@code range->event}: every event is handled alike.
 *
 * <table>
 *   <caption>Per event</caption>
 *   <tr><th>Event</th><th>KVM</th></tr>
 *   <tr><td>UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, MIGRATE, EXCLUSIVE</td>
 *       <td>unmap the range, one flush (no owner check)</td></tr>
 *   <tr><td>RELEASE</td><td>{@code kvm_mmu_notifier_release}: {@code kvm_flush_shadow_all}; stop
 *       tracking</td></tr>
 * </table>
 *
 * <ul>
 *   <li><b>Granularity.</b> One classic notifier per VM over the whole address space (memslots
 *       found through an hva interval tree); 1 GiB tracked ranges stand for it, so an
 *       invalidation crossing a 1 GiB boundary makes two callbacks where KVM makes one. The unmap
 *       is page exact; memslots never shrink on UNMAP.</li>
 *   <li><b>TLB.</b> One flush per {@code invalidate_range_start} over what was zapped, none if
 *       nothing was: batched over the tracked ranges ({@link MirrorActions#flushBatched}), so the
 *       two callbacks of a range crossing 1 GiB still flush once.</li>
 *   <li><b>Non-blockable.</b> Never fails: it takes {@code mmu_lock} (a spinning lock) and passes
 *       {@code may_block = false} down ({@link NonBlockable#SPIN}).</li>
 * </ul>
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}. Stateless: one instance serves any number of mirrors.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock (see {@link InvalidationPolicy}), standing for
 * {@code mmu_lock}.
 */
public final class KvmPolicy implements InvalidationPolicy {
    /** The shared instance. */
    public static final KvmPolicy INSTANCE = new KvmPolicy();

    private KvmPolicy() {}

    /** The real driver marks no soft-dirty bit: the kernel exports no helper for it. */
    @Override
    public boolean marksDeviceMemorySoftDirty() {
        return false;
    }

    @Override
    public String name() {
        return "kvm";
    }

    @Override
    public long trackChunk() {
        return ZooActions.WHOLE_MM;
    }

    @Override
    public NonBlockable nonBlockable() {
        return NonBlockable.SPIN;
    }

    @Override
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        switch (range.event()) {
            case UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, MIGRATE, EXCLUSIVE ->
                ZooActions.zapBatched(mirror, start, end);
            case RELEASE -> ZooActions.release(mirror, tracked, start, end);
        }
    }
}

package org.devmirror.device.driver;

import org.devmirror.notifier.MmuNotifierRange;

/**
 * nouveau SVM (drivers/gpu/drm/nouveau/nouveau_svm.c): the classic notifier
 * {@code nouveau_svmm_invalidate_range_start} does the invalidation for the whole process. It
 * returns at once for a MIGRATE this GPU started ({@code update->owner == drm->dev}) and otherwise
 * clears the GPU's PTEs of the range ({@code nouveau_svmm_invalidate}: {@code NVIF_VMM_V0_PFNCLR},
 * which reaches {@code nvkm_vmm_pfn_unmap}). The per-fault interval notifier
 * {@code nouveau_svm_range_invalidate} that {@code nouveau_range_fault} inserts only serialises
 * {@code mmu_interval_set_seq} with the GPU's PTE writes; devmirror's mirror does that for every
 * policy, so this class models the classic callback.
 *
 * <table>
 *   <caption>Per event</caption>
 *   <tr><th>Event</th><th>nouveau</th></tr>
 *   <tr><td>MIGRATE</td><td>own: nothing; another device's: clear</td></tr>
 *   <tr><td>UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, EXCLUSIVE</td><td>clear
 *       (the EXCLUSIVE own-owner skip belongs to the interval notifier, which clears nothing)</td></tr>
 *   <tr><td>RELEASE</td><td>clear and stop tracking (the classic notifier has no
 *       {@code .release}; the svmm goes with the channel)</td></tr>
 * </table>
 *
 * <ul>
 *   <li><b>Granularity.</b> One classic notifier over the process; 1 GiB tracked ranges stand for
 *       it. The clear is exact to the invalidated range (outside the {@code unmanaged}
 *       window, which devmirror does not model). Tracking never shrinks.</li>
 *   <li><b>TLB.</b> One flush per PFNCLR call, i.e. per callback (inference: the flush happens
 *       in nvkm's page-table iterator once per call), and none when nothing was cleared. The one
 *       classic callback covers the whole invalidation, so the flush is batched over the 1 GiB
 *       tracked ranges that stand for it ({@link MirrorActions#flushBatched}): one per
 *       invalidation.</li>
 *   <li><b>Non-blockable.</b> {@code return -EAGAIN} unconditionally
 *       ({@link NonBlockable#REFUSE}): the OOM reaper never frees a nouveau process's memory
 *       while the GPU mirrors it.</li>
 * </ul>
 *
 * <p>SVM is disabled on Volta and newer ({@code nouveau_svm_init}); the model is of the
 * Pascal-era design.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}. Stateless: one instance serves any number of mirrors.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock (see {@link InvalidationPolicy}), standing for
 * {@code svmm->mutex}.
 */
public final class NouveauPolicy implements InvalidationPolicy {
    /** The shared instance. */
    public static final NouveauPolicy INSTANCE = new NouveauPolicy();

    private NouveauPolicy() {}

    /** The real driver marks no soft-dirty bit: the kernel exports no helper for it. */
    @Override
    public boolean marksDeviceMemorySoftDirty() {
        return false;
    }

    @Override
    public String name() {
        return "nouveau";
    }

    @Override
    public long trackChunk() {
        return ZooActions.WHOLE_MM;
    }

    @Override
    public NonBlockable nonBlockable() {
        return NonBlockable.REFUSE;
    }

    @Override
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        switch (range.event()) {
            case MIGRATE -> {
                if (ZooActions.ownOwner(mirror, range)) {
                    mirror.skip();
                } else {
                    ZooActions.zapBatched(mirror, start, end);
                }
            }
            case UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, EXCLUSIVE ->
                ZooActions.zapBatched(mirror, start, end);
            case RELEASE -> ZooActions.release(mirror, tracked, start, end);
        }
    }
}

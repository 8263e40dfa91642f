package org.devmirror.device.driver;

/**
 * What a driver's invalidate callback does when the invalidation may not sleep
 * ({@code !mmu_notifier_range_blockable(range)}: the OOM reaper's
 * {@code mmu_notifier_invalidate_range_start_nonblock}). Real drivers differ, and the difference
 * decides whether the OOM reaper can free a victim's memory while the device is busy.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The mirror's callback applies it before the policy runs; a refused invalidation returns false
 * (the host reports {@code -EAGAIN} and changes nothing) and is counted as refused.
 */
public enum NonBlockable {
    /**
     * Try the driver lock once; refuse if it is contended (lib/test_hmm.c
     * {@code dmirror_interval_invalidate}: {@code mutex_trylock}, "return false").
     */
    TRYLOCK,
    /**
     * Refuse every non-blockable invalidation without trying (drm_gpusvm
     * {@code drm_gpusvm_notifier_invalidate} via {@code xe_svm_invalidate}, mlx5
     * {@code mlx5_ib_invalidate_range}: "if (!mmu_notifier_range_blockable(range)) return false";
     * nouveau's classic {@code nouveau_svmm_invalidate_range_start} returns {@code -EAGAIN}).
     */
    REFUSE,
    /**
     * Never fail: take a spinning lock, which a non-blockable context allows (KVM's
     * {@code kvm_mmu_notifier_invalidate_range_start} takes {@code mmu_lock} and passes
     * {@code may_block = false} down). devmirror's driver lock is a mutex, so the callback spins on
     * {@code tryLock} (never sleeping), bounded by the mirror's fault timeout so that a lock held
     * by a scenario's {@code lock} statement cannot hang the run; past that it refuses, which real
     * KVM never does.
     */
    SPIN,
    /**
     * No check: take the driver lock as if the invalidation were blockable (amdkfd's
     * {@code svm_range_cpu_invalidate_pagetables} calls {@code mutex_lock(&prange->lock)}
     * whatever the range says). This sleeps where the kernel forbids it; devmirror's notifier
     * rules, on in every test, report it as a broken rule.
     */
    SLEEP
}

package org.devmirror.device.driver;

import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * amdkfd's shared virtual memory (drivers/gpu/drm/amd/amdkfd/kfd_svm.c), with the GPU's retry
 * faults on ({@link #XNACK_ON}) or off ({@link #XNACK_OFF}).
 * {@code svm_range_cpu_invalidate_pagetables} is the interval notifier of every
 * {@code svm_range}; it sends UNMAP to {@code svm_range_unmap_from_cpu} and every other event to
 * {@code svm_range_evict}.
 *
 * <table>
 *   <caption>Per event</caption>
 *   <tr><th>Event</th><th>XNACK on</th><th>XNACK off</th></tr>
 *   <tr><td>UNMAP</td><td colspan="2">{@code svm_range_unmap_from_cpu}: unmap the intersection
 *       from every GPU ({@code svm_range_unmap_from_gpus}: clear PTEs, then
 *       {@code kfd_flush_tlb} per GPU) and put the range on the deferred list
 *       ({@code SVM_OP_UNMAP_RANGE} / {@code SVM_OP_UPDATE_RANGE_NOTIFIER}), which the mirror's
 *       garbage collector models</td></tr>
 *   <tr><td>CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, MIGRATE, EXCLUSIVE</td>
 *       <td>{@code svm_range_evict}: unmap the intersection from the GPUs and flush; a retry
 *       fault maps it again. No owner check: KFD's own migrations unmap too</td>
 *       <td>{@code svm_range_evict}: nothing if nothing is mapped; otherwise the GPU PTEs stay,
 *       the range is marked invalid, the first eviction stops every queue of the process
 *       ({@code kgd2kfd_quiesce_mm}) and the restore worker runs
 *       {@code AMDGPU_SVM_RANGE_RESTORE_DELAY_MS} = 1 ms later
 *       ({@link MirrorActions#evictQueues}). On SOFT_DIRTY the range's ATOMIC entries are
 *       zapped first ({@link MirrorActions#zapAtomic}): devmirror's own addition, below</td></tr>
 *   <tr><td>RELEASE</td><td colspan="2">the interval callback returns at once; the process's
 *       teardown ({@code kfd_process_notifier_release}) unmaps everything: zap and stop
 *       tracking</td></tr>
 * </table>
 *
 * <ul>
 *   <li><b>Granularity.</b> One interval notifier per {@code svm_range}; a range created by a
 *       GPU fault follows {@code default_granularity} (9: 512 pages, 2 MiB) aligned inside the
 *       VMA, so 2 MiB tracked ranges. The unmap is exact to the intersection.</li>
 *   <li><b>TLB.</b> {@code kfd_flush_tlb} per GPU after each GPU's page-table update, serially,
 *       in each callback; one device here, so one flush per callback when something was
 *       cleared.</li>
 *   <li><b>Device-exclusive pages.</b> amdkfd never calls {@code make_device_exclusive}; devmirror's
 *       atomic command gives its devices such pages under every policy. With XNACK off the
 *       restore keeps an ATOMIC entry whose CPU entry is still this device's (re-faulting it would
 *       take the exclusive access back, and the device would acquire it again, forever), so
 *       across clear_refs the device's atomics would write a page pagemap reports clean. The
 *       SOFT_DIRTY eviction therefore zaps them: the next atomic acquires the page through a CPU
 *       write fault, which marks it soft-dirty, as nouveau's does after its zap.</li>
 *   <li><b>Non-blockable.</b> No check: {@code mutex_lock(&prange->lock)} whatever the range says
 *       ({@link NonBlockable#SLEEP}). The OOM reaper's invalidation may sleep here; devmirror's
 *       notifier rules report it (docs/guide/zoo.md shows the scenario).</li>
 * </ul>
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}. Stateless: the eviction state lives in the mirror.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock (see {@link InvalidationPolicy}), standing for
 * {@code prange->lock}.
 */
public final class AmdKfdSvmPolicy implements InvalidationPolicy {
    /** XNACK on: GPU retry faults, so every event unmaps from the GPUs. */
    public static final AmdKfdSvmPolicy XNACK_ON = new AmdKfdSvmPolicy(true);

    /** XNACK off: the GPU cannot fault, so every event but UNMAP evicts the process's queues. */
    public static final AmdKfdSvmPolicy XNACK_OFF = new AmdKfdSvmPolicy(false);

    private final boolean xnack;

    private AmdKfdSvmPolicy(boolean xnack) {
        this.xnack = xnack;
    }

    /** The real driver marks no soft-dirty bit: the kernel exports no helper for it. */
    @Override
    public boolean marksDeviceMemorySoftDirty() {
        return false;
    }

    @Override
    public String name() {
        return xnack ? "amdkfd SVM (XNACK on)" : "amdkfd SVM (XNACK off)";
    }

    @Override
    public long trackChunk() {
        return DevicePteLayout.HUGE_SIZE; // default_granularity 9
    }

    @Override
    public NonBlockable nonBlockable() {
        return NonBlockable.SLEEP;
    }

    @Override
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        switch (range.event()) {
            case UNMAP -> {
                ZooActions.zapOnce(mirror, start, end); // svm_range_unmap_from_gpus + kfd_flush_tlb
                mirror.dropTracking(tracked, start, end); // the deferred list
            }
            case SOFT_DIRTY -> evict(mirror, start, end, true);
            case CLEAR, PROTECTION_VMA, PROTECTION_PAGE, MIGRATE, EXCLUSIVE -> evict(mirror, start, end, false);
            case RELEASE -> ZooActions.release(mirror, tracked, start, end);
        }
    }

    /** {@code svm_range_evict}; with XNACK off, {@code dropAtomic} zaps the ATOMIC entries first (the class comment). */
    private void evict(MirrorActions mirror, long start, long end, boolean dropAtomic) {
        if (xnack) {
            ZooActions.zapOnce(mirror, start, end);
            return;
        }
        boolean zapped = dropAtomic && mirror.zapAtomic(start, end) != 0;
        if (zapped) {
            mirror.flushChanged(); // the queues may stop below, but the TLB outlives them
        }
        if (mirror.nextMapped(start, end) != end) {
            mirror.evictQueues(start, end);
        } else if (!zapped) {
            mirror.skip(); // nothing mapped on any GPU: nothing to evict
        }
    }
}

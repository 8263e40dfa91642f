package org.devmirror.device.driver;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;

import org.devmirror.notifier.MmuNotifierRange;

/**
 * mlx5 on-demand paging (drivers/infiniband/hw/mlx5/odp.c): {@code mlx5_ib_invalidate_range}
 * calls {@code mmu_interval_set_seq} under {@code umem_mutex}, walks the intersection page by
 * page and zaps the runs of valid MTT entries with one UMR work request each
 * ({@code mlx5r_umr_update_xlt(..., MLX5_IB_UPD_XLT_ZAP | MLX5_IB_UPD_XLT_ATOMIC)}), then DMA-unmaps
 * the pages ({@code ib_umem_odp_unmap_dma_pages}). It never reads {@code range->event}.
 *
 * <table>
 *   <caption>Per event</caption>
 *   <tr><th>Event</th><th>mlx5 ODP</th></tr>
 *   <tr><td>every event but RELEASE</td><td>zap the valid MTT runs, one UMR each</td></tr>
 *   <tr><td>RELEASE</td><td>the same; devmirror also stops tracking (the MR's teardown)</td></tr>
 * </table>
 *
 * <ul>
 *   <li><b>Granularity.</b> One interval notifier per umem: the whole explicit MR, or a 1 GiB
 *       child MR of an implicit ODP MR ({@code mlx5_imr_mtt_size}); 1 GiB tracked ranges. UNMAP
 *       does not shrink it.</li>
 *   <li><b>Blocks.</b> A block of valid entries ends only at an invalid entry whose index is a
 *       multiple of {@code MLX5_UMR_MTT_NUM_ENTRIES_ALIGNMENT} (8 entries): shorter gaps are
 *       zapped with the block around them. Indexes count from the tracked range's start, which
 *       stands for the umem's.</li>
 *   <li><b>TLB.</b> Each UMR is a device round trip that also drops the device's cached
 *       translations: one flush per block, so a fragmented range costs a flush per run, where
 *       Xe or KVM would issue one per callback.</li>
 *   <li><b>Non-blockable.</b> Returns false ({@link NonBlockable#REFUSE}).</li>
 * </ul>
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}. Stateless: one instance serves any number of mirrors.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock (see {@link InvalidationPolicy}), standing for
 * {@code umem_odp->umem_mutex}.
 */
public final class Mlx5OdpPolicy implements InvalidationPolicy {
    /** The shared instance. */
    public static final Mlx5OdpPolicy INSTANCE = new Mlx5OdpPolicy();

    /** {@code MLX5_UMR_MTT_NUM_ENTRIES_ALIGNMENT}: 64-byte alignment of 8-byte MTT entries, in bytes of address space. */
    static final long UMR_BLOCK = 8 * PAGE_SIZE;

    private Mlx5OdpPolicy() {}

    /** The real driver marks no soft-dirty bit: the kernel exports no helper for it. */
    @Override
    public boolean marksDeviceMemorySoftDirty() {
        return false;
    }

    @Override
    public String name() {
        return "mlx5 ODP";
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
            case UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, MIGRATE, EXCLUSIVE ->
                zapBlocks(mirror, tracked, start, end);
            case RELEASE -> {
                zapBlocks(mirror, tracked, start, end);
                mirror.dropTracking(tracked, start, end);
            }
        }
    }

    /** The loop of {@code mlx5_ib_invalidate_range}: one UMR (zap and flush) per block of valid entries. */
    private static void zapBlocks(MirrorActions mirror, TrackedRange tracked, long start, long end) {
        long base = tracked.start();
        for (long va = mirror.nextMapped(start, end); va < end; ) {
            long blockStart = va;
            long blockEnd = va + PAGE_SIZE;
            while (blockEnd < end) {
                long next = mirror.nextMapped(blockEnd, end);
                if (next == blockEnd) {
                    blockEnd += PAGE_SIZE; // valid: the block goes on
                    continue;
                }
                long firstAligned = base + ((blockEnd - base + UMR_BLOCK - 1) & -UMR_BLOCK);
                if (firstAligned < next) {
                    break; // an invalid entry at a UMR boundary closes the block
                }
                if (next == end) {
                    break;
                }
                blockEnd = next + PAGE_SIZE; // a short gap: zapped with the block
            }
            mirror.zap(blockStart, blockEnd);
            mirror.flushTlb(blockStart, blockEnd);
            va = blockEnd < end ? mirror.nextMapped(blockEnd, end) : end;
        }
    }
}

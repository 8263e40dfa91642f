package org.devmirror.device.cost;

import java.util.List;
import org.devmirror.device.stats.DeviceStats;

/**
 * What each unit of counted device work costs on a modelled device, in nanoseconds, and the
 * pricing of a {@link DeviceStats} reading into {@link DeviceTime}.
 *
 * <table>
 *   <caption>How counted work is priced</caption>
 *   <tr><th>Component</th><th>Counted work</th><th>Price</th></tr>
 *   <tr><td>fault</td><td>device faults committed, failed or retried (every round re-runs the
 *       service)</td><td>{@code faultNs} each</td></tr>
 *   <tr><td>walk</td><td>pages faulted, PTEs re-read at the end of an invalidation</td>
 *       <td>{@code walkNsPerPte} each</td></tr>
 *   <tr><td>bind</td><td>pages faulted (one device PTE written each)</td><td>{@code pteWriteNs}
 *       each</td></tr>
 *   <tr><td>zap</td><td>PTEs zapped or downgraded</td><td>{@code pteWriteNs} each</td></tr>
 *   <tr><td>tlb</td><td>ranged TLB invalidations</td><td>{@code tlbInvalidationNs} per GT, combined
 *       over {@code gts} GTs as {@code tlbBatching} says</td></tr>
 * </table>
 *
 * @param name              the name a command line selects it by
 * @param basis             where the figures come from, for reports
 * @param faultNs           fixed cost of one device fault service, walk and bind excluded
 * @param walkNsPerPte      {@code hmm_range_fault} cost per 4 KiB PTE
 * @param pteWriteNs        one device PTE written (bind, zap or downgrade)
 * @param tlbInvalidationNs one ranged device TLB invalidation on one GT
 * @param gts               GTs (or GPUs) each invalidation goes to
 * @param tlbBatching       how the per-GT invalidations of one callback are waited for
 */
@SuppressWarnings("EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices never leave the process
public record CostProfile(
        String name,
        String basis,
        double faultNs,
        double walkNsPerPte,
        double pteWriteNs,
        double tlbInvalidationNs,
        int gts,
        TlbBatching tlbBatching) {

    /**
     * Intel Xe SVM on the 4 KiB-page path, from the GT statistics of one 2 MiB GPU fault posted
     * with "drm/pagemap: Enable THP support for GPU memory migration" (F. Dugast, dri-devel, v2-v7,
     * Dec 2025 - Feb 2026): {@code pagefault} 966 us = {@code migrate} 942 + {@code get_pages} 9 +
     * {@code bind} 10, leaving 5 us of fault service outside migration, page walk and bind. So
     * {@code get_pages} costs 9 us / 512 = 17.6 ns per PTE (a walk over device-private entries:
     * system pages behind an IOMMU cost more, unmeasured) and {@code bind} 10 us / 512 = 19.5 ns
     * per PTE. No GPU TLB invalidation latency has been published (Xe records
     * {@code SVM_TLB_INVAL_US} but no values were posted): 10 us per GT is an assumption, to be
     * varied. Xe issues one ranged invalidation to its two GTs (primary and media) and then waits
     * for both.
     */
    public static final CostProfile XE_4K = new CostProfile("xe-4k",
            "Xe SVM 2 MiB fault, 4 KiB-page path (Dugast, dri-devel 2026); TLB latency assumed",
            5_000, 9_000.0 / 512, 10_000.0 / 512, 10_000, 2, TlbBatching.OVERLAPPED);

    /**
     * The same device with amdkfd's invalidation shape: per GPU, serial ({@code kfd_flush_tlb}
     * after each GPU's page-table update, drivers/gpu/drm/amd/amdkfd/kfd_svm.c), here over two
     * GPUs. Fault, walk and bind figures are Xe's: no per-fault AMD figure is published.
     */
    public static final CostProfile XE_4K_SERIAL_TLB = new CostProfile("xe-4k-serial-tlb",
            "xe-4k with amdkfd-style serial TLB flushes over 2 GPUs",
            5_000, 9_000.0 / 512, 10_000.0 / 512, 10_000, 2, TlbBatching.SERIAL);

    /** Every named profile, the default first. The one list the command line and docs draw from. */
    public static final List<CostProfile> NAMED = List.of(XE_4K, XE_4K_SERIAL_TLB);

    /** Checks every figure is finite and non-negative and the name is usable. */
    public CostProfile {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name=" + name + " must not be blank");
        }
        if (basis == null) {
            throw new IllegalArgumentException("basis=null");
        }
        requireCost("faultNs", faultNs);
        requireCost("walkNsPerPte", walkNsPerPte);
        requireCost("pteWriteNs", pteWriteNs);
        requireCost("tlbInvalidationNs", tlbInvalidationNs);
        if (gts < 1) {
            throw new IllegalArgumentException("gts=" + gts + " must be at least 1");
        }
        if (tlbBatching == null) {
            throw new IllegalArgumentException("tlbBatching=null");
        }
    }

    private static void requireCost(String what, double ns) {
        if (!(ns >= 0) || Double.isInfinite(ns)) {
            throw new IllegalArgumentException(what + "=" + ns + " must be finite and non-negative");
        }
    }

    /** The named profile called {@code name}, or {@code null}. */
    public static CostProfile named(String name) {
        for (CostProfile p : NAMED) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** Prices the work counted in {@code stats} (a reading, or a difference of two readings). */
    public DeviceTime price(DeviceStats stats) {
        double[] ns = new double[CostComponent.values().length];
        long faultRounds = stats.deviceFaults() + stats.faultErrors() + stats.faultRetries();
        ns[CostComponent.FAULT.ordinal()] = faultRounds * faultNs;
        ns[CostComponent.WALK.ordinal()] = (stats.pagesFaulted() + stats.totalReread()) * walkNsPerPte;
        ns[CostComponent.BIND.ordinal()] = stats.pagesFaulted() * pteWriteNs;
        ns[CostComponent.ZAP.ordinal()] = (stats.totalZapped() + stats.totalDowngraded()) * pteWriteNs;
        ns[CostComponent.TLB.ordinal()] = stats.totalTlbFlushes() * tlbBatching.latencyNs(tlbInvalidationNs, gts);
        return new DeviceTime(name, ns);
    }
}

package org.devmirror.device.cost;

import java.util.List;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.stats.DeviceStats;

/**
 * What each unit of counted device work costs on a modelled device, in nanoseconds, and the
 * pricing of a {@link DeviceStats} reading into {@link DeviceTime}. Every figure is a parameter;
 * docs/cost-model.md gives the source of each default, a published figure or "assumed, vary it".
 *
 * <table>
 *   <caption>How counted work is priced</caption>
 *   <tr><th>Component</th><th>Counted work</th><th>Price</th></tr>
 *   <tr><td>fault</td><td>fault rounds: device faults committed, failed or retried (every round
 *       re-runs the service); fault batches of up to {@code faultBatch} rounds</td>
 *       <td>{@code faultNs} per round, {@code faultBatchNs} per batch</td></tr>
 *   <tr><td>walk</td><td>pages faulted through 4 KiB PTEs and PTEs re-read at the end of an
 *       invalidation; 2 MiB leaves faulted</td><td>{@code walkNsPerPte} per PTE,
 *       {@code walkNsPerPmd} per leaf</td></tr>
 *   <tr><td>bind</td><td>faults committed (one range bound each); device entries they wrote (a
 *       2 MiB leaf is one entry)</td><td>{@code bindNsPerRange} per range, {@code pteWriteNs} per
 *       entry</td></tr>
 *   <tr><td>zap</td><td>PTEs zapped or downgraded</td><td>{@code pteWriteNs} each</td></tr>
 *   <tr><td>tlb</td><td>ranged TLB invalidations</td><td>{@code tlbInvalidationNs} per GT, combined
 *       over {@code gts} GTs as {@code tlbBatching} says</td></tr>
 *   <tr><td>copy</td><td>4 KiB pages migrated to device memory, and back</td><td>4096 bytes at
 *       {@code copyToDeviceGBps}, or at {@code copyToSystemGBps}</td></tr>
 *   <tr><td>migrate</td><td>4 KiB pages migrated, either direction</td>
 *       <td>{@code migrateNsPerPage} each</td></tr>
 *   <tr><td>queue</td><td>user-queue evictions and restores</td><td>{@code queueEvictionNs} and
 *       {@code queueRestoreNs} each</td></tr>
 * </table>
 *
 * <p>The record's component names are the member names of a profile file
 * ({@code --cost-profile FILE}); a reader builds the profile through the canonical constructor,
 * which checks every figure.
 *
 * @param name              the name a command line selects it by
 * @param basis             where the figures come from, for reports
 * @param faultNs           fixed cost of one device fault round, walk and bind excluded
 * @param faultBatch        fault rounds the device reports and the driver services in one batch (1: no batching)
 * @param faultBatchNs      fixed cost of one batch (fault-buffer reads, the replay), on top of each round's
 * @param walkNsPerPte      {@code hmm_range_fault} cost per 4 KiB PTE
 * @param walkNsPerPmd      {@code hmm_range_fault} cost per 2 MiB PMD entry
 * @param bindNsPerRange    fixed cost of binding one faulted range (the page-table update job)
 * @param pteWriteNs        one device entry written (bind, zap or downgrade)
 * @param tlbInvalidationNs one ranged device TLB invalidation on one GT
 * @param gts               GTs (or GPUs) each invalidation goes to
 * @param tlbBatching       how the per-GT invalidations of one callback are waited for
 * @param copyToDeviceGBps  copy bandwidth system to device memory, in GB/s (bytes per nanosecond)
 * @param copyToSystemGBps  copy bandwidth device to system memory, in GB/s
 * @param migrateNsPerPage  CPU-side migration work per 4 KiB page ({@code migrate_vma_*}), copy excluded
 * @param queueEvictionNs   stopping the process's user queues once
 * @param queueRestoreNs    restarting them once, the delay before the restore included
 */
@SuppressWarnings(
        "EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices
// never leave the process
public record CostProfile(
        String name,
        String basis,
        double faultNs,
        int faultBatch,
        double faultBatchNs,
        double walkNsPerPte,
        double walkNsPerPmd,
        double bindNsPerRange,
        double pteWriteNs,
        double tlbInvalidationNs,
        int gts,
        TlbBatching tlbBatching,
        double copyToDeviceGBps,
        double copyToSystemGBps,
        double migrateNsPerPage,
        double queueEvictionNs,
        double queueRestoreNs) {

    /** The bytes of one migrated page. */
    private static final double PAGE_BYTES = DevicePteLayout.PAGE_SIZE;

    private static final int HUGE_PAGES = DevicePteLayout.HUGE_PAGES;

    /**
     * Xe SVM's bind, from the GT statistics of one 2 MiB GPU fault posted with "drm/pagemap:
     * Enable THP support for GPU memory migration" (F. Dugast, dri-devel, v2-v7, Dec 2025 - Feb
     * 2026): 10 us for 512 PTEs on the 4 KiB path, 2 us for one 2 MiB PTE with THP. A fixed part
     * and a per-entry part fit both: per entry (10 - 2) us / 511.
     */
    private static final double XE_BIND_NS_PER_PTE = 8_000.0 / 511;

    private static final double XE_BIND_NS_PER_RANGE = 2_000 - XE_BIND_NS_PER_PTE;
    /**
     * Xe's {@code migrate} of that fault less its {@code device_copy}: 942 - 223 = 719 us of CPU-side
     * {@code migrate_vma_*} work per 2 MiB of 4 KiB pages.
     */
    private static final double XE_MIGRATE_NS_PER_PAGE = 719_000.0 / 512;
    /** amdkfd's {@code AMDGPU_SVM_RANGE_RESTORE_DELAY_MS}: queues evicted for an invalidation restart 1 ms later. */
    private static final double KFD_RESTORE_DELAY_NS = 1_000_000;
    /** Assumed, vary it: no figure is published for stopping a process's user queues. */
    private static final double ASSUMED_QUEUE_EVICTION_NS = 50_000;
    /** Assumed, vary it: no GPU TLB invalidation latency is published (Xe records SVM_TLB_INVAL_US; no values were posted). */
    private static final double ASSUMED_TLB_NS = 10_000;

    /**
     * Intel Xe SVM on the 4 KiB-page path, from the GT statistics of one 2 MiB GPU fault (Dugast,
     * above): {@code pagefault} 966 us = {@code migrate} 942 + {@code get_pages} 9 + {@code bind}
     * 10, leaving 5 us of fault service outside migration, page walk and bind. {@code get_pages}
     * costs 9 us / 512 = 17.6 ns per PTE and 1 us per 2 MiB entry with THP (a walk over
     * device-private entries: system pages behind an IOMMU cost more, unmeasured). The copy engine
     * moved 2 MiB in 223 us inside the fault: 9.4 GB/s; the other direction is unmeasured and
     * assumed the same. Xe issues one ranged invalidation to its two GTs (primary and media) and
     * then waits for both; its latency is assumed. Xe services faults one at a time (no batch
     * cost of its own); queue eviction does not occur on Xe, and its figures are the assumed ones
     * every profile shares.
     */
    public static final CostProfile XE_4K = new CostProfile(
            "xe-4k",
            "Xe SVM 2 MiB fault, 4 KiB-page path (Dugast, dri-devel 2026); TLB latency and queue eviction assumed",
            5_000,
            1,
            0,
            9_000.0 / 512,
            1_000,
            XE_BIND_NS_PER_RANGE,
            XE_BIND_NS_PER_PTE,
            ASSUMED_TLB_NS,
            2,
            TlbBatching.OVERLAPPED,
            2.0 * 1024 * 1024 / 223_000,
            2.0 * 1024 * 1024 / 223_000,
            XE_MIGRATE_NS_PER_PAGE,
            ASSUMED_QUEUE_EVICTION_NS,
            KFD_RESTORE_DELAY_NS);

    /**
     * The same device with amdkfd's invalidation shape: per GPU, serial ({@code kfd_flush_tlb}
     * after each GPU's page-table update, drivers/gpu/drm/amd/amdkfd/kfd_svm.c), here over two
     * GPUs. Every other figure is Xe's: no per-fault AMD figure is published.
     */
    public static final CostProfile XE_4K_SERIAL_TLB = new CostProfile(
            "xe-4k-serial-tlb",
            "xe-4k with amdkfd-style serial TLB flushes over 2 GPUs",
            XE_4K.faultNs,
            XE_4K.faultBatch,
            XE_4K.faultBatchNs,
            XE_4K.walkNsPerPte,
            XE_4K.walkNsPerPmd,
            XE_4K.bindNsPerRange,
            XE_4K.pteWriteNs,
            XE_4K.tlbInvalidationNs,
            2,
            TlbBatching.SERIAL,
            XE_4K.copyToDeviceGBps,
            XE_4K.copyToSystemGBps,
            XE_4K.migrateNsPerPage,
            XE_4K.queueEvictionNs,
            XE_4K.queueRestoreNs);

    /**
     * A generic discrete GPU on PCIe Gen4 x16 with one GT: copies at 24.8 GB/s, the copy-engine
     * throughput nvbandwidth measured host to device on an A100 (79 % of the link's 31.5 GB/s),
     * used for both directions. Faults are batched as NVIDIA UVM batches them, up to 256 entries
     * ({@code UVM_PERF_FAULT_BATCH_COUNT_DEFAULT}); the cost per batch (reading the fault buffer
     * over BAR0, the replay) is assumed, 20 us. Fault, walk, bind and migration figures are Xe's,
     * the only ones published; TLB latency and queue eviction are assumed.
     */
    public static final CostProfile PCIE4_DGPU = new CostProfile(
            "pcie4-dgpu",
            "generic PCIe Gen4 x16 discrete GPU: 24.8 GB/s copies (nvbandwidth, A100), UVM fault batches of 256;"
                    + " fault, walk and bind from xe-4k; batch cost, TLB latency and queue eviction assumed",
            XE_4K.faultNs,
            256,
            20_000,
            XE_4K.walkNsPerPte,
            XE_4K.walkNsPerPmd,
            XE_4K.bindNsPerRange,
            XE_4K.pteWriteNs,
            ASSUMED_TLB_NS,
            1,
            TlbBatching.OVERLAPPED,
            24.8,
            24.8,
            XE_MIGRATE_NS_PER_PAGE,
            ASSUMED_QUEUE_EVICTION_NS,
            KFD_RESTORE_DELAY_NS);

    /** Every named profile, the default first. The one list the command line and docs draw from. */
    public static final List<CostProfile> NAMED = List.of(XE_4K, XE_4K_SERIAL_TLB, PCIE4_DGPU);

    /** The profile used when none is named. */
    public static final CostProfile DEFAULT = XE_4K;

    /** Checks every figure is finite and non-negative, bandwidths and counts positive, and the name usable. */
    public CostProfile {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name=" + name + " must not be blank");
        }
        if (basis == null) {
            throw new IllegalArgumentException("basis=null");
        }
        requireCost("faultNs", faultNs);
        requireCount("faultBatch", faultBatch);
        requireCost("faultBatchNs", faultBatchNs);
        requireCost("walkNsPerPte", walkNsPerPte);
        requireCost("walkNsPerPmd", walkNsPerPmd);
        requireCost("bindNsPerRange", bindNsPerRange);
        requireCost("pteWriteNs", pteWriteNs);
        requireCost("tlbInvalidationNs", tlbInvalidationNs);
        requireCount("gts", gts);
        if (tlbBatching == null) {
            throw new IllegalArgumentException("tlbBatching=null");
        }
        requireBandwidth("copyToDeviceGBps", copyToDeviceGBps);
        requireBandwidth("copyToSystemGBps", copyToSystemGBps);
        requireCost("migrateNsPerPage", migrateNsPerPage);
        requireCost("queueEvictionNs", queueEvictionNs);
        requireCost("queueRestoreNs", queueRestoreNs);
    }

    private static void requireCost(String what, double ns) {
        if (!(ns >= 0) || Double.isInfinite(ns)) {
            throw new IllegalArgumentException(what + "=" + ns + " must be finite and non-negative");
        }
    }

    private static void requireBandwidth(String what, double gbps) {
        if (!(gbps > 0) || Double.isInfinite(gbps)) {
            throw new IllegalArgumentException(what + "=" + gbps + " must be finite and positive");
        }
    }

    private static void requireCount(String what, int n) {
        if (n < 1) {
            throw new IllegalArgumentException(what + "=" + n + " must be at least 1");
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

    /** The names of {@link #NAMED}, comma-separated, for error messages and help. */
    public static String names() {
        return String.join(", ", NAMED.stream().map(CostProfile::name).toList());
    }

    /** Prices the work counted in {@code stats} (a reading, or a difference of two readings). */
    public DeviceTime price(DeviceStats stats) {
        double[] ns = new double[CostComponent.values().length];
        long faultRounds = stats.deviceFaults() + stats.faultErrors() + stats.faultRetries();
        long batches = (faultRounds + faultBatch - 1) / faultBatch;
        ns[CostComponent.FAULT.ordinal()] = faultRounds * faultNs + batches * faultBatchNs;
        long leaves = stats.hugeLeavesFaulted();
        long ptesFaulted = stats.pagesFaulted() - leaves * HUGE_PAGES;
        ns[CostComponent.WALK.ordinal()] = (ptesFaulted + stats.totalReread()) * walkNsPerPte + leaves * walkNsPerPmd;
        ns[CostComponent.BIND.ordinal()] = stats.deviceFaults() * bindNsPerRange + (ptesFaulted + leaves) * pteWriteNs;
        ns[CostComponent.ZAP.ordinal()] = (stats.totalZapped() + stats.totalDowngraded()) * pteWriteNs;
        ns[CostComponent.TLB.ordinal()] = stats.totalTlbFlushes() * tlbBatching.latencyNs(tlbInvalidationNs, gts);
        ns[CostComponent.COPY.ordinal()] = stats.pagesMigratedToDevice() * PAGE_BYTES / copyToDeviceGBps
                + stats.pagesMigratedToSystem() * PAGE_BYTES / copyToSystemGBps;
        ns[CostComponent.MIGRATE.ordinal()] =
                (stats.pagesMigratedToDevice() + stats.pagesMigratedToSystem()) * migrateNsPerPage;
        ns[CostComponent.QUEUE.ordinal()] =
                stats.queueEvictions() * queueEvictionNs + stats.queueRestores() * queueRestoreNs;
        return new DeviceTime(name, ns);
    }
}

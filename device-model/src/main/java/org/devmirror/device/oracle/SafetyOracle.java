package org.devmirror.device.oracle;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.VA_LIMIT;

import java.util.function.LongPredicate;
import org.devmirror.device.Dmirror;
import org.devmirror.device.driver.CpuMapping;
import org.devmirror.device.driver.DeviceWriteLog;
import org.devmirror.device.driver.MirrorState;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.tlb.DeviceTlb;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Pagemap;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * devmirror's security property, checked: every translation a device holds is one the CPU page
 * table still justifies. A stale device translation lets the device read or write a frame the host
 * has freed or given to someone else — a use-after-free across the PCIe bus.
 *
 * <p>For every valid device PTE (each 4 KiB page of a 2 MiB leaf separately) the oracle checks:
 * <ul>
 *   <li>a VMA with read permission contains the address (nothing is mapped the CPU unmapped);</li>
 *   <li>a system-page entry names the frame the CPU maps there (present and readable), or — only
 *       with ATOMIC — the frame of the CPU's device-exclusive entry; a plain entry over a
 *       device-exclusive CPU entry and an ATOMIC entry over anything else are violations;</li>
 *   <li>a device-private entry names the device page of the CPU's device-private entry, with
 *       REMOTE exactly when another device owns it;</li>
 *   <li>WRITE only where the CPU grants write: the CPU entry is writable, or — for a private
 *       anonymous page mapped once and referenced once in a writable VMA — a CPU write fault would
 *       make this same frame writable in place ({@code wp_page_reuse},
 *       asked of the host with {@link AddressSpace#writeWouldReuse}). The second case covers
 *       soft-dirty tracking, which write-protects CPU entries without taking access away ("same
 *       page and same access flags", the kernel-doc of MMU_NOTIFIER_SOFT_DIRTY); a page shared
 *       copy-on-write after fork never qualifies;</li>
 *   <li>the address lies in a live tracked range (or no later invalidation would reach it);</li>
 * </ul>
 * and every cached TLB entry equals the page-table entry it caches, or that entry without WRITE and
 * ATOMIC (a permission upgrade the TLB has not seen: it allows less). A page in a range a queue
 * eviction left stale ({@code MirrorActions.evictQueues}) is not checked while the eviction keeps
 * the device's queues stopped: the device runs nothing then, and the restore re-validates the page
 * before it runs again. The WRITE check covers every
 * state in which the host takes write away without taking the page (soft-dirty clearing,
 * userfaultfd write-protect, NUMA-hinting PROT_NONE, fork's COW): it asks the host's own view, the
 * CPU entry and {@code writeWouldReuse}, so a new such state is covered as soon as the host models it.
 *
 * <p>userfaultfd write-protect: no device write landed in a page whose CPU entry carried the
 * uffd-wp bit at the moment of the write (recorded by the write itself, reported once).
 *
 * <p>Soft-dirty completeness: every page the device wrote since the last clear_refs reached it
 * (the mirror's {@link org.devmirror.device.driver.DeviceWriteLog}) whose CPU entry still names the
 * page written reads soft-dirty in the host's pagemap ({@code PM_SOFT_DIRTY}, bit 55). A page replaced since (copy-on-write, migration, reclaim and swap-in,
 * an unmap) is not checked: the bytes the device wrote are not what the CPU maps there now. A
 * page every write reached through an entry on which no fault marks it (the device's own
 * device-private page, or a writable entry clear_refs left clean: {@code DeviceWriteLog}) is
 * the kernel's loss, not the driver's, when the policy does not mark soft-dirty itself, as no
 * real driver can ({@code InvalidationPolicy.marksDeviceMemorySoftDirty}): it is reported as a
 * kernel finding. A policy that marks is held to every page.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Call at a quiescent point: no host operation, device fault or command in flight on the mirror's
 * address space (for example after the workload threads joined). The oracle takes the mmap read
 * lock and then the driver lock, so it is also safe, though not meaningful, to call at other times.
 * It changes nothing (TLB counters included), except that it reports each recorded write into a
 * write-protected page once.
 *
 * <h2>Locking</h2>
 * mmap read lock, then the driver lock, as the fault path orders them.
 */
public final class SafetyOracle {
    private SafetyOracle() {}

    /** Checks {@code mirror}'s device page table and TLB against its address space. */
    public static OracleReport check(Dmirror mirror) {
        return check(mirror.driver(), mirror.device()::ownsPfn);
    }

    /**
     * Checks a mirror's driver state against its address space; for driver authors who build a
     * {@link MirrorState} without {@code Dmirror}.
     *
     * @param localDevicePfn true for device-private PFNs owned by the mirror's own device
     */
    public static OracleReport check(MirrorState driver, LongPredicate localDevicePfn) {
        AddressSpace mm = driver.mm();
        OracleReport.Builder report = new OracleReport.Builder(driver.toString());
        mm.mmapReadLock();
        try {
            driver.lock().lock();
            try {
                checkPageTable(driver, localDevicePfn, report);
                checkTlb(driver, report);
                checkSoftDirty(driver, report);
                driver.writeLog().drainWriteProtectKernelFindings(report::kernelFinding);
                long wp = driver.writeLog().drainWriteProtectViolations(report::violation);
                for (long i = DeviceWriteLog.DESCRIBED_WRITES; i < wp; i++) {
                    report.violation("a further device write into a userfaultfd write-protected page");
                }
            } finally {
                driver.lock().unlock();
            }
        } finally {
            mm.mmapReadUnlock();
        }
        return report.build();
    }

    private static void checkPageTable(MirrorState driver, LongPredicate local, OracleReport.Builder report) {
        DevicePageTable pt = driver.pageTable();
        for (long va = pt.nextPopulated(0, VA_LIMIT); va < VA_LIMIT; ) {
            long dev = pt.get(va);
            checkPage(driver, local, va, dev, report);
            long next = va + PAGE_SIZE;
            if (next >= VA_LIMIT) {
                break;
            }
            va = pt.nextPopulated(next, VA_LIMIT);
        }
    }

    private static void checkPage(
            MirrorState driver, LongPredicate local, long va, long dev, OracleReport.Builder report) {
        report.checked(1);
        if (driver.queuesStopped() && driver.isEvicted(va)) {
            return; // a queue eviction stopped the device: it uses nothing until the restore re-validates this page
        }
        AddressSpace mm = driver.mm();
        Vma vma = mm.findVma(va);
        if (vma == null) {
            report.violation(where(va, dev) + ": the CPU has no VMA here (unmapped)");
            return;
        }
        if ((vma.prot() & Prot.READ) == 0) {
            report.violation(where(va, dev) + ": the VMA is " + Prot.toString(vma.prot()));
            return;
        }
        if (!driver.isTracked(va)) {
            report.violation(where(va, dev) + ": outside every tracked range, no invalidation would reach it");
        }
        CpuPageTable cpuPt = mm.pageTable();
        long cpu = cpuPt.get(va);
        long page = CpuMapping.pageAt(cpu, va);
        long devPage = DevicePteLayout.pfnAt(dev, va);
        if (DevicePteLayout.isDevicePrivate(dev)) {
            if (!PteLayout.isDevicePrivate(cpu) || page != devPage) {
                report.violation(where(va, dev) + ": stale device-private page, " + cpuDesc(cpu));
                return;
            }
            if (DevicePteLayout.isRemote(dev) == local.test(devPage)) {
                report.violation(where(va, dev) + ": REMOTE is " + DevicePteLayout.isRemote(dev) + " for a page of "
                        + (local.test(devPage) ? "this" : "another") + " device");
            }
        } else if (DevicePteLayout.isAtomic(dev)) {
            if (!PteLayout.isDeviceExclusive(cpu) || page != devPage) {
                report.violation(where(va, dev) + ": ATOMIC without the CPU's device-exclusive entry, " + cpuDesc(cpu));
                return;
            }
        } else {
            if (PteLayout.isDeviceExclusive(cpu)) {
                report.violation(where(va, dev) + ": maps a page held exclusively for an atomic, " + cpuDesc(cpu));
                return;
            }
            if (!PteLayout.isRead(cpu) || page != devPage) {
                report.violation(where(va, dev) + ": stale translation, " + cpuDesc(cpu));
                return;
            }
        }
        if (DevicePteLayout.isWrite(dev)) {
            boolean vmaWrite = (vma.prot() & Prot.WRITE) != 0;
            // A read-only CPU entry still justifies a device WRITE when the CPU's own write would
            // land in the same frame (soft-dirty clearing write-protects exclusive pages only to
            // catch the next write): no other mapping can see the device's bytes.
            boolean cpuWrite =
                    CpuMapping.grantsWrite(cpu) || (!DevicePteLayout.isDevicePrivate(dev) && mm.writeWouldReuse(va));
            if (!cpuWrite || (!DevicePteLayout.isDevicePrivate(dev) && !vmaWrite)) {
                report.violation(where(va, dev) + ": WRITE where the CPU grants only read, " + cpuDesc(cpu) + ", VMA "
                        + Prot.toString(vma.prot()));
            }
        }
    }

    // Descriptions are built only for violations: a clean check allocates no strings.
    private static String where(long va, long dev) {
        return "va=0x" + Long.toHexString(va) + " (" + DevicePteLayout.describe(dev) + ")";
    }

    private static String cpuDesc(long cpu) {
        return "CPU " + PteLayout.describe(cpu);
    }

    private static void checkSoftDirty(MirrorState driver, OracleReport.Builder report) {
        if (driver.isReleased()) {
            return; // the address space is gone, and its page table with it: nothing reads pagemap
        }
        AddressSpace mm = driver.mm();
        CpuPageTable cpuPt = mm.pageTable();
        boolean marks = driver.policy().marksDeviceMemorySoftDirty();
        driver.writeLog().forEach((va, page, lostByKernel) -> {
            report.checked(1);
            long cpu = cpuPt.get(va);
            if (pageNamed(cpu, va) != page || (mm.pagemap(va, false) & Pagemap.SOFT_DIRTY) != 0) {
                return;
            }
            if (lostByKernel && !marks) {
                // No fault to take and no helper to call: the driver this policy models cannot see it.
                report.kernelFinding("va=0x" + Long.toHexString(va) + ": pagemap reports page 0x"
                        + Long.toHexString(page) + " clean, which the device wrote since the last clear_refs"
                        + " through a device-private or writable, clean CPU entry (no fault marks it, and the"
                        + " kernel exports no helper to mark it)");
            } else {
                report.violation("va=0x" + Long.toHexString(va) + ": the device wrote page 0x" + Long.toHexString(page)
                        + " since the last clear_refs, but the CPU entry is not soft-dirty (" + cpuDesc(cpu)
                        + "): pagemap reports the page clean");
            }
        });
    }

    /** The page a CPU entry names at {@code va}, whatever its access: present (PROT_NONE too), device-private or exclusive. */
    private static long pageNamed(long cpu, long va) {
        if (!PteLayout.isPresent(cpu) && !PteLayout.isDevicePrivate(cpu) && !PteLayout.isDeviceExclusive(cpu)) {
            return CpuMapping.NO_PAGE;
        }
        return PteLayout.pfn(cpu) + (PteLayout.isHuge(cpu) ? (va >>> 12) & 511 : 0);
    }

    private static void checkTlb(MirrorState driver, OracleReport.Builder report) {
        DeviceTlb tlb = driver.tlb();
        DevicePageTable pt = driver.pageTable();
        for (int slot = 0; slot < tlb.capacity(); slot++) {
            long page = tlb.cachedPage(slot);
            if (page < 0) {
                continue;
            }
            report.checked(1);
            long cached = tlb.cachedEntry(slot);
            long current = pt.get(page);
            // A cached entry that lacks only WRITE/ATOMIC the table has is a permission upgrade not
            // yet seen by the TLB: it allows less, and a write through it re-walks (retranslate).
            if (cached != current && cached != DevicePteLayout.withWrite(current, false)) {
                report.violation("TLB va=0x" + Long.toHexString(page) + " caches " + DevicePteLayout.describe(cached)
                        + ", the page table has " + DevicePteLayout.describe(current));
            }
        }
    }
}

package org.devmirror.device;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SHIFT;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.VA_LIMIT;

import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.MirrorState;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;

/**
 * Models {@code struct dmirror} (lib/test_hmm.c): one device mirroring one address space, and the
 * commands of its file ({@code HMM_DMIRROR_READ}, {@code _WRITE}, {@code _MIGRATE_TO_DEV},
 * {@code _MIGRATE_TO_SYS}, {@code _SNAPSHOT}, {@code _EXCLUSIVE}, {@code _CHECK_EXCLUSIVE},
 * {@code _RELEASE}) plus a device atomic. The driver state — device page table, TLB, driver lock,
 * tracked ranges, policy, statistics — is its {@link MirrorState}.
 *
 * <p>Commands take a page-aligned address and a page count, like {@code struct hmm_dmirror_cmd},
 * and report {@link DeviceCommand}: the kernel's return value, {@code cpages} and {@code faults}.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Thread-safe: any thread may issue commands while others change the address space; the
 *       caller holds no lock of this mirror or of the address space.</li>
 *   <li>Misuse (an unaligned address, a count below 1, a range beyond the user address space, a
 *       buffer too short) throws {@link IllegalArgumentException} and nothing changes. Outcomes the
 *       kernel reports as errors are {@link Errno} values.</li>
 *   <li>After the address space exits the commands return {@link Errno#EINVAL} (or EFAULT for
 *       accesses), as {@code mmget_not_zero} failing does.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * See {@link MirrorState}: device data is copied under the driver lock; faults and migrations take
 * the mmap lock first.
 */
public final class Dmirror implements AutoCloseable {
    private final DmirrorDevice device;
    private final AddressSpace mm;
    private final MirrorState driver;

    Dmirror(DmirrorDevice device, AddressSpace mm, MirrorOptions options, int id) {
        this.device = device;
        this.mm = mm;
        this.driver = new MirrorState(
                mm, device, device::ownsPfn, () -> device.memory().usedPages(), options, id);
    }

    /** The device. */
    public DmirrorDevice device() {
        return device;
    }

    /** The address space mirrored. */
    public AddressSpace mm() {
        return mm;
    }

    /** The driver state. */
    public MirrorState driver() {
        return driver;
    }

    /** The mirror's id. */
    public int id() {
        return driver.id();
    }

    /** The invalidation policy. */
    public InvalidationPolicy policy() {
        return driver.policy();
    }

    /** The statistics. */
    public DeviceStats stats() {
        return driver.stats();
    }

    /** The device page table (read it under {@link #lock()} or at a quiescent point). */
    public DevicePageTable pageTable() {
        return driver.pageTable();
    }

    /** The driver lock. */
    public ReentrantLock lock() {
        return driver.lock();
    }

    /** The device PTE for {@code va} (page table, not TLB), read under the driver lock; 0 if none. */
    public long entry(long va) {
        driver.lock().lock();
        try {
            return driver.pageTable().get(va);
        } finally {
            driver.lock().unlock();
        }
    }

    /** The tracked ranges as {@code [start0, end0, start1, end1, ...]}. */
    public long[] trackedIntervals() {
        return driver.trackedIntervals();
    }

    /**
     * Runs the driver's garbage collector now ({@link MirrorState#collectGarbage()}): tracked
     * ranges that UNMAP or RELEASE marked are split or removed. It also runs at the start of every
     * device fault. The caller holds no lock.
     */
    public void collectGarbage() {
        driver.collectGarbage();
    }

    /** Whether {@code va} is tracked. */
    public boolean isTracked(long va) {
        return driver.isTracked(va);
    }

    /**
     * Device fault over {@code npages} pages at {@code addr}, writable if {@code write}
     * ({@code dmirror_fault}).
     */
    public Errno fault(long addr, int npages, boolean write) {
        long end = checkRange(addr, npages);
        return driver.fault(addr, end, write);
    }

    /** {@code HMM_DMIRROR_READ}: copies the pages into {@code dst}, faulting as needed. */
    public DeviceCommand read(long addr, int npages, byte[] dst) {
        checkRange(addr, npages);
        checkBuffer("dst", dst, npages);
        return DeviceAccess.read(this, addr, npages, dst);
    }

    /** {@code HMM_DMIRROR_WRITE}: copies {@code src} into the pages, faulting for write as needed. */
    public DeviceCommand write(long addr, int npages, byte[] src) {
        checkRange(addr, npages);
        checkBuffer("src", src, npages);
        return DeviceAccess.write(this, addr, npages, src);
    }

    /**
     * A device atomic: adds {@code delta} to every 8-byte word of the pages through ATOMIC entries,
     * acquiring exclusive access (one fault round) where the device lacks it.
     */
    public DeviceCommand atomicAdd(long addr, int npages, long delta) {
        checkRange(addr, npages);
        return DeviceAccess.atomicAdd(this, addr, npages, delta);
    }

    /** {@code HMM_DMIRROR_SNAPSHOT}: one {@link SnapshotProt} byte per page into {@code prot}. */
    public DeviceCommand snapshot(long addr, int npages, byte[] prot) {
        checkRange(addr, npages);
        if (prot == null || prot.length < npages) {
            throw new IllegalArgumentException(
                    "prot.length=" + (prot == null ? "null" : prot.length) + " is below npages=" + npages);
        }
        driver.restoreQueues(); // the device runs nothing while an eviction stopped its queues
        return DeviceSnapshot.snapshot(this, addr, npages, prot);
    }

    /**
     * {@code HMM_DMIRROR_MIGRATE_TO_DEV}: moves the pages to device memory; the result's page count
     * is the pages the device then maps as its own, ENOENT if some did not move, EINVAL for a hole or
     * a VMA without read permission.
     */
    public DeviceCommand migrateToDevice(long addr, int npages) {
        long end = checkRange(addr, npages);
        driver.restoreQueues(); // the device runs nothing while an eviction stopped its queues
        return DeviceMigration.toDevice(this, addr, end);
    }

    /** {@code HMM_DMIRROR_MIGRATE_TO_SYS}: moves this device's pages in the range back to system memory. */
    public DeviceCommand migrateToSystem(long addr, int npages) {
        long end = checkRange(addr, npages);
        driver.restoreQueues(); // the device runs nothing while an eviction stopped its queues
        return DeviceMigration.toSystem(this, addr, end);
    }

    /** {@code HMM_DMIRROR_EXCLUSIVE}: exclusive (atomic) access to every page; cpages = pages granted. */
    public DeviceCommand exclusive(long addr, int npages) {
        long end = checkRange(addr, npages);
        driver.restoreQueues(); // the device runs nothing while an eviction stopped its queues
        Errno r = DeviceExclusive.acquire(this, addr, end);
        return new DeviceCommand(r, r == Errno.OK ? npages : 0, 0);
    }

    /** {@code HMM_DMIRROR_CHECK_EXCLUSIVE}: EPERM while any page of the range is still ATOMIC. */
    public Errno checkExclusive(long addr, int npages) {
        long end = checkRange(addr, npages);
        driver.restoreQueues(); // the device runs nothing while an eviction stopped its queues
        return DeviceExclusive.check(this, addr, end);
    }

    /**
     * {@code HMM_DMIRROR_RELEASE} ({@code dmirror_device_remove_chunks}): evicts every page of this
     * device's memory, in whichever address space maps it, back to system memory by page frame
     * number ({@code migrate_device_range}: a CLEAR per mapping). cpages = pages moved, a 2 MiB
     * folio counting 512 (test_hmm leaves cpages 0; devmirror reports the work done).
     */
    public DeviceCommand release() {
        driver.restoreQueues(); // the device runs nothing while an eviction stopped its queues
        return new DeviceCommand(
                Errno.OK, DeviceEviction.evict(device, driver.policy().marksDeviceMemorySoftDirty()), 0);
    }

    /**
     * Closes the mirror ({@code dmirror_fops_release}): stops tracking, frees the page table, then
     * evicts every page of the device's memory back to system memory, as test_hmm does on every
     * close of a device file.
     */
    @Override
    public void close() {
        boolean marks = driver.policy().marksDeviceMemorySoftDirty();
        driver.close();
        device.closed(this);
        DeviceEviction.evict(device, marks);
    }

    @Override
    public String toString() {
        return driver.toString();
    }

    private static long checkRange(long addr, int npages) {
        if ((addr & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("addr=0x" + Long.toHexString(addr) + " is not page aligned");
        }
        if (addr < 0) {
            throw new IllegalArgumentException("addr=0x" + Long.toHexString(addr)
                    + " is outside the user address space [0, 0x" + Long.toHexString(VA_LIMIT) + ")");
        }
        if (npages < 1) {
            throw new IllegalArgumentException("npages=" + npages + " is below 1");
        }
        long end = addr + ((long) npages << PAGE_SHIFT);
        if (end > VA_LIMIT) {
            throw new IllegalArgumentException("addr=0x" + Long.toHexString(addr) + " npages=" + npages
                    + " ends beyond the user address space 0x" + Long.toHexString(VA_LIMIT));
        }
        return end;
    }

    private static void checkBuffer(String name, byte[] buf, int npages) {
        long need = (long) npages << PAGE_SHIFT;
        if (buf == null || buf.length < need) {
            throw new IllegalArgumentException(
                    name + ".length=" + (buf == null ? "null" : buf.length) + " is below npages*4096=" + need);
        }
    }
}

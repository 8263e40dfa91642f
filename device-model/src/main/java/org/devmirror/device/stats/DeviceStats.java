package org.devmirror.device.stats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * The counters a mirroring driver keeps about its device, per {@link MmuNotifierEvent} (indexed by
 * {@link MmuNotifierEvent#ordinal()}): invalidations received, PTEs zapped, PTEs re-read from the
 * CPU page table, PTEs downgraded, invalidations skipped, TLB flushes and non-blockable
 * invalidations refused; plus device faults, fault retries, pages faulted (and the 2 MiB leaves
 * among them), user-queue evictions and restores, and pages migrated in each direction. Modelled on the
 * counters real drivers export (Xe's {@code SVM_TLB_INVAL_COUNT}, mlx5 ODP's
 * {@code invalidations}/{@code faults}).
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Every writer except {@link #addRefused}, {@link #addIgnored}, {@link #addMigratedToDevice}
 *       and {@link #addMigratedToSystem} holds the owning mirror's
 *       driver lock; the writers allocate nothing.</li>
 *   <li>{@link #invalidations} and {@link #skipped} include the invalidations the policy ignored
 *       before the lock ({@link #ignored}), so every reader sees one total whichever path an
 *       invalidation took.</li>
 *   <li>Readers see exact values at a quiescent point (after the threads driving the mirror have
 *       joined) or under the driver lock; a concurrent reader may see a value a few updates
 *       old.</li>
 *   <li>{@link #snapshot} is such a reader, and gives an instance no driver owns: a reading to
 *       sum ({@link #add}) over mirrors or subtract ({@link #minus}) from a later reading, which is
 *       how tools count what one operation made the devices do. Those two allocate (a snapshot is a
 *       new instance), so they belong outside hot paths.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * The per-event arrays and fault counters are plain fields guarded by the driver lock. The
 * refusal and ignore counters are {@link AtomicLongArray}s: a refusal is counted precisely when the
 * lock could not be taken, and an ignored invalidation precisely because it does not take the lock
 * (host threads may invalidate one mirror concurrently, so a plain increment could lose counts).
 * The migration counters are {@link AtomicLong}s: a CPU fault migrates pages back to system memory
 * ({@code migrate_to_ram}) without any driver lock.
 */
@SuppressWarnings(
        "EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices
// never leave the process
public final class DeviceStats {
    private static final int EVENTS = MmuNotifierEvent.COUNT;

    // All guarded by the driver lock; index = MmuNotifierEvent.ordinal().
    private final long[] invalidations = new long[EVENTS];
    private final long[] zapped = new long[EVENTS];
    private final long[] reread = new long[EVENTS];
    private final long[] downgraded = new long[EVENTS];
    private final long[] skipped = new long[EVENTS];
    private final long[] tlbFlushes = new long[EVENTS];
    /** Non-blockable invalidations refused because the driver lock was contended; lock-free. */
    private final AtomicLongArray refused = new AtomicLongArray(EVENTS);
    /** Invalidations the policy ignored without the driver lock (InvalidationPolicy.ignores); lock-free. */
    private final AtomicLongArray ignored = new AtomicLongArray(EVENTS);
    // Fault path, guarded by the driver lock.
    private long deviceFaults;
    private long faultRetries;
    private long pagesFaulted;
    private long faultErrors;
    /** Faulted pages that the device mapped with 2 MiB leaves, counted in leaves (a part of {@link #pagesFaulted}). */
    private long hugeLeavesFaulted;
    // Queue eviction (amdkfd with XNACK off), guarded by the driver lock.
    private long queueEvictions;
    private long queueRestores;
    /**
     * Pages migrated to device memory and back to system memory, in 4 KiB pages; lock-free: the
     * CPU fault that migrates a page back ({@code migrate_to_ram}) holds no driver lock.
     */
    private final AtomicLong migratedToDevice = new AtomicLong();

    private final AtomicLong migratedToSystem = new AtomicLong();

    /** Statistics of a mirror that has handled nothing yet: every counter 0. */
    public DeviceStats() {}

    /** An invalidation reached the mirror (its policy ran). */
    public void addInvalidation(int event) {
        invalidations[event]++;
    }

    /** {@code n} device PTEs were cleared. */
    public void addZapped(int event, long n) {
        zapped[event] += n;
    }

    /** {@code n} device PTEs were re-read from the CPU page table. */
    public void addReread(int event, long n) {
        reread[event] += n;
    }

    /** {@code n} device PTEs lost WRITE/ATOMIC in place. */
    public void addDowngraded(int event, long n) {
        downgraded[event] += n;
    }

    /** The policy skipped the invalidation. */
    public void addSkipped(int event) {
        skipped[event]++;
    }

    /** One ranged TLB flush. */
    public void addTlbFlush(int event) {
        tlbFlushes[event]++;
    }

    /** A non-blockable invalidation was refused (-EAGAIN); callable without the driver lock. */
    public void addRefused(int event) {
        refused.incrementAndGet(event);
    }

    /**
     * The policy ignored an invalidation before the driver lock was taken: counted as one
     * invalidation received and one skipped. Callable without the driver lock; allocates nothing.
     */
    public void addIgnored(int event) {
        ignored.getAndIncrement(event); // atomic read-modify-write: concurrent host threads may ignore at once
    }

    /** A device fault committed {@code pages} pages after {@code retries} collisions or -EBUSY rounds. */
    public void addFault(long retries, long pages) {
        addFault(retries, pages, 0);
    }

    /**
     * A device fault committed {@code pages} pages after {@code retries} collisions or -EBUSY rounds,
     * {@code hugeLeaves} 2 MiB leaves among them (each one PMD-level entry standing for 512 of the
     * pages).
     */
    public void addFault(long retries, long pages, long hugeLeaves) {
        deviceFaults++;
        faultRetries += retries;
        pagesFaulted += pages;
        hugeLeavesFaulted += hugeLeaves;
    }

    /** {@code pages} 4 KiB pages were copied into device memory by a migration; callable without the driver lock. */
    public void addMigratedToDevice(long pages) {
        migratedToDevice.addAndGet(pages);
    }

    /** {@code pages} 4 KiB pages were copied back to system memory by a migration; callable without the driver lock. */
    public void addMigratedToSystem(long pages) {
        migratedToSystem.addAndGet(pages);
    }

    /** A device fault ended in an error after {@code retries} retries. */
    public void addFaultError(long retries) {
        faultErrors++;
        faultRetries += retries;
    }

    /**
     * The device's user queues were stopped so that its page tables could stay stale
     * ({@code kgd2kfd_quiesce_mm} on the first eviction of a burst, amdkfd SVM with XNACK off).
     */
    public void addQueueEviction() {
        queueEvictions++;
    }

    /**
     * The restore worker re-validated what an eviction burst left stale and restarted the queues
     * ({@code svm_range_restore_work}).
     */
    public void addQueueRestore() {
        queueRestores++;
    }

    /**
     * Times the device's queues were stopped by a queue eviction.
     *
     * @return the count
     */
    public long queueEvictions() {
        return queueEvictions;
    }

    /**
     * Times the restore worker re-validated evicted ranges and restarted the queues.
     *
     * @return the count
     */
    public long queueRestores() {
        return queueRestores;
    }

    /** Invalidations of {@code event} that reached the policy, including those it ignored before the lock. */
    public long invalidations(MmuNotifierEvent event) {
        return invalidations[event.ordinal()] + ignored.get(event.ordinal());
    }

    /** Device PTEs zapped for {@code event}. */
    public long ptesZapped(MmuNotifierEvent event) {
        return zapped[event.ordinal()];
    }

    /** Device PTEs re-read from the CPU page table for {@code event}. */
    public long ptesReread(MmuNotifierEvent event) {
        return reread[event.ordinal()];
    }

    /** Device PTEs downgraded for {@code event}. */
    public long ptesDowngraded(MmuNotifierEvent event) {
        return downgraded[event.ordinal()];
    }

    /** Invalidations of {@code event} the policy skipped, under the lock or ignored before it. */
    public long skipped(MmuNotifierEvent event) {
        return skipped[event.ordinal()] + ignored.get(event.ordinal());
    }

    /** Invalidations of {@code event} the policy ignored before the driver lock (a part of {@link #skipped}). */
    public long ignored(MmuNotifierEvent event) {
        return ignored.get(event.ordinal());
    }

    /** Ranged TLB flushes issued for {@code event}. */
    public long tlbFlushes(MmuNotifierEvent event) {
        return tlbFlushes[event.ordinal()];
    }

    /** Non-blockable invalidations of {@code event} refused. */
    public long refused(MmuNotifierEvent event) {
        return refused.get(event.ordinal());
    }

    /** Device faults that committed PTEs. */
    public long deviceFaults() {
        return deviceFaults;
    }

    /** Fault rounds restarted (range fault -EBUSY, or readRetry true under the lock). */
    public long faultRetries() {
        return faultRetries;
    }

    /** Pages whose PTEs device faults committed. */
    public long pagesFaulted() {
        return pagesFaulted;
    }

    /** Device faults that returned an error (EFAULT, EPERM, ENOMEM, timeout EBUSY). */
    public long faultErrors() {
        return faultErrors;
    }

    /** 2 MiB leaves device faults committed; each stands for 512 of {@link #pagesFaulted}. */
    public long hugeLeavesFaulted() {
        return hugeLeavesFaulted;
    }

    /** 4 KiB pages migrations copied into device memory. */
    public long pagesMigratedToDevice() {
        return migratedToDevice.get();
    }

    /** 4 KiB pages migrations copied back to system memory. */
    public long pagesMigratedToSystem() {
        return migratedToSystem.get();
    }

    /** Sum over events of {@link #invalidations}. */
    public long totalInvalidations() {
        return sum(invalidations) + sum(ignored);
    }

    /** Sum over events of {@link #ptesZapped}. */
    public long totalZapped() {
        return sum(zapped);
    }

    /** Sum over events of {@link #tlbFlushes}. */
    public long totalTlbFlushes() {
        return sum(tlbFlushes);
    }

    /**
     * Sum over events of {@link #ptesReread}.
     *
     * @return the sum
     */
    public long totalReread() {
        return sum(reread);
    }

    /**
     * Sum over events of {@link #ptesDowngraded}.
     *
     * @return the sum
     */
    public long totalDowngraded() {
        return sum(downgraded);
    }

    /**
     * Sum over events of {@link #skipped}, the ignored invalidations included.
     *
     * @return the sum
     */
    public long totalSkipped() {
        return sum(skipped) + sum(ignored);
    }

    /**
     * Sum over events of {@link #refused}.
     *
     * @return the sum
     */
    public long totalRefused() {
        return sum(refused);
    }

    /**
     * A copy of every counter, owned by no driver. Call under the driver lock or at a quiescent
     * point, like any reader.
     *
     * @return a new instance holding this one's counts
     */
    public DeviceStats snapshot() {
        return new DeviceStats().add(this);
    }

    /**
     * Adds every counter of {@code other} to this instance; returns {@code this}. For a
     * {@link #snapshot} (a sum over mirrors), never a live mirror's counters: it writes without
     * the driver lock.
     *
     * @param other the counters to add (read like any reader: under their driver lock or at a quiescent point)
     * @return {@code this}
     */
    public DeviceStats add(DeviceStats other) {
        for (int e = 0; e < EVENTS; e++) {
            invalidations[e] += other.invalidations[e];
            zapped[e] += other.zapped[e];
            reread[e] += other.reread[e];
            downgraded[e] += other.downgraded[e];
            skipped[e] += other.skipped[e];
            tlbFlushes[e] += other.tlbFlushes[e];
            refused.addAndGet(e, other.refused.get(e));
            ignored.addAndGet(e, other.ignored.get(e));
        }
        deviceFaults += other.deviceFaults;
        faultRetries += other.faultRetries;
        pagesFaulted += other.pagesFaulted;
        faultErrors += other.faultErrors;
        hugeLeavesFaulted += other.hugeLeavesFaulted;
        queueEvictions += other.queueEvictions;
        queueRestores += other.queueRestores;
        migratedToDevice.addAndGet(other.migratedToDevice.get());
        migratedToSystem.addAndGet(other.migratedToSystem.get());
        return this;
    }

    /**
     * A new instance holding {@code this - earlier}, counter by counter: the work done since
     * {@code earlier} was read.
     *
     * @param earlier an earlier {@link #snapshot} of the same counters
     * @return the difference
     */
    public DeviceStats minus(DeviceStats earlier) {
        DeviceStats d = snapshot();
        for (int e = 0; e < EVENTS; e++) {
            d.invalidations[e] -= earlier.invalidations[e];
            d.zapped[e] -= earlier.zapped[e];
            d.reread[e] -= earlier.reread[e];
            d.downgraded[e] -= earlier.downgraded[e];
            d.skipped[e] -= earlier.skipped[e];
            d.tlbFlushes[e] -= earlier.tlbFlushes[e];
            d.refused.addAndGet(e, -earlier.refused.get(e));
            d.ignored.addAndGet(e, -earlier.ignored.get(e));
        }
        d.deviceFaults -= earlier.deviceFaults;
        d.faultRetries -= earlier.faultRetries;
        d.pagesFaulted -= earlier.pagesFaulted;
        d.faultErrors -= earlier.faultErrors;
        d.hugeLeavesFaulted -= earlier.hugeLeavesFaulted;
        d.queueEvictions -= earlier.queueEvictions;
        d.queueRestores -= earlier.queueRestores;
        d.migratedToDevice.addAndGet(-earlier.migratedToDevice.get());
        d.migratedToSystem.addAndGet(-earlier.migratedToSystem.get());
        return d;
    }

    /** Zeroes every counter; call under the driver lock or at a quiescent point. */
    public void reset() {
        for (int e = 0; e < EVENTS; e++) {
            invalidations[e] = 0;
            zapped[e] = 0;
            reread[e] = 0;
            downgraded[e] = 0;
            skipped[e] = 0;
            tlbFlushes[e] = 0;
            refused.set(e, 0);
            ignored.set(e, 0);
        }
        deviceFaults = 0;
        faultRetries = 0;
        pagesFaulted = 0;
        faultErrors = 0;
        hugeLeavesFaulted = 0;
        queueEvictions = 0;
        queueRestores = 0;
        migratedToDevice.set(0);
        migratedToSystem.set(0);
    }

    /** A table, one row per event, for the demo and test failures. */
    public String format() {
        StringBuilder sb = new StringBuilder(String.format(
                "%-16s %8s %8s %8s %8s %8s %8s %8s%n",
                "event", "inval", "zapped", "reread", "downgr", "skipped", "flushes", "refused"));
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            sb.append(String.format(
                    "%-16s %8d %8d %8d %8d %8d %8d %8d%n",
                    e,
                    invalidations(e),
                    ptesZapped(e),
                    ptesReread(e),
                    ptesDowngraded(e),
                    skipped(e),
                    tlbFlushes(e),
                    refused(e)));
        }
        sb.append(String.format(
                "faults=%d retries=%d pages=%d errors=%d%n", deviceFaults, faultRetries, pagesFaulted, faultErrors));
        sb.append(String.format(
                "hugeLeaves=%d queueEvictions=%d queueRestores=%d migratedToDevice=%d migratedToSystem=%d%n",
                hugeLeavesFaulted, queueEvictions, queueRestores, migratedToDevice.get(), migratedToSystem.get()));
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    private static long sum(AtomicLongArray a) {
        long s = 0;
        for (int e = 0; e < a.length(); e++) {
            s += a.get(e);
        }
        return s;
    }
}

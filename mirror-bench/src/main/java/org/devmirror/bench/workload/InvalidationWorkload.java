package org.devmirror.bench.workload;

import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceMirror;
import org.devmirror.device.MirrorDevice;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.devmirror.notifier.MmuNotifierSubscriptions;

/**
 * The invalidation hot path: the host raising one invalidation of a mirrored, tracked range
 * through the notifier core ({@link MmuNotifierSubscriptions#invalidateRangeStart} and
 * {@link MmuNotifierSubscriptions#invalidateRangeEnd}, with a reused {@link MmuNotifierRange})
 * until the device has done its work for it. The host's own page-table change is not part of
 * it: the CPU page table is left as it was, which is what lets the state be restored cheaply.
 *
 * <p>{@code regions} regions of one size, each mirrored by its own {@link DeviceMirror} (a
 * RELEASE retires its mirror for good, so each region needs one it can lose). Region {@code k}
 * spans {@code size} bytes; 4 KiB, 64 KiB and 2 MiB regions are populated in full, a 1 GiB region
 * sparsely: its first page of every 2 MiB (512 pages, the PTE count of a full 2 MiB). With
 * {@code populated=false} the device has tracked the region but holds no PTE in it (it faulted it,
 * then a CLEAR zapped it). THP is off, so the device maps 4 KiB entries: a 2 MiB range is 512 PTEs.
 *
 * <p>Per event: PROTECTION_VMA finds the VMA read-only (the device PTEs were faulted read-only),
 * so the event-aware policy downgrades, walking every PTE and changing none; it is raised under
 * the mmap write lock, as mprotect holds it, because the policy reads the VMA's protection
 * ({@code DeviceActions.vmaProt} answers "no access" without it); MIGRATE and EXCLUSIVE carry
 * another device's owner, so they are handled as CLEAR (this device's own are skipped like
 * SOFT_DIRTY); RELEASE covers the region only.
 *
 * <p>Two ways back to the armed state. {@link #arm} goes through the driver's own fault path
 * (and reopens a mirror a RELEASE retired); it allocates and is slow, so it runs outside any
 * measurement. {@link #restore} puts back exactly what one invalidation of this event and policy
 * took away, the cheapest way the driver allows: the tracked range through
 * {@code MirrorDriver.ensureTracked} (an interval-tree insert of a pooled range) when the
 * invalidation dropped it, then the armed device PTE values written straight into the device
 * page table under the driver lock when it zapped them. Nothing in it allocates, so a benchmark
 * can time invalidation and restore together and subtract {@link #rewriteOnly}, the PTE writes
 * alone. RELEASE cannot be restored in place.
 *
 * <h2>Assumptions and Guarantees</h2>
 * One thread uses an instance. {@link #invalidate} and {@link #restore} allocate nothing except
 * where the driver itself does (see {@code MirrorDriver}). {@link #restore} is valid only right
 * after {@link #invalidate} of the same region, or when the region is armed.
 */
public final class InvalidationWorkload implements AutoCloseable {
    /**
     * Swap slots of the host: the workload never swaps, and the default (64 Ki slots) makes the
     * host reserve and zero 256 MiB of swap, seconds of setup per workload.
     */
    private static final long NO_SWAP = 1;
    /** Regions per batch of the single-shot benchmarks (RELEASE) and of {@link #invalidateAll}. */
    public static final int REGIONS = 16;
    private static final long PAGE = Host.PAGE_SIZE;
    private static final long CHUNK = Host.PMD_SIZE;
    private static final long BASE = 1L << 40;

    private final MmuNotifierEvent event;
    private final boolean populated;
    private final boolean tracked;
    private final long size;
    private final long stride;
    private final boolean writable;
    /** Whether one invalidation drops the tracked range (restore re-inserts it). */
    private final boolean dropsTracking;
    /** Whether one invalidation zaps the populated PTEs (restore rewrites them). */
    private final boolean zapsPtes;
    private final Host host;
    private final AddressSpace mm;
    private final MirrorDevice device;
    private final MirrorOptions options;
    private final DeviceMirror[] mirrors;
    private final MmuNotifierRange[] ranges;
    /** The armed device PTE of every populated page of region k, in address order; see {@link #arm}. */
    private final long[][] armedPtes;
    private final MmuNotifierSubscriptions subscriptions;
    /** Where {@link #access} copies the pages it reads (up to one 2 MiB range of 4 KiB pages). */
    private final byte[] accessBuffer;
    /** PTE writes the injected work made; the gate's counter sees them. */
    private long injectedWrites;

    /**
     * {@link #InvalidationWorkload(MmuNotifierEvent, String, String, boolean, boolean, boolean, int)}
     * with {@link #REGIONS} regions.
     */
    public InvalidationWorkload(MmuNotifierEvent event, String policy, String sizeLabel, boolean populated,
                                boolean tracked, boolean offHeap) {
        this(event, policy, sizeLabel, populated, tracked, offHeap, REGIONS);
    }

    /**
     * @param event     the event every invalidation carries
     * @param policy    {@code aware}, {@code blind} or a policy class name ({@link PolicyResolver})
     * @param sizeLabel {@code 4K}, {@code 64K}, {@code 2M} or {@code 1G} (sparse)
     * @param populated whether the device holds PTEs in the range
     * @param tracked   whether the device tracks the range at all (false: nothing subscribed there)
     * @param offHeap   the off-heap device page table (true) or the on-heap reference table
     * @param regions   how many separately mirrored regions, 1 to {@link #REGIONS}
     */
    public InvalidationWorkload(MmuNotifierEvent event, String policy, String sizeLabel, boolean populated,
                                boolean tracked, boolean offHeap, int regions) {
        if (regions < 1 || regions > REGIONS) {
            throw new IllegalArgumentException("regions=" + regions + " is not in 1.." + REGIONS);
        }
        this.event = event;
        InvalidationPolicy invalidationPolicy = PolicyResolver.resolve("policy", policy);
        this.size = sizeBytes(sizeLabel);
        this.populated = populated;
        this.tracked = tracked;
        this.stride = 2 * Math.max(size, CHUNK);
        this.writable = event != MmuNotifierEvent.PROTECTION_VMA;
        this.mirrors = new DeviceMirror[regions];
        this.ranges = new MmuNotifierRange[regions];
        this.armedPtes = new long[regions][];
        long pagesPerRegion = pagesPerRegion();
        this.accessBuffer = new byte[(int) (pageStride() == PAGE ? size : PAGE)];
        host = new Host(HostConfig.defaults().withThpEnabled(false).withSwapSlots(NO_SWAP)
                .withFrames(Math.max(4096, 2 * regions * pagesPerRegion)));
        mm = host.newAddressSpace();
        subscriptions = mm.notifiers();
        device = new MirrorDevice(host, 1, 512);
        options = MirrorOptions.defaults().withPolicy(invalidationPolicy)
                .withOffHeapTable(offHeap);
        Object otherOwner = new Object();
        for (int k = 0; k < regions; k++) {
            long a = region(k);
            check(mm.mmap(a, size, writable ? Prot.RW : Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED) == a, "mmap");
            if (!writable) {
                check(mm.mprotect(a, size, Prot.RW) == Errno.OK, "mprotect");
            }
            if (pageStride() == PAGE) {
                check(mm.cpuFill(a, size, (byte) 1) == Errno.OK, "cpuFill");
            } else {
                for (long p = a; p < a + size; p += pageStride()) {
                    check(mm.cpuFill(p, PAGE, (byte) 1) == Errno.OK, "cpuFill");
                }
            }
            if (!writable) {
                check(mm.mprotect(a, size, Prot.READ) == Errno.OK, "mprotect");
            }
            Object owner = event == MmuNotifierEvent.MIGRATE || event == MmuNotifierEvent.EXCLUSIVE ? otherOwner : null;
            ranges[k] = new MmuNotifierRange().init(mm, event, MmuNotifierRange.FLAG_BLOCKABLE, a, a + size, owner);
            armedPtes[k] = new long[populated ? (int) pagesPerRegion : 0];
        }
        arm();
        // What one invalidation takes away depends on the policy, which may be any class: raise
        // one on region 0 outside any measurement and look, then re-arm through the fault path.
        // A RELEASE retires the mirror and cannot be restored in place, so there is nothing to learn.
        boolean probe = tracked && event != MmuNotifierEvent.RELEASE;
        if (probe) {
            raise(ranges[0]);
            mirrors[0].collectGarbage(); // UNMAP and RELEASE only mark; the collector drops the range
        }
        this.dropsTracking = probe && !mirrors[0].isTracked(region(0));
        this.zapsPtes = probe && populated && !isArmedEntry(mirrors[0].entry(region(0)));
        if (probe) {
            arm();
        }
    }

    /** Bytes of a size label. */
    public static long sizeBytes(String label) {
        return switch (label) {
            case "4K" -> 4096;
            case "64K" -> 64 << 10;
            case "2M" -> 2 << 20;
            case "1G" -> 1L << 30;
            default -> throw new IllegalArgumentException("size=" + label + " is not 4K, 64K, 2M or 1G");
        };
    }

    private long pageStride() {
        return size > CHUNK ? CHUNK : PAGE; // 1 GiB is sparse: one page per 2 MiB
    }

    private long pagesPerRegion() {
        return size / pageStride();
    }

    private long region(int k) {
        return BASE + k * stride;
    }

    /**
     * Restores every region to its armed state through the driver's fault path: a live mirror
     * (reopened if a RELEASE retired it), tracked, and holding writable (read-only for
     * PROTECTION_VMA) PTEs for every populated page, or none when not populated. Regions already in
     * that state are left alone. Records the armed PTE values {@link #restore} writes back.
     */
    public void arm() {
        if (!tracked) {
            return;
        }
        for (int k = 0; k < mirrors.length; k++) {
            DeviceMirror m = mirrors[k];
            if (m == null || m.driver().isReleased()) {
                if (m != null) {
                    m.close();
                }
                m = device.open(mm, options);
                mirrors[k] = m;
            }
            long a = region(k);
            boolean intact = m.isTracked(a) && (populated
                    ? isArmedEntry(m.entry(a)) && isArmedEntry(m.entry(a + size - pageStride()))
                    : m.entry(a) == 0);
            if (intact) {
                continue;
            }
            if (pageStride() == PAGE) {
                check(m.fault(a, (int) (size / PAGE), writable) == Errno.OK, "device fault");
            } else {
                for (long p = a; p < a + size; p += pageStride()) {
                    check(m.fault(p, 1, writable) == Errno.OK, "device fault");
                }
            }
            if (!populated) {
                // Tracked but empty: what a CLEAR leaves behind.
                MmuNotifierRange clear = new MmuNotifierRange()
                        .init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, a, a + size, null);
                check(subscriptions.invalidateRangeStart(clear), "clear");
                subscriptions.invalidateRangeEnd(clear);
            }
            long[] armed = armedPtes[k];
            for (int i = 0; i < armed.length; i++) {
                armed[i] = m.entry(a + i * pageStride());
            }
        }
    }

    /**
     * Puts back what one invalidation of region {@code k} took away, without the fault path: the
     * tracked range ({@code ensureTracked} per 2 MiB chunk, which first runs the garbage collector
     * that removes the range the invalidation marked) if the invalidation dropped it, then
     * every armed PTE value if it zapped them. Nothing to do for the events that keep both (the
     * event-aware SOFT_DIRTY, PROTECTION_VMA and PROTECTION_PAGE, whose re-read restores WRITE
     * itself). Allocates nothing.
     *
     * @throws IllegalStateException for RELEASE, which retires the mirror (use {@link #arm})
     */
    public void restore(int k) {
        if (event == MmuNotifierEvent.RELEASE) {
            throw new IllegalStateException("a RELEASE retires its mirror; re-arm it with arm()");
        }
        DeviceMirror m = mirrors[k];
        long a = region(k);
        if (dropsTracking) {
            long chunkEnd = a + Math.max(size, CHUNK);
            for (long c = a; c < chunkEnd; c += CHUNK) {
                check(m.driver().ensureTracked(c, c + Math.min(size, CHUNK)) != null, "ensureTracked");
            }
        }
        if (zapsPtes) {
            rewriteOnly(k);
        }
    }

    /**
     * The PTE writes of {@link #restore} alone: every armed PTE value of region {@code k} written
     * into the device page table under the driver lock, one {@code DevicePageTable.setBlock} per
     * PTE table, as a driver writes back a table it built. Timed on its own it is the share of a
     * restore that is subtracted from an invalidation timed with its restore. Allocates nothing
     * (for the off-heap table).
     */
    public long rewriteOnly(int k) {
        DeviceMirror m = mirrors[k];
        long a = region(k);
        long stepBytes = pageStride();
        long[] armed = armedPtes[k];
        ReentrantLock lock = m.lock();
        DevicePageTable pt = m.pageTable();
        lock.lock();
        try {
            if (stepBytes == PAGE) {
                // Contiguous pages: one setBlock per PTE table (regions are 2 MiB aligned).
                for (int i = 0; i < armed.length; i += DevicePteLayout.HUGE_PAGES) {
                    pt.setBlock(a + i * PAGE, armed, i, Math.min(DevicePteLayout.HUGE_PAGES, armed.length - i));
                }
            } else {
                for (int i = 0; i < armed.length; i++) {
                    pt.setBlock(a + i * stepBytes, armed, i, 1); // sparse: one page per PTE table
                }
            }
        } finally {
            lock.unlock();
        }
        return armed.length;
    }

    /** One invalidation of region {@code k} and its {@link #restore}: the op of the average-time benchmark. */
    public long invalidateAndRestore(int k) {
        long seq = invalidate(k);
        restore(k);
        return seq;
    }

    /** Whether {@link #restore} re-inserts the tracked range (the invalidation drops it). */
    public boolean restoreRetracks() {
        return dropsTracking;
    }

    /** Whether {@link #restore} rewrites PTEs (the invalidation zaps them). */
    public boolean restoreRewrites() {
        return zapsPtes;
    }

    private boolean isArmedEntry(long e) {
        return DevicePteLayout.isValid(e) && DevicePteLayout.isWrite(e) == writable;
    }

    /** One invalidation of region {@code k}, start to end, as the host raises it. */
    public long invalidate(int k) {
        MmuNotifierRange r = ranges[k];
        if (InjectedWork.ACTIVE == InjectedWork.SLOW_ZAP) {
            slowZap(k);
        }
        raise(r);
        if (InjectedWork.ACTIVE == InjectedWork.EXTRA_PTE_WRITE) {
            extraPteWrite(k);
        }
        InjectedWork.perOperation();
        return subscriptions.sequence();
    }

    /** Raises {@code r} start to end through the notifier core, under the mmap write lock for PROTECTION_VMA. */
    private void raise(MmuNotifierRange r) {
        // mprotect holds the mmap write lock around change_protection, and the policy reads the
        // VMA's new protection under it; the other events need no VMA and run without it.
        boolean vmaLock = event == MmuNotifierEvent.PROTECTION_VMA;
        if (vmaLock) {
            mm.mmapWriteLock();
        }
        try {
            if (!subscriptions.invalidateRangeStart(r)) {
                throw new IllegalStateException("a blockable range was refused: " + r);
            }
            subscriptions.invalidateRangeEnd(r);
        } finally {
            if (vmaLock) {
                mm.mmapWriteUnlock();
            }
        }
    }

    /**
     * The device's next access to region {@code k} after an invalidation: a device read
     * ({@code dmirror_read}) of every populated page, which goes through the device's TLB and page
     * table and faults from the first page it cannot use ({@code DeviceAccess}). A page the
     * invalidation left mapped costs nothing more; a page it zapped is faulted back in, with the
     * tracked range re-inserted if it was dropped. What a policy saved in the invalidation is paid
     * here. For UNMAP it stands for a new mapping at the same address (the workload leaves the CPU
     * page table as it was). Not for RELEASE, which retires the mirror. The read copies the pages'
     * bytes into a buffer of the workload's, as the read command does.
     *
     * @return the fault rounds the access took
     */
    public long access(int k) {
        if (event == MmuNotifierEvent.RELEASE) {
            throw new IllegalStateException("a RELEASE retires its mirror; there is no next access");
        }
        if (!populated) {
            return 0;
        }
        DeviceMirror m = mirrors[k];
        long a = region(k);
        long faults = 0;
        if (pageStride() == PAGE) {
            faults += checkAccess(m.read(a, (int) (size / PAGE), accessBuffer));
        } else {
            for (long p = a; p < a + size; p += pageStride()) {
                faults += checkAccess(m.read(p, 1, accessBuffer));
            }
        }
        return faults;
    }

    private static long checkAccess(DeviceCommand c) {
        check(c.result() == Errno.OK, "device read");
        return c.faults();
    }

    /** A reading of region {@code k}'s mirror's counters, for probes that price one operation. */
    public DeviceStats stats(int k) {
        return mirrors[k].stats().snapshot();
    }

    /** Invalidates every region once (the single-shot batch); returns the sum of the sequences (a value to sink). */
    public long invalidateAll() {
        long sum = 0;
        for (int k = 0; k < mirrors.length; k++) {
            sum += invalidate(k);
        }
        return sum;
    }

    /** Injected: rewrites the region's first device PTE with the value it holds. */
    private void extraPteWrite(int k) {
        DeviceMirror m = mirrors[k];
        if (m == null) {
            return;
        }
        ReentrantLock lock = m.lock();
        lock.lock();
        try {
            DevicePageTable pt = m.pageTable();
            long a = region(k);
            long e = pt.get(a);
            pt.set(a, DevicePteLayout.isHuge(e) ? 0 : e);
            injectedWrites++;
        } finally {
            lock.unlock();
        }
    }

    /** Injected: every device PTE of the region written twice more (write-protect, then back). */
    private void slowZap(int k) {
        DeviceMirror m = mirrors[k];
        if (m == null || !writable) {
            return;
        }
        ReentrantLock lock = m.lock();
        lock.lock();
        try {
            DevicePageTable pt = m.pageTable();
            long a = region(k);
            injectedWrites += pt.protect(a, a + size, false);
            injectedWrites += pt.protect(a, a + size, true);
        } finally {
            lock.unlock();
        }
    }

    /** Adds the device-side counters of every mirror into {@code c}. */
    public void readCounters(WorkCounters c) {
        for (DeviceMirror m : mirrors) {
            if (m == null) {
                continue;
            }
            DeviceStats s = m.stats();
            long downgraded = s.totalDowngraded();
            long reread = s.totalReread();
            c.add("ptesZapped", s.totalZapped());
            c.add("ptesDowngraded", downgraded);
            c.add("ptesReread", reread);
            c.add("invalidationsSkipped", s.totalSkipped());
            c.add("tlbFlushes", s.totalTlbFlushes());
            c.add("deviceInvalidations", s.totalInvalidations());
            c.add("faultRetries", s.faultRetries());
            c.add("ptesWritten", s.totalZapped() + downgraded + reread);
        }
        c.add("ptesWritten", injectedWrites);
    }

    /** Resets the device counters (after arming, before counting). */
    public void resetCounters() {
        injectedWrites = 0;
        for (DeviceMirror m : mirrors) {
            if (m != null) {
                m.stats().reset();
            }
        }
    }

    public MmuNotifierSubscriptions subscriptions() {
        return subscriptions;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " failed while setting up the invalidation workload");
        }
    }

    @Override
    public void close() {
        for (DeviceMirror m : mirrors) {
            if (m != null) {
                m.close();
            }
        }
        device.close();
        mm.close();
        host.close();
    }
}

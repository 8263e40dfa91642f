package org.devmirror.bench.workload;

import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.device.pagetable.DevicePteLayout;
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
 * What the invalidation benchmarks invalidate: a host, an address space, {@code devices} devices
 * and {@code regions} regions of one size, each region mirrored by its own {@link Dmirror} on each
 * device (a RELEASE retires its mirror for good, so each region needs one it can lose), with one
 * reused {@link MmuNotifierRange} per region carrying the event, as the host reuses its range.
 * With several devices one invalidation of a region reaches every device's mirror of it: the
 * fan-out of one host invalidation to every driver that mirrors the range.
 *
 * <p>Region {@code k} spans {@code size} bytes; 4 KiB, 64 KiB and 2 MiB regions are populated in
 * full, a 1 GiB region sparsely: its first page of every 2 MiB (512 pages, the PTE count of a
 * full 2 MiB). With {@code populated=false} the device has tracked the region but holds no PTE in
 * it (it faulted it, then a CLEAR zapped it). THP is off, so the device maps 4 KiB entries: a
 * 2 MiB range is 512 PTEs.
 *
 * <p>The device PTEs are faulted writable over a writable VMA, except for PROTECTION_VMA and when
 * built with {@code heldWritable=false}: then the VMA is read-only and so are the device PTEs
 * faulted from it (hmm_range_fault reports a read-only CPU PTE without {@code HMM_PFN_WRITE}).
 *
 * <p>Per event: PROTECTION_VMA finds the VMA read-only (the device PTEs were faulted read-only),
 * and is raised under the mmap write lock, as mprotect ({@code change_protection}) holds it,
 * because the policy reads the VMA's protection ({@code DeviceActions.vmaProt} answers "no
 * access" without it); MIGRATE and EXCLUSIVE carry another device's owner, so they are handled as
 * CLEAR (this device's own are skipped like SOFT_DIRTY); RELEASE covers the region only.
 *
 * <p>{@link #arm} brings every region to its armed state through the driver's own fault path; it
 * allocates and is slow, so it runs outside any measurement. The cheap way back after one
 * invalidation is {@link InvalidationRestore}.
 *
 * <h2>Assumptions and Guarantees</h2>
 * One thread builds, arms and closes an instance. After that, {@link #raise} of different regions
 * may run on different threads at once (each region has its own range, mirrors and armed PTE
 * values; the notifier core and the drivers are thread-safe); one region is used by one thread.
 * {@link #raise} allocates nothing except where the driver itself does (see {@code MirrorState}).
 */
public final class InvalidationFixture implements AutoCloseable {
    /** Regions per batch of the single-shot benchmarks (RELEASE). */
    public static final int REGIONS = 16;
    /** The most devices mirroring each region. */
    public static final int MAX_DEVICES = 8;
    /**
     * Swap slots of the host: the workload never swaps, and the default (64 Ki slots) makes the
     * host reserve and zero 256 MiB of swap, seconds of setup per workload.
     */
    private static final long NO_SWAP = 1;

    private static final long PAGE = Host.PAGE_SIZE;
    private static final long CHUNK = Host.PMD_SIZE;
    private static final long BASE = 1L << 40;

    private final MmuNotifierEvent event;
    private final boolean populated;
    private final boolean tracked;
    private final long size;
    private final long stride;
    private final boolean writable;
    private final Host host;
    private final AddressSpace mm;
    private final DmirrorDevice[] devices;
    private final MirrorOptions options;
    /** The mirror of region k on device d at {@code k * devices.length + d}. */
    private final Dmirror[] mirrors;

    private final MmuNotifierRange[] ranges;
    /** Per region, a CLEAR of the last page of the gap after it, which no notifier covers; see {@link #raiseInGap}. */
    private final MmuNotifierRange[] gapRanges;
    /** The armed device PTE of every populated page, in address order, indexed as {@link #mirrors}; see {@link #arm}. */
    private final long[][] armedPtes;

    private final MmuNotifierSubscriptions subscriptions;

    /**
     * One device, whose PTEs are writable except for PROTECTION_VMA; see
     * {@link #InvalidationFixture(MmuNotifierEvent, String, String, boolean, boolean, boolean, int, int, boolean)}.
     */
    public InvalidationFixture(
            MmuNotifierEvent event,
            String policy,
            String sizeLabel,
            boolean populated,
            boolean tracked,
            boolean offHeap,
            int regions) {
        this(
                event,
                policy,
                sizeLabel,
                populated,
                tracked,
                offHeap,
                regions,
                1,
                event != MmuNotifierEvent.PROTECTION_VMA);
    }

    /**
     * Builds the regions and {@link #arm}s them.
     *
     * @param event     the event every invalidation carries
     * @param policy    {@code aware}, {@code blind} or a policy class name ({@link PolicyResolver})
     * @param sizeLabel {@code 4K}, {@code 64K}, {@code 2M} or {@code 1G} (sparse)
     * @param populated whether the device holds PTEs in the range
     * @param tracked   whether the device tracks the range at all (false: nothing subscribed there)
     * @param offHeap   the off-heap device page table (true) or the on-heap reference table
     * @param regions   how many separately mirrored regions, 1 to {@link #REGIONS}
     * @param devices   how many devices mirror every region, 1 to {@link #MAX_DEVICES}
     * @param heldWritable whether the device PTEs are faulted writable (false: the VMA is
     *                  read-only, and so are the device PTEs); must be false for PROTECTION_VMA
     */
    public InvalidationFixture(
            MmuNotifierEvent event,
            String policy,
            String sizeLabel,
            boolean populated,
            boolean tracked,
            boolean offHeap,
            int regions,
            int devices,
            boolean heldWritable) {
        if (regions < 1 || regions > REGIONS) {
            throw new IllegalArgumentException("regions=" + regions + " is not in 1.." + REGIONS);
        }
        if (devices < 1 || devices > MAX_DEVICES) {
            throw new IllegalArgumentException("devices=" + devices + " is not in 1.." + MAX_DEVICES);
        }
        if (heldWritable && event == MmuNotifierEvent.PROTECTION_VMA) {
            throw new IllegalArgumentException("PROTECTION_VMA finds the VMA read-only: heldWritable must be false");
        }
        this.event = event;
        options = MirrorOptions.forPolicy(PolicyResolver.resolve("policy", policy))
                .withOffHeapTable(offHeap);
        this.size = sizeBytes(sizeLabel);
        this.populated = populated;
        this.tracked = tracked;
        this.stride = 2 * Math.max(size, CHUNK);
        this.writable = heldWritable;
        this.mirrors = new Dmirror[regions * devices];
        this.ranges = new MmuNotifierRange[regions];
        this.gapRanges = new MmuNotifierRange[regions];
        this.armedPtes = new long[regions * devices][];
        long pagesPerRegion = size / pageStride();
        host = new Host(HostConfig.defaults()
                .withThpEnabled(false)
                .withSwapSlots(NO_SWAP)
                .withFrames(Math.max(4096, 2L * regions * pagesPerRegion)));
        mm = host.newAddressSpace();
        subscriptions = mm.notifiers();
        this.devices = new DmirrorDevice[devices];
        for (int d = 0; d < devices; d++) {
            this.devices[d] = new DmirrorDevice(host, 1, 512);
        }
        Object otherOwner = new Object();
        for (int k = 0; k < regions; k++) {
            long a = region(k);
            check(
                    mm.mmap(
                                    a,
                                    size,
                                    writable ? Prot.RW : Prot.READ,
                                    MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED)
                            == a,
                    "mmap");
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
            long gapPage =
                    a + stride - PAGE; // tracking covers [a, a + max(size, 2 MiB)); the gap is the rest of the stride
            gapRanges[k] = new MmuNotifierRange()
                    .init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, gapPage, gapPage + PAGE, null);
            for (int d = 0; d < devices; d++) {
                armedPtes[k * devices + d] = new long[populated ? (int) pagesPerRegion : 0];
            }
        }
        arm();
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

    /** Bytes between two populated pages of a region: a page, or 2 MiB in the sparse 1 GiB region. */
    public long pageStride() {
        return size > CHUNK ? CHUNK : PAGE;
    }

    /** The start address of region {@code k} (2 MiB aligned). */
    public long region(int k) {
        return BASE + k * stride;
    }

    /** Bytes per region. */
    public long size() {
        return size;
    }

    public MmuNotifierEvent event() {
        return event;
    }

    /** Whether the device PTEs are armed writable (all events but PROTECTION_VMA, unless built read-only). */
    public boolean writable() {
        return writable;
    }

    public boolean tracked() {
        return tracked;
    }

    public boolean populated() {
        return populated;
    }

    /** How many regions. */
    public int regions() {
        return ranges.length;
    }

    /** How many devices mirror each region. */
    public int devices() {
        return devices.length;
    }

    /** The mirror of region {@code k} on the first device; {@code null} when the fixture is untracked. */
    public Dmirror mirror(int k) {
        return mirror(k, 0);
    }

    /** The mirror of region {@code k} on device {@code d}; {@code null} when the fixture is untracked. */
    public Dmirror mirror(int k, int d) {
        return mirrors[k * devices.length + d];
    }

    /** The armed device PTE values of region {@code k}'s populated pages on device {@code d}, in address order (the array itself). */
    long[] armedPtes(int k, int d) {
        return armedPtes[k * devices.length + d];
    }

    public MmuNotifierSubscriptions subscriptions() {
        return subscriptions;
    }

    /** Whether {@code e} is a device PTE as {@link #arm} leaves it: valid, and writable when {@link #writable()}. */
    public boolean isArmedEntry(long e) {
        return DevicePteLayout.isValid(e) && DevicePteLayout.isWrite(e) == writable;
    }

    /**
     * Whether region {@code k} is, on every device, as {@link #arm} left it: tracked, and holding
     * exactly the armed PTE value at every populated page (none at the first page when not
     * populated). For tests of a benchmark's operation and restore; reads every PTE.
     */
    public boolean isArmed(int k) {
        long a = region(k);
        for (int d = 0; d < devices.length; d++) {
            Dmirror m = mirror(k, d);
            if (m == null || m.driver().isReleased() || !m.isTracked(a)) {
                return false;
            }
            long[] armed = armedPtes(k, d);
            if (!populated && m.entry(a) != 0) {
                return false;
            }
            for (int p = 0; p < armed.length; p++) {
                if (m.entry(a + p * pageStride()) != armed[p]) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Restores every region to its armed state through the driver's fault path, on every device: a
     * live mirror (reopened if a RELEASE retired it), tracked, and holding writable (read-only for
     * PROTECTION_VMA and {@code heldWritable=false}) PTEs for every populated page, or none when
     * not populated. Mirrors already in that state are left alone. Records the armed PTE values
     * {@link InvalidationRestore} writes back.
     */
    public void arm() {
        if (!tracked) {
            return;
        }
        for (int i = 0; i < mirrors.length; i++) {
            Dmirror m = mirrors[i];
            if (m == null || m.driver().isReleased()) {
                if (m != null) {
                    m.close();
                }
                m = devices[i % devices.length].open(mm, options);
                mirrors[i] = m;
            }
            long a = region(i / devices.length);
            boolean intact = m.isTracked(a)
                    && (populated
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
            long[] armed = armedPtes[i];
            for (int p = 0; p < armed.length; p++) {
                armed[p] = m.entry(a + p * pageStride());
            }
        }
    }

    /**
     * Raises the invalidation of region {@code k} start to end through the notifier core
     * ({@link MmuNotifierSubscriptions#invalidateRangeStart} and
     * {@link MmuNotifierSubscriptions#invalidateRangeEnd}), under the mmap write lock for
     * PROTECTION_VMA. The CPU page table is left as it was.
     */
    public void raise(int k) {
        MmuNotifierRange r = ranges[k];
        // mprotect holds the mmap write lock around change_protection, and the policy reads the
        // VMA's new protection under it; the other events need no VMA and run without it.
        boolean vmaLock = event == MmuNotifierEvent.PROTECTION_VMA;
        if (vmaLock) {
            mm.mmapWriteLock();
        }
        try {
            startAndEnd(r);
        } finally {
            if (vmaLock) {
                mm.mmapWriteUnlock();
            }
        }
    }

    /**
     * Raises a CLEAR of one page in the gap after region {@code k}, which no interval notifier
     * covers: the notifier core's shared work (the subscriptions lock taken at the start and at
     * the end, the active count, the tree probe) and the mirrors' classic notifiers, which find
     * no flush owed and return; no interval callback and no odd period. May run on several
     * threads at once, one region per thread, like {@link #raise}.
     */
    public void raiseInGap(int k) {
        startAndEnd(gapRanges[k]);
    }

    private void startAndEnd(MmuNotifierRange r) {
        if (!subscriptions.invalidateRangeStart(r)) {
            throw new IllegalStateException("a blockable range was refused: " + r);
        }
        subscriptions.invalidateRangeEnd(r);
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " failed while setting up the invalidation workload");
        }
    }

    @Override
    public void close() {
        for (Dmirror m : mirrors) {
            if (m != null) {
                m.close();
            }
        }
        for (DmirrorDevice d : devices) {
            d.close();
        }
        mm.close();
        host.close();
    }
}

package org.devmirror.bench.workload;

import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * The device fault path over populated CPU pages: {@link Dmirror#fault} of {@code pages}
 * pages (readBegin, hmm_range_fault under the mmap read lock, driver lock, readRetry, commit),
 * repeated over the same range. The CPU pages are present and writable and the range already
 * tracked, so each fault is the steady state: nothing to allocate, every PTE rewritten. THP is off.
 *
 * <h2>Assumptions and Guarantees</h2>
 * One thread faults at a time ({@link #fault}); another may invalidate the range concurrently
 * through {@link #invalidateClear} (the contention benchmark), which the fault path retries.
 */
public final class FaultWorkload implements AutoCloseable {
    /**
     * Swap slots of the host: the workload never swaps, and the default (64 Ki slots) makes the
     * host reserve and zero 256 MiB of swap, seconds of setup per workload.
     */
    private static final long NO_SWAP = 1;

    private static final long BASE = 1L << 38;

    private final Host host;
    private final AddressSpace mm;
    private final DmirrorDevice device;
    private final Dmirror mirror;
    private final int pages;
    private final MmuNotifierRange clear = new MmuNotifierRange();

    public FaultWorkload(int pages) {
        if (pages < 1 || pages > 512) {
            throw new IllegalArgumentException("pages=" + pages + " is not in 1..512");
        }
        this.pages = pages;
        host = new Host(HostConfig.defaults()
                .withThpEnabled(false)
                .withSwapSlots(NO_SWAP)
                .withFrames(4096));
        mm = host.newAddressSpace();
        long len = pages * Host.PAGE_SIZE;
        check(mm.mmap(BASE, len, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED) == BASE, "mmap");
        check(mm.cpuFill(BASE, len, (byte) 1) == Errno.OK, "cpuFill");
        device = new DmirrorDevice(host, 2, 512);
        mirror = device.open(mm, MirrorOptions.defaults());
        check(mirror.fault(BASE, pages, true) == Errno.OK, "first fault");
        clear.init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, BASE, BASE + len, null);
    }

    /** One device fault of the whole range, writable. */
    public Errno fault() {
        Errno r = mirror.fault(BASE, pages, true);
        InjectedWork.perOperation();
        return r;
    }

    /** A CLEAR of the whole range through the notifier core (the contention benchmark's host side). */
    public long invalidateClear() {
        if (mm.notifiers().invalidateRangeStart(clear)) {
            mm.notifiers().invalidateRangeEnd(clear);
        }
        return mm.notifiers().sequence();
    }

    public void readCounters(WorkCounters c) {
        DeviceStats s = mirror.stats();
        c.add("deviceFaults", s.deviceFaults());
        c.add("faultRetries", s.faultRetries());
        c.add("pagesFaulted", s.pagesFaulted());
        c.add("tlbFlushes", s.totalTlbFlushes());
    }

    public void resetCounters() {
        mirror.stats().reset();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " failed while setting up the fault workload");
        }
    }

    @Override
    public void close() {
        mirror.close();
        device.close();
        mm.close();
        host.close();
    }
}

package org.devmirror.bench.workload;

import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierSubscriptions;

/**
 * The invalidation hot path as the benchmarks time it and the probe measures it: the host raising
 * one invalidation of a mirrored, tracked range through the notifier core until the device has
 * done its work for it, on an {@link InvalidationFixture}, with its {@link InvalidationRestore}
 * and the {@link InvalidationInjection} of a test run around it. This class only puts the three
 * together and reads the device's counters.
 *
 * <h2>Assumptions and Guarantees</h2>
 * One thread builds, arms, counts and closes an instance. With no injection active,
 * {@link #invalidateAndRestore} of different regions may run on different threads at once, one
 * thread per region (the fixture's guarantee; the injection's write count is not thread-safe).
 * {@link #invalidate} and {@link #restore} allocate nothing except where the driver itself does
 * (see {@code MirrorState}), and with no injection active.
 */
public final class InvalidationWorkload implements AutoCloseable {
    /** Regions per batch of the single-shot benchmarks (RELEASE) and of {@link #invalidateAll}. */
    public static final int REGIONS = InvalidationFixture.REGIONS;

    private final InvalidationFixture fixture;
    private final InvalidationRestore restore;
    private final InvalidationInjection injection;
    /** Where {@link #access} copies the pages it reads (up to one 2 MiB range of 4 KiB pages). */
    private final byte[] accessBuffer;

    /**
     * {@link #InvalidationWorkload(MmuNotifierEvent, String, String, boolean, boolean, boolean, int)}
     * with {@link #REGIONS} regions.
     */
    public InvalidationWorkload(
            MmuNotifierEvent event,
            String policy,
            String sizeLabel,
            boolean populated,
            boolean tracked,
            boolean offHeap) {
        this(event, policy, sizeLabel, populated, tracked, offHeap, REGIONS);
    }

    /** The parameters are {@link InvalidationFixture}'s; one device, writable PTEs except for PROTECTION_VMA. */
    public InvalidationWorkload(
            MmuNotifierEvent event,
            String policy,
            String sizeLabel,
            boolean populated,
            boolean tracked,
            boolean offHeap,
            int regions) {
        this(new InvalidationFixture(event, policy, sizeLabel, populated, tracked, offHeap, regions));
    }

    /** The workload of {@code fixture}, which it owns from now on (and closes). */
    public InvalidationWorkload(InvalidationFixture fixture) {
        this.fixture = fixture;
        restore = new InvalidationRestore(fixture);
        injection = new InvalidationInjection(fixture);
        accessBuffer = new byte[(int) (fixture.pageStride() == Host.PAGE_SIZE ? fixture.size() : Host.PAGE_SIZE)];
    }

    /** Re-arms every region through the driver's fault path ({@link InvalidationFixture#arm}); not measured. */
    public void arm() {
        fixture.arm();
    }

    /** {@link InvalidationRestore#restore} of region {@code k}. */
    public void restore(int k) {
        restore.restore(k);
    }

    /** {@link InvalidationRestore#rewriteOnly} of region {@code k}. */
    public long rewriteOnly(int k) {
        return restore.rewriteOnly(k);
    }

    /** One invalidation of region {@code k} and its {@link #restore}: the op of the average-time benchmark. */
    public long invalidateAndRestore(int k) {
        long start = InjectedWork.operationStart();
        long seq = invalidate(k);
        restore.restore(k);
        InjectedWork.stretch(start);
        return seq;
    }

    /** Whether {@link #restore} re-inserts the tracked range (the invalidation drops it). */
    public boolean restoreRetracks() {
        return restore.retracks();
    }

    /** Whether {@link #restore} rewrites PTEs (the invalidation zaps them). */
    public boolean restoreRewrites() {
        return restore.rewrites();
    }

    /** One invalidation of region {@code k}, start to end, as the host raises it; returns the sequence after it. */
    public long invalidate(int k) {
        injection.beforeInvalidation(k);
        fixture.raise(k);
        injection.afterInvalidation(k);
        return fixture.subscriptions().sequence();
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
        if (fixture.event() == MmuNotifierEvent.RELEASE) {
            throw new IllegalStateException("a RELEASE retires its mirror; there is no next access");
        }
        if (!fixture.populated()) {
            return 0;
        }
        Dmirror m = fixture.mirror(k);
        long a = fixture.region(k);
        long stride = fixture.pageStride();
        long faults = 0;
        if (stride == Host.PAGE_SIZE) {
            faults += checkAccess(m.read(a, (int) (fixture.size() / Host.PAGE_SIZE), accessBuffer));
        } else {
            for (long p = a; p < a + fixture.size(); p += stride) {
                faults += checkAccess(m.read(p, 1, accessBuffer));
            }
        }
        return faults;
    }

    private static long checkAccess(DeviceCommand c) {
        InvalidationFixture.check(c.result() == Errno.OK, "device read");
        return c.faults();
    }

    /** A reading of region {@code k}'s mirror's counters, for probes that price one operation. */
    public DeviceStats stats(int k) {
        return fixture.mirror(k).stats().snapshot();
    }

    /** Invalidates every region once (the single-shot batch); returns the sum of the sequences (a value to sink). */
    public long invalidateAll() {
        long sum = 0;
        for (int k = 0; k < fixture.regions(); k++) {
            sum += invalidate(k);
        }
        return sum;
    }

    /** Adds the device-side counters of every mirror (every region, every device), and the injected PTE writes, into {@code c}. */
    public void readCounters(WorkCounters c) {
        for (int k = 0; k < fixture.regions(); k++) {
            for (int d = 0; d < fixture.devices(); d++) {
                readCounters(fixture.mirror(k, d), c);
            }
        }
        c.add("ptesWritten", injection.writes());
    }

    private static void readCounters(Dmirror m, WorkCounters c) {
        if (m == null) {
            return;
        }
        {
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
    }

    /** Resets the device counters and the injected writes (after arming, before counting). */
    public void resetCounters() {
        injection.reset();
        for (int k = 0; k < fixture.regions(); k++) {
            for (int d = 0; d < fixture.devices(); d++) {
                Dmirror m = fixture.mirror(k, d);
                if (m != null) {
                    m.stats().reset();
                }
            }
        }
    }

    /** The fixture this workload invalidates, for tests that look at its state. */
    public InvalidationFixture fixture() {
        return fixture;
    }

    public MmuNotifierSubscriptions subscriptions() {
        return fixture.subscriptions();
    }

    @Override
    public void close() {
        fixture.close();
    }
}

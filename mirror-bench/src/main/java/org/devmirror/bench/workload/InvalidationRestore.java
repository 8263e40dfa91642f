package org.devmirror.bench.workload;

import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.device.Dmirror;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.Host;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Puts a region of an {@link InvalidationFixture} back after one invalidation, exactly as far as
 * that invalidation of this event and policy took it away, and the cheapest way the driver
 * allows: the tracked range through {@code MirrorState.ensureTracked} (an interval-tree insert of
 * a pooled range) when the invalidation dropped it, then the armed device PTE values written
 * straight into the device page table under the driver lock when it zapped them. Nothing in it
 * allocates, so a benchmark can time invalidation and restore together and subtract
 * {@link #rewriteOnly}, the PTE writes alone. RELEASE cannot be restored in place (it retires the
 * mirror; {@link InvalidationFixture#arm} re-arms it).
 *
 * <p>What one invalidation takes away depends on the policy, which may be any class: when built,
 * the restore raises one invalidation on region 0, outside any measurement, looks, and re-arms
 * the fixture through the fault path.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Built on the fixture's thread; {@link #restore} of different regions may then run on different
 * threads at once, one thread per region (it reads only immutable fields and the region's own
 * mirrors and armed values). {@link #restore} is valid only right after one
 * invalidation of the same region, or when the region is armed; it allocates nothing except where
 * the driver itself does (at 4 KiB and 64 KiB the re-insert merges the split 2 MiB tracked chunk).
 */
public final class InvalidationRestore {
    private static final long PAGE = Host.PAGE_SIZE;
    private static final long CHUNK = Host.PMD_SIZE;

    private final InvalidationFixture fixture;
    /** Whether one invalidation drops the tracked range (restore re-inserts it). */
    private final boolean dropsTracking;
    /** Whether one invalidation zaps the populated PTEs (restore rewrites them). */
    private final boolean zapsPtes;

    /** Learns what one invalidation of {@code fixture}'s event takes away, then re-arms the fixture. */
    public InvalidationRestore(InvalidationFixture fixture) {
        this.fixture = fixture;
        // A RELEASE retires the mirror and cannot be restored in place, so there is nothing to learn.
        boolean probe = fixture.tracked() && fixture.event() != MmuNotifierEvent.RELEASE;
        if (probe) {
            fixture.raise(0);
            fixture.mirror(0).collectGarbage(); // UNMAP and RELEASE only mark; the collector drops the range
        }
        this.dropsTracking = probe && !fixture.mirror(0).isTracked(fixture.region(0));
        this.zapsPtes = probe
                && fixture.populated()
                && !fixture.isArmedEntry(fixture.mirror(0).entry(fixture.region(0)));
        if (probe) {
            fixture.arm();
        }
    }

    /**
     * Puts back what one invalidation of region {@code k} took away on every device that mirrors
     * it, without the fault path: the tracked range ({@code ensureTracked} per 2 MiB chunk, which first runs the garbage collector
     * that removes the range the invalidation marked) if the invalidation dropped it, then
     * every armed PTE value if it zapped them. Nothing to do for the events that keep both (the
     * event-aware SOFT_DIRTY, PROTECTION_VMA and PROTECTION_PAGE, whose re-read restores WRITE
     * itself). Allocates nothing.
     *
     * @throws IllegalStateException for RELEASE, which retires the mirror (use {@link InvalidationFixture#arm})
     */
    public void restore(int k) {
        if (fixture.event() == MmuNotifierEvent.RELEASE) {
            throw new IllegalStateException("a RELEASE retires its mirror; re-arm it with arm()");
        }
        long a = fixture.region(k);
        long size = fixture.size();
        if (dropsTracking) {
            long chunkEnd = a + Math.max(size, CHUNK);
            for (int d = 0; d < fixture.devices(); d++) {
                Dmirror m = fixture.mirror(k, d);
                for (long c = a; c < chunkEnd; c += CHUNK) {
                    InvalidationFixture.check(
                            m.driver().ensureTracked(c, c + Math.min(size, CHUNK)) != null, "ensureTracked");
                }
            }
        }
        if (zapsPtes) {
            rewriteOnly(k);
        }
    }

    /**
     * The PTE writes of {@link #restore} alone: every armed PTE value of region {@code k} written
     * into each device's page table under that driver's lock, one {@code DevicePageTable.setBlock} per
     * PTE table, as a driver writes back a table it built. Timed on its own it is the share of a
     * restore that is subtracted from an invalidation timed with its restore. Allocates nothing
     * (for the off-heap table).
     */
    public long rewriteOnly(int k) {
        long written = 0;
        for (int d = 0; d < fixture.devices(); d++) {
            written += rewriteOnly(k, d);
        }
        return written;
    }

    private long rewriteOnly(int k, int d) {
        Dmirror m = fixture.mirror(k, d);
        long a = fixture.region(k);
        long stepBytes = fixture.pageStride();
        long[] armed = fixture.armedPtes(k, d);
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

    /** Whether {@link #restore} re-inserts the tracked range (the invalidation drops it). */
    public boolean retracks() {
        return dropsTracking;
    }

    /** Whether {@link #restore} rewrites PTEs (the invalidation zaps them). */
    public boolean rewrites() {
        return zapsPtes;
    }
}

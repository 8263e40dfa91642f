package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device fault path's last-hit caches (the VMA tree's hint, the tracked ranges' last found
 * range, the steady-state {@code ensureTracked} under one driver lock) between two faults of the
 * same pages: a VMA split, made read-only or unmapped, a tracked range dropped, and an
 * invalidation colliding with the fault, each seen by the second fault as without the caches.
 */
class FaultPathCachesTest extends DeviceFixture {
    private static final long P = Host.PAGE_SIZE;
    private static final int N = 4;

    private long base;

    @Override
    protected HostConfig hostConfig() {
        return super.hostConfig().withThpEnabled(false);
    }

    @BeforeEach
    void mirrorFourPages() {
        base = mm.mmap(0, N * P, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, mm.cpuFill(base, N * P, (byte) 3));
        assertEquals(Errno.OK, mirror.fault(base, N, true)); // the caches now hold this VMA and range
    }

    /** The device entry of {@code va} maps the page the CPU maps there, writable if {@code write}. */
    private void assertMapsCpuPage(long va, boolean write) {
        long e = mirror.entry(va);
        assertTrue(DevicePteLayout.isValid(e), () -> "no device entry at 0x" + Long.toHexString(va));
        assertEquals(PteLayout.pfn(mm.pageTable().get(va)), DevicePteLayout.pfn(e));
        assertEquals(write, DevicePteLayout.isWrite(e));
    }

    @Test
    void aVmaSplitAndMadeReadOnlyBetweenTwoFaultsRefusesTheWriteFault() {
        assertEquals(Errno.OK, mm.mprotect(base + P, 2 * P, Prot.READ)); // three VMAs now
        assertEquals(Errno.EPERM, mirror.fault(base + P, 1, true));
        assertEquals(Errno.OK, mirror.fault(base + P, 2, false));
        assertMapsCpuPage(base + P, false);
        assertEquals(Errno.OK, mirror.fault(base, 1, true)); // the lower part, split off in place
        assertMapsCpuPage(base, true);
        assertEquals(Errno.OK, mirror.fault(base + 3 * P, 1, true)); // the upper part, a new VMA
        assertMapsCpuPage(base + 3 * P, true);
    }

    @Test
    void aVmaUnmappedBetweenTwoFaultsFailsTheFaultAndANewOneIsFaultedIn() {
        assertEquals(Errno.OK, mm.munmap(base, N * P));
        assertEquals(Errno.EFAULT, mirror.fault(base, 1, false));
        assertEquals(0, mirror.entry(base));
        assertEquals(base, mm.mmap(base, N * P, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED));
        assertEquals(Errno.OK, mm.cpuFill(base, N * P, (byte) 5));
        assertEquals(Errno.OK, mirror.fault(base, N, true));
        for (int i = 0; i < N; i++) {
            assertMapsCpuPage(base + i * P, true);
        }
    }

    @Test
    void aTrackedRangeDroppedBetweenTwoFaultsIsTrackedAgain() {
        long chunk = mirror.driver().trackChunk();
        long chunkStart = base & -chunk;
        assertArrayEquals(new long[] {chunkStart, chunkStart + chunk}, mirror.trackedIntervals());
        assertEquals(Errno.OK, mm.munmap(base + 3 * P, P)); // UNMAP drops that page from tracking
        assertEquals(Errno.OK, mirror.fault(base, 1, true)); // collects first: the range is split
        assertArrayEquals(
                new long[] {chunkStart, base + 3 * P, base + 4 * P, chunkStart + chunk}, mirror.trackedIntervals());
        assertFalse(mirror.isTracked(base + 3 * P));
        assertEquals(0, mirror.entry(base + 3 * P));
        assertMapsCpuPage(base, true);
        assertEquals(
                base + 3 * P,
                mm.mmap(base + 3 * P, P, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED));
        assertEquals(Errno.OK, mm.cpuFill(base + 3 * P, P, (byte) 9));
        assertEquals(Errno.OK, mirror.fault(base + 3 * P, 1, true)); // the pieces merge into one range
        assertArrayEquals(new long[] {chunkStart, chunkStart + chunk}, mirror.trackedIntervals());
        assertMapsCpuPage(base + 3 * P, true);
    }

    @Test
    void anInvalidationCollidingWithTheFaultIsRetriedWithAFreshSequence() {
        AddressSpace child = mm.fork(); // the parent's pages are now shared copy-on-write
        long retries = mirror.stats().faultRetries();
        // hmm_range_fault breaks COW on each page, which invalidates the tracked range under the
        // fault's sequence: that round returns EBUSY and the next one, from a new readBegin, commits.
        assertEquals(Errno.OK, mirror.fault(base, N, true));
        assertTrue(mirror.stats().faultRetries() > retries, mirror.stats()::toString);
        for (int i = 0; i < N; i++) {
            assertMapsCpuPage(base + i * P, true);
        }
        child.exit();
    }
}

package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Counts the TLB invalidations and PTE zaps the zoo's drivers make for one invalidation, where
 * their batching and granularity differ: a batching driver (Xe, KVM) issues one flush per callback
 * however many tracked pieces it zapped, and none when it zapped nothing; Xe zaps a drm_gpusvm
 * range whole; mlx5 issues one UMR (a flush) per block of valid MTT entries; the event-aware
 * policy, tracking in 2 MiB ranges, makes one callback per range and batches their flushes into
 * one per invalidation. THP is off so
 * that every device PTE is a 4 KiB one and the counts are exact.
 */
class ZooTlbBatchingTest extends DeviceFixture {
    /** Four 2 MiB chunks, 2 MiB aligned, inside one 512 MiB Xe notifier and one 1 GiB KVM range. */
    static final long CHUNKS = 4;

    long a;

    @Override
    protected HostConfig hostConfig() {
        return super.hostConfig().withThpEnabled(false);
    }

    @BeforeEach
    void map() {
        long raw = mm.mmap(0, (CHUNKS + 1) * PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a = (raw + PMD - 1) & -PMD;
        // Keep [a, a + CHUNKS * PMD) inside one 512 MiB notifier (the test host maps low enough).
        assertEquals(a & -XeSvmPolicy.NOTIFIER_SIZE, (a + CHUNKS * PMD - 1) & -XeSvmPolicy.NOTIFIER_SIZE);
        cpuInit(mm, a, CHUNKS * PMD / PAGE, 0);
    }

    Dmirror open(InvalidationPolicy p) {
        return dev1.open(mm, MirrorOptions.forPolicy(p));
    }

    /** The device reads {@code pages} pages at the start of chunks 0, 1 and 2 (not 3). */
    void touchThreeChunks(Dmirror m, int pages) {
        for (int c = 0; c < 3; c++) {
            assertEquals(Errno.OK, m.fault(a + c * PMD, pages, false));
        }
    }

    void dontneed(long start, long len) {
        assertEquals(Errno.OK, mm.madvise(start, len, Advice.DONTNEED));
    }

    void assertClean(Dmirror m) {
        var r = SafetyOracle.check(m);
        assertTrue(r.isClean(), r::toString);
    }

    @Test
    void xeIssuesOneFlushPerCallbackAndNoneWhenNothingWasZapped() {
        Dmirror xe = open(XeSvmPolicy.INSTANCE);
        Dmirror aware = open(EventAwarePolicy.INSTANCE);
        touchThreeChunks(xe, 4);
        touchThreeChunks(aware, 4);
        DeviceStats x = xe.stats();
        DeviceStats e = aware.stats();

        // Chunk 3 was never bound: nothing zapped, no flush, by either.
        dontneed(a + 3 * PMD, PMD);
        assertEquals(0, x.tlbFlushes(MmuNotifierEvent.CLEAR));
        assertEquals(0, x.ptesZapped(MmuNotifierEvent.CLEAR));
        assertEquals(0, e.tlbFlushes(MmuNotifierEvent.CLEAR));

        // One CLEAR over all four chunks: Xe's one notifier makes one callback and one flush for
        // its three bound ranges; the event-aware policy's three 2 MiB tracked ranges make three
        // callbacks and batch their flushes into one.
        dontneed(a, CHUNKS * PMD);
        assertEquals(2, x.invalidations(MmuNotifierEvent.CLEAR));
        assertEquals(1, x.tlbFlushes(MmuNotifierEvent.CLEAR));
        assertEquals(12, x.ptesZapped(MmuNotifierEvent.CLEAR));
        assertEquals(3, e.invalidations(MmuNotifierEvent.CLEAR));
        assertEquals(1, e.tlbFlushes(MmuNotifierEvent.CLEAR));
        assertEquals(12, e.ptesZapped(MmuNotifierEvent.CLEAR));
        assertClean(xe);
        assertClean(aware);
    }

    @Test
    void xeZapsARangeWholeForAOnePageInvalidation() {
        Dmirror xe = open(XeSvmPolicy.INSTANCE);
        Dmirror kvm = open(KvmPolicy.INSTANCE);
        assertEquals(Errno.OK, xe.fault(a, 16, false));
        assertEquals(Errno.OK, kvm.fault(a, 16, false));
        dontneed(a + 15 * PAGE, PAGE);
        assertEquals(16, xe.stats().ptesZapped(MmuNotifierEvent.CLEAR), "the whole 2 MiB range goes");
        assertEquals(0, xe.pageTable().populated(), "nothing of the range is left");
        assertEquals(1, kvm.stats().ptesZapped(MmuNotifierEvent.CLEAR), "KVM unmaps the page exactly");
        assertEquals(1, xe.stats().tlbFlushes(MmuNotifierEvent.CLEAR));
        assertEquals(1, kvm.stats().tlbFlushes(MmuNotifierEvent.CLEAR));
        assertClean(xe);
        assertClean(kvm);
    }

    @Test
    void kvmFlushesOncePerStartOverSeveralRuns() {
        Dmirror kvm = open(KvmPolicy.INSTANCE);
        touchThreeChunks(kvm, 4);
        dontneed(a, CHUNKS * PMD);
        assertEquals(1, kvm.stats().invalidations(MmuNotifierEvent.CLEAR));
        assertEquals(12, kvm.stats().ptesZapped(MmuNotifierEvent.CLEAR));
        assertEquals(1, kvm.stats().tlbFlushes(MmuNotifierEvent.CLEAR));
        assertClean(kvm);
    }

    @Test
    void mlx5IssuesOneUmrPerBlockOfValidEntries() {
        Dmirror mlx5 = open(Mlx5OdpPolicy.INSTANCE);
        // Pages 0 and 2: the gap (page 1) holds no 8-aligned index, so one block.
        assertEquals(Errno.OK, mlx5.fault(a, 1, false));
        assertEquals(Errno.OK, mlx5.fault(a + 2 * PAGE, 1, false));
        // Pages 16 and 32: each gap holds an 8-aligned invalid index, so two more blocks.
        assertEquals(Errno.OK, mlx5.fault(a + 16 * PAGE, 1, false));
        assertEquals(Errno.OK, mlx5.fault(a + 32 * PAGE, 1, false));
        dontneed(a, PMD);
        assertEquals(1, mlx5.stats().invalidations(MmuNotifierEvent.CLEAR));
        assertEquals(4, mlx5.stats().ptesZapped(MmuNotifierEvent.CLEAR));
        assertEquals(3, mlx5.stats().tlbFlushes(MmuNotifierEvent.CLEAR));
        assertEquals(0, mlx5.pageTable().populated());
        assertClean(mlx5);
    }

    /** mlx5's device faults {@code pages} (indexes into the region at {@code base}), then the CPU drops the region. */
    long mlx5UmrsFor(long base, int... pages) {
        Dmirror mlx5 = open(Mlx5OdpPolicy.INSTANCE);
        for (int p : pages) {
            assertEquals(Errno.OK, mlx5.fault(base + p * PAGE, 1, false));
        }
        dontneed(base, PMD);
        assertEquals(pages.length, mlx5.stats().ptesZapped(MmuNotifierEvent.CLEAR));
        assertEquals(0, mlx5.pageTable().populated());
        assertClean(mlx5);
        return mlx5.stats().tlbFlushes(MmuNotifierEvent.CLEAR);
    }

    /**
     * A gap whose first aligned index (8) is itself valid holds no invalid entry at a UMR
     * boundary: pages 0-3 and 8 are one block, one UMR.
     */
    @Test
    void mlx5KeepsABlockOpenAcrossAGapEndingAtAnAlignedValidEntry() {
        assertEquals(1, mlx5UmrsFor(a, 0, 1, 2, 3, 8));
        assertEquals(2, mlx5UmrsFor(a + PMD, 0, 1, 2, 3, 9), "index 8 invalid: the block closes there");
    }

    /**
     * MTT indexes count from the umem's start (the 1 GiB tracked range's), not from address 0: the
     * same pattern of valid entries makes the same UMRs in a region mapped at 3 GiB + 2 MiB.
     */
    @Test
    void mlx5CountsMttIndexesFromTheUmemsStart() {
        long high = (3L << 30) + PMD;
        assertEquals(
                high,
                mm.mmap(high, PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED),
                "mmap at 3 GiB");
        cpuInit(mm, high, PMD / PAGE, 0);
        assertEquals(3, mlx5UmrsFor(high, 0, 2, 16, 32));
    }

    @Test
    void testHmmErasesOnePagePastTheEnd() {
        Dmirror th = open(TestHmmPolicy.INSTANCE);
        assertEquals(Errno.OK, th.fault(a, 16, false));
        dontneed(a + 4 * PAGE, 4 * PAGE);
        // dmirror_do_update erases [start >> PAGE_SHIFT, end >> PAGE_SHIFT] inclusive.
        assertEquals(5, th.stats().ptesZapped(MmuNotifierEvent.CLEAR));
        assertEquals(11, th.pageTable().populated());
        assertClean(th);
    }
}

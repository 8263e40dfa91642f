package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Errno;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.Test;

/**
 * The exact TLB invalidations every shipped policy issues for one invalidation that spans several
 * of its tracked ranges, per event, and that none is issued (on the device's TLB) or counted (in
 * {@code DeviceStats}) for an invalidation that finds nothing to zap or downgrade.
 *
 * <p>The region is 8 MiB around the 1 GiB boundary {@link #G}: four 2 MiB chunks, two 512 MiB Xe
 * notifiers, two 1 GiB ranges of the drivers that track the whole address space. The device maps
 * the first page of each chunk. The counts are read between the host's invalidate-start and end,
 * so they are the policy's own reaction (what a re-read at the end adds is another path's).
 */
class TlbFlushPerEventTest extends DeviceFixture {
    /** A 1 GiB boundary, so also a 512 MiB and a 2 MiB one. */
    static final long G = 1L << 30;

    static final long CHUNKS = 4;
    static final long LO = G - 2 * PMD;
    static final long HI = G + 2 * PMD;

    /**
     * Flushes per event for the range [LO, HI) with one device page per chunk, blockable, no owner:
     * {UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, MIGRATE, EXCLUSIVE}.
     */
    static final Map<String, long[]> EXPECTED = Map.of(
            // one flush per invalidation over its four 2 MiB callbacks; SOFT_DIRTY marks at the end
            "aware", new long[] {1, 1, 1, 1, 0, 1, 1},
            // the same, SOFT_DIRTY downgrades now
            "aware-downgrade", new long[] {1, 1, 1, 1, 1, 1, 1},
            // pre-2018: zaps every event, one flush per callback (four)
            "blind", new long[] {4, 4, 4, 4, 4, 4, 4},
            // one notifier over the address space (two 1 GiB ranges here): one flush
            "testhmm", new long[] {1, 1, 1, 1, 1, 1, 1},
            // one classic callback per invalidation: one flush
            "nouveau", new long[] {1, 1, 1, 1, 1, 1, 1},
            // kfd_flush_tlb in each svm_range's callback: four
            "amdkfd", new long[] {4, 4, 4, 4, 4, 4, 4},
            // XNACK off: only UNMAP touches the PTEs; every other event stops the queues
            "amdkfd-noxnack", new long[] {4, 0, 0, 0, 0, 0, 0},
            // one flush per 512 MiB notifier callback: two
            "xe", new long[] {2, 2, 2, 2, 2, 2, 2},
            // one UMR per block of valid MTT entries: two pages 2 MiB apart in each 1 GiB range
            "mlx5", new long[] {4, 4, 4, 4, 4, 4, 4},
            // one kvm_flush_remote_tlbs per start
            "kvm", new long[] {1, 1, 1, 1, 1, 1, 1});

    @Override
    protected HostConfig hostConfig() {
        return super.hostConfig().withThpEnabled(false); // 4 KiB device PTEs: exact counts
    }

    long map() {
        long a = mm.mmap(LO, HI - LO, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
        assertEquals(LO, a, "mmap at the 1 GiB boundary");
        cpuInit(mm, LO, (HI - LO) / PAGE, 0);
        return a;
    }

    Dmirror mapFirstPageOfEachChunk(InvalidationPolicy p) {
        Dmirror m = dev1.open(mm, MirrorOptions.forPolicy(p));
        for (long c = 0; c < CHUNKS; c++) {
            assertEquals(Errno.OK, m.fault(LO + c * PMD, 1, true));
        }
        assertEquals(CHUNKS, m.pageTable().populated());
        return m;
    }

    /** Raises {@code e} over {@code [start, end)}; runs {@code between} after start, before end. */
    void raise(MmuNotifierEvent e, long start, long end, Runnable between) {
        MmuNotifierRange r = new MmuNotifierRange().init(mm, e, MmuNotifierRange.FLAG_BLOCKABLE, start, end, null);
        assertTrue(mm.notifiers().invalidateRangeStart(r));
        between.run();
        mm.notifiers().invalidateRangeEnd(r);
    }

    @Test
    void everyShippedPolicyFlushesAsItsDriverDoesOverSeveralTrackedRanges() {
        map();
        assertEquals(PolicyResolver.shipped().keySet(), EXPECTED.keySet(), "a shipped policy without expectations");
        MmuNotifierEvent[] events = {
            MmuNotifierEvent.UNMAP,
            MmuNotifierEvent.CLEAR,
            MmuNotifierEvent.PROTECTION_VMA,
            MmuNotifierEvent.PROTECTION_PAGE,
            MmuNotifierEvent.SOFT_DIRTY,
            MmuNotifierEvent.MIGRATE,
            MmuNotifierEvent.EXCLUSIVE
        };
        for (Map.Entry<String, InvalidationPolicy> p : PolicyResolver.shipped().entrySet()) {
            for (int i = 0; i < events.length; i++) {
                MmuNotifierEvent e = events[i];
                Dmirror m = mapFirstPageOfEachChunk(p.getValue());
                DeviceStats s = m.stats();
                long tlbBefore = m.driver().tlb().flushes();
                long[] seen = new long[3];
                raise(e, LO, HI, () -> {
                    seen[0] = s.tlbFlushes(e);
                    seen[1] = m.driver().tlb().flushes() - tlbBefore;
                    seen[2] = s.ptesZapped(e) + s.ptesDowngraded(e);
                });
                String what = p.getKey() + " " + e;
                assertEquals(EXPECTED.get(p.getKey())[i], seen[0], what + ": counted flushes");
                assertEquals(seen[0], seen[1], what + ": flushes issued on the device TLB = flushes counted");
                assertEquals(seen[0] == 0 ? 0 : 1, Math.min(1, seen[2]), what + ": a flush only for a change");
                var report = SafetyOracle.check(m);
                assertTrue(report.isClean(), () -> what + ": " + report);
                m.close();
            }
        }
    }

    @Test
    void theBatchedFlushIsIssuedBeforeTheHostsStartReturns() {
        map();
        Dmirror m = mapFirstPageOfEachChunk(EventAwarePolicy.INSTANCE);
        byte[] buf = new byte[(int) PAGE];
        for (long c = 0; c < CHUNKS; c++) {
            assertEquals(Errno.OK, m.read(LO + c * PMD, 1, buf).result()); // through the TLB: fills it
        }
        assertEquals(CHUNKS, m.driver().tlb().size(), "the device TLB caches the four translations");
        // Four callbacks, one flush: by the time the host may change the CPU PTEs, nothing is cached.
        // The range goes on past the last tracked chunk, so no callback knows it is the last one:
        // the mirror's classic invalidate_range_start issues the flush.
        raise(MmuNotifierEvent.CLEAR, LO, HI + PMD, () -> {
            assertEquals(0, m.driver().tlb().size(), "a translation survived invalidate_range_start");
            assertEquals(1, m.stats().tlbFlushes(MmuNotifierEvent.CLEAR));
            assertEquals(CHUNKS, m.stats().invalidations(MmuNotifierEvent.CLEAR));
        });
        // An invalidation ending inside the first chunk flushes in its only callback.
        for (long c = 0; c < CHUNKS; c++) {
            assertEquals(Errno.OK, m.read(LO + c * PMD, 1, buf).result());
        }
        raise(MmuNotifierEvent.CLEAR, LO, LO + PAGE, () -> {
            assertEquals(CHUNKS - 1, m.driver().tlb().size());
            assertEquals(2, m.stats().tlbFlushes(MmuNotifierEvent.CLEAR));
        });
        var report = SafetyOracle.check(m);
        assertTrue(report.isClean(), report::toString);
    }

    @Test
    void anInvalidationThatFindsNothingFlushesNothing() {
        map();
        for (Map.Entry<String, InvalidationPolicy> p : PolicyResolver.shipped().entrySet()) {
            Dmirror m = mapFirstPageOfEachChunk(p.getValue());
            // The driver drops its PTE in the last chunk itself; the chunk stays tracked.
            m.driver().lock().lock();
            try {
                assertEquals(1, m.driver().zapForDriver(HI - PMD, HI, MmuNotifierEvent.CLEAR));
            } finally {
                m.driver().lock().unlock();
            }
            assertEquals(CHUNKS - 1, m.pageTable().populated(), p.getKey());
            assertTrue(m.driver().isTracked(HI - PMD), p.getKey());
            for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
                if (e == MmuNotifierEvent.RELEASE) {
                    continue; // ends the address space
                }
                m.stats().reset();
                long tlbBefore = m.driver().tlb().flushes();
                raise(e, HI - PMD, HI, () -> {});
                String what = p.getKey() + " " + e;
                assertEquals(0, m.stats().tlbFlushes(e), what + ": counted");
                assertEquals(0, m.driver().tlb().flushes() - tlbBefore, what + ": issued");
                assertEquals(0, m.stats().ptesZapped(e) + m.stats().ptesDowngraded(e), what);
            }
            assertEquals(CHUNKS - 1, m.pageTable().populated(), p.getKey());
            m.close();
        }
    }
}

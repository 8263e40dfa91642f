package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.device.stats.AllocationMeter;
import org.devmirror.device.stats.InvalidationJfrEvent;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The hot paths allocate nothing: the invalidation dispatch into the mirror with each event's
 * device work over a populated, tracked 2 MiB range, and a device fault over already-populated
 * pages. Measured with {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} around
 * many repetitions after a warm-up; state the work removes is re-armed outside the measured
 * region. JFR recording is off, so this also shows the JFR event costs no allocation when disabled.
 */
@Tag("allocation") // PIT leaves it out: its coverage probes allocate
class HotPathAllocationTest extends DeviceFixture {
    static final int N = 512;
    static final int ROUNDS = 500;
    static final int BATCHES = AllocationMeter.BATCHES;

    long a;
    TrackedRange tracked;
    final MmuNotifierRange range = new MmuNotifierRange();

    @BeforeEach
    void populate() {
        long raw = mm.mmap(0, 2 * PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a = (raw + PMD - 1) & -PMD;
        cpuInit(mm, a, N, 0);
        assertEquals(Errno.OK, mirror.fault(a, N, true));
        tracked = trackedAt(a);
        assertFalse(InvalidationJfrEvent.enabled());
    }

    TrackedRange trackedAt(long va) {
        return mirror.driver().ensureTracked(va, va + PAGE);
    }

    /**
     * Runs {@code body} {@link #ROUNDS} times per batch of the {@link AllocationMeter} after a
     * warm-up and returns how many batches allocated anything on this thread. A per-call
     * allocation, however small, shows in every batch of 500 calls; a runtime allocation that is
     * not the code's shows in some batches only. So a clean batch proves the body does not
     * allocate per call, the rule {@code WorkProbe} applies in mirror-bench with the same meter.
     */
    int allocatingBatches(Runnable body, Runnable rearm) {
        for (int i = 0; i < 3000; i++) { // warm-up: JIT compilation, lazily created state
            body.run();
            rearm.run();
        }
        int calls = BATCHES * ROUNDS;
        AllocationMeter meter = new AllocationMeter(calls);
        for (int i = 0; i < calls; i++) {
            long before = AllocationMeter.allocatedBytes();
            body.run();
            meter.add(i, AllocationMeter.allocatedBytes() - before);
            rearm.run();
        }
        return meter.allocatingBatches();
    }

    /** Asserts {@code body} allocates nothing per call (see {@link #allocatingBatches}). */
    void assertNoAllocation(String what, Runnable body, Runnable rearm) {
        int allocating = allocatingBatches(body, rearm);
        assertTrue(
                allocating < BATCHES, () -> what + ": all " + BATCHES + " batches of " + ROUNDS + " calls allocated");
    }

    /**
     * Raises one invalidation of the whole tracked range through the notifier core (start, then
     * end), with no page-table change in between: the mirror's callback and its end work.
     */
    void invalidate(MmuNotifierEvent event, Object owner) {
        range.init(mm, event, MmuNotifierRange.FLAG_BLOCKABLE, a, a + PMD, owner);
        assertTrue(mm.notifiers().invalidateRangeStart(range));
        mm.notifiers().invalidateRangeEnd(range);
    }

    void refault() {
        assertEquals(Errno.OK, mirror.fault(a, N, true));
    }

    @Test
    void eventWorkAllocatesNothing() {
        // Events whose work keeps the state: nothing to re-arm.
        for (MmuNotifierEvent e : new MmuNotifierEvent[] {MmuNotifierEvent.SOFT_DIRTY}) {
            assertNoAllocation(e.name(), () -> invalidate(e, null), () -> {});
        }
        assertNoAllocation("own MIGRATE", () -> invalidate(MmuNotifierEvent.MIGRATE, dev0), () -> {});
        assertNoAllocation("own EXCLUSIVE", () -> invalidate(MmuNotifierEvent.EXCLUSIVE, dev0), () -> {});
        // Events that zap or downgrade: re-fault outside the measured region.
        assertNoAllocation("CLEAR", () -> invalidate(MmuNotifierEvent.CLEAR, null), this::refault);
        assertNoAllocation("foreign MIGRATE", () -> invalidate(MmuNotifierEvent.MIGRATE, dev1), this::refault);
        assertNoAllocation("foreign EXCLUSIVE", () -> invalidate(MmuNotifierEvent.EXCLUSIVE, dev1), this::refault);
        assertNoAllocation("PROTECTION_VMA", () -> invalidate(MmuNotifierEvent.PROTECTION_VMA, null), this::refault);
        // UNMAP drops the tracked range: re-arm by tracking and faulting again.
        assertNoAllocation("UNMAP", () -> invalidate(MmuNotifierEvent.UNMAP, null), () -> {
            refault(); // runs the garbage collector first, then tracks and faults again
            tracked = trackedAt(a);
        });
        // PROTECTION_PAGE re-reads at the end: the device keeps its pages, nothing to re-arm.
        assertNoAllocation("PROTECTION_PAGE", () -> invalidate(MmuNotifierEvent.PROTECTION_PAGE, null), this::refault);
    }

    /**
     * The same over every shipped policy ({@code PolicyResolver.shipped()}, the zoo included), each
     * at its own tracking granularity, on a second mirror of the address space: every event's
     * invalidation work, own and foreign MIGRATE and EXCLUSIVE, and UNMAP with its garbage
     * collection re-armed outside the measured region. For amdkfd with XNACK off the measured
     * part is the eviction; the restore, which re-faults, runs in the re-arm.
     */
    @Test
    void everyShippedPolicysEventWorkAllocatesNothing() {
        for (Map.Entry<String, InvalidationPolicy> p : PolicyResolver.shipped().entrySet()) {
            Dmirror m = dev1.open(mm, MirrorOptions.forPolicy(p.getValue()));
            Runnable refaultBoth = () -> {
                refault();
                assertEquals(Errno.OK, m.fault(a, N, true));
            };
            refaultBoth.run();
            for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
                if (e == MmuNotifierEvent.RELEASE) {
                    continue; // ends the address space
                }
                boolean owned = e == MmuNotifierEvent.MIGRATE || e == MmuNotifierEvent.EXCLUSIVE;
                for (Object owner : owned ? new Object[] {dev1, dev0} : new Object[] {null}) {
                    assertNoAllocation(
                            p.getKey() + " " + e + " owner=" + owner, () -> invalidate(e, owner), refaultBoth);
                }
            }
            m.close();
        }
    }

    /** Kept reachable so the allocation in the control cannot be removed by escape analysis. */
    static volatile Object sink;

    @Test
    void aBodyThatAllocatesPerCallIsCaught() {
        // The control: the detector above must see one small object per call in every batch.
        assertEquals(BATCHES, allocatingBatches(() -> sink = new long[1], () -> {}));
    }

    @Test
    void faultOverPopulatedPagesAllocatesNothing() {
        assertNoAllocation("fault over populated pages", this::refault, () -> {});
        assertEquals(N, mirror.pageTable().populated());
    }
}

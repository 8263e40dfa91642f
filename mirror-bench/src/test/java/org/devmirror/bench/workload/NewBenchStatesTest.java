package org.devmirror.bench.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.devmirror.bench.FanOutBench;
import org.devmirror.bench.SoftDirtyHeldBench;
import org.devmirror.bench.ThreadScalingBench;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The set-up of the fan-out, SOFT_DIRTY held and thread-scaling benchmarks, and their operation:
 * one operation (with its restore) leaves the state as armed, so the next one does the same work.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NewBenchStatesTest {

    @Test
    void oneClearReachesEveryDeviceAndTheRestorePutsEveryDeviceBack() {
        try (InvalidationWorkload w = FanOutBench.workload(8)) {
            InvalidationFixture f = w.fixture();
            assertEquals(8, f.devices());
            assertTrue(f.isArmed(0));
            w.resetCounters();
            w.invalidate(0);
            for (int d = 0; d < 8; d++) {
                assertEquals(0, f.mirror(0, d).entry(f.region(0)), "device " + d + " zapped");
            }
            WorkCounters c = new WorkCounters();
            w.readCounters(c);
            assertEquals(8L * 512, c.snapshot().get("ptesZapped"));
            assertEquals(8L, c.snapshot().get("tlbFlushes"));
            assertFalse(f.isArmed(0));
            w.restore(0);
            assertTrue(f.isArmed(0));
            w.invalidateAndRestore(0);
            assertTrue(f.isArmed(0), "the benchmark's operation leaves every device armed");
        }
    }

    @Test
    void softDirtyLeavesWritableAndReadOnlyHoldingsAsTheyWere() {
        for (String held : List.of(SoftDirtyHeldBench.WRITABLE, SoftDirtyHeldBench.READ_ONLY)) {
            try (InvalidationWorkload w = SoftDirtyHeldBench.workload(held)) {
                InvalidationFixture f = w.fixture();
                boolean writable = held.equals(SoftDirtyHeldBench.WRITABLE);
                assertEquals(writable, f.writable());
                for (int p = 0; p < 512; p++) {
                    long e = f.mirror(0).entry(f.region(0) + p * f.pageStride());
                    assertTrue(DevicePteLayout.isValid(e), held + " page " + p);
                    assertEquals(writable, DevicePteLayout.isWrite(e), held + " page " + p);
                }
                w.resetCounters();
                w.invalidate(0);
                assertTrue(f.isArmed(0), held + ": SOFT_DIRTY neither zaps nor downgrades");
                WorkCounters c = new WorkCounters();
                w.readCounters(c);
                assertEquals(0L, c.snapshot().get("ptesZapped"), held);
                assertEquals(1L, c.snapshot().get("deviceInvalidations"), held);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> SoftDirtyHeldBench.workload("sometimes"));
    }

    @Test
    void threadsInvalidatingTheirOwnRegionsLeaveEveryRegionArmed() throws Exception {
        int threads = 2;
        int ops = 2_000;
        try (InvalidationWorkload w = ThreadScalingBench.workload(threads)) {
            w.resetCounters();
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> running = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                int k = t;
                running.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < ops; i++) {
                            w.invalidateAndRestore(k);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : running) {
                t.join();
            }
            assertEquals(List.of(), failures);
            for (int k = 0; k < threads; k++) {
                assertTrue(w.fixture().isArmed(k), "region " + k);
            }
            WorkCounters c = new WorkCounters();
            w.readCounters(c);
            assertEquals((long) threads * ops * 512, c.snapshot().get("ptesZapped"));
            assertEquals((long) threads * ops, c.snapshot().get("deviceInvalidations"));
        }
    }

    @Test
    void theFloorOfTheScalingPassesTheNotifierCoreAndReachesNoDevice() {
        try (InvalidationWorkload w = ThreadScalingBench.workload(2)) {
            w.resetCounters();
            long seq = w.subscriptions().sequence();
            long started = w.subscriptions().invalidationsStarted();
            w.fixture().raiseInGap(0);
            w.fixture().raiseInGap(1);
            assertEquals(started + 2, w.subscriptions().invalidationsStarted());
            assertEquals(seq, w.subscriptions().sequence(), "no interval was hit: no odd period");
            WorkCounters c = new WorkCounters();
            w.readCounters(c);
            assertEquals(0L, c.snapshot().get("deviceInvalidations"));
            assertEquals(0L, c.snapshot().get("ptesZapped"));
            assertTrue(w.fixture().isArmed(0) && w.fixture().isArmed(1));
        }
    }

    @Test
    void theScalingCurveRunsFromOneThreadToTheProcessors() {
        List<String> counts = ThreadScalingBench.threadCounts();
        assertEquals("1", counts.getFirst());
        assertTrue(counts.size() >= 2);
        assertEquals(
                Math.min(
                        InvalidationFixture.REGIONS,
                        Math.max(2, Runtime.getRuntime().availableProcessors())),
                counts.size());
    }
}

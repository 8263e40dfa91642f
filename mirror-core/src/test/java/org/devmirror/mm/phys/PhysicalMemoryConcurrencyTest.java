package org.devmirror.mm.phys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Threads allocating, sharing and freeing frames at once never lose or double-hand a frame. */
class PhysicalMemoryConcurrencyTest {
    private static final int THREADS = 3;
    private static final int ROUNDS = 2_000;

    /**
     * Each thread allocates a frame (or a folio), stamps it with its id, takes and drops extra
     * references, checks the stamp survived, and frees it. A frame handed to two threads at
     * once would show the other thread's stamp; a lost free would leave the free count short.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void concurrentAllocAndFreeKeepFramesExclusive() throws Exception {
        try (PhysicalMemory mem = new PhysicalMemory(4 * 512)) {
            long free = mem.freeFrames();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch go = new CountDownLatch(1);
            Thread[] threads = new Thread[THREADS];
            for (int t = 0; t < THREADS; t++) {
                long id = t + 1L;
                threads[t] = new Thread(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < ROUNDS; i++) {
                            boolean huge = i % 16 == 0;
                            long pfn = huge ? mem.allocHuge() : mem.allocFrame();
                            if (pfn == PhysicalMemory.NO_FRAME) {
                                continue; // another thread holds the whole blocks right now
                            }
                            long last = huge ? pfn + 511 : pfn;
                            mem.putLong(last, 8, id);
                            mem.get(last);
                            mem.put(pfn);
                            if (mem.getLong(last, 8) != id || mem.refcount(pfn) != 1) {
                                throw new AssertionError("pfn=" + pfn + " shared: stamp=" + mem.getLong(last, 8));
                            }
                            mem.put(last);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads[t].start();
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            // Every frame came back, and all blocks are whole again.
            assertEquals(free, mem.freeFrames());
            assertEquals(THREADS * ROUNDS, mem.allocationCount());
            for (int i = 0; i < 3; i++) {
                assertEquals(0, mem.allocHuge() % 512);
            }
        }
    }
}

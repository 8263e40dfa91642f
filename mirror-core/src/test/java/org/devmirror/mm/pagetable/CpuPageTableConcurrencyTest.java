package org.devmirror.mm.pagetable;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two fault threads installing disjoint PTEs in shared tables while a lockless reader walks. */
class CpuPageTableConcurrencyTest {
    private static final long PAGE = CpuPageTable.PAGE_SIZE;
    // 4 MiB spread over two PMDs, plus the same again in another PGD slot: tables are shared
    // between the writers and created and freed while they race.
    private static final long SPAN = 2 * CpuPageTable.PMD_SIZE;
    private static final long[] BASES = {0x7f0000000000L - SPAN, 1L << 39};

    private static long expected(long va) {
        return PteLayout.present(va >>> 12, (va & PAGE) != 0);
    }

    /** Interleaved writers leave every entry set, then every table freed; the reader sees no torn entry. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void disjointWritersShareTables() throws Exception {
        try (CpuPageTable pt = new CpuPageTable()) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int round = 0; round < 5; round++) {
                // Install: thread 0 takes even pages, thread 1 odd pages.
                runWriters(pt, failure, true);
                for (long base : BASES) {
                    for (long va = base; va < base + SPAN; va += PAGE) {
                        assertEquals(expected(va), pt.get(va), "va=0x" + Long.toHexString(va));
                    }
                    assertEquals(base, pt.nextPopulated(base, base + SPAN));
                }
                assertEquals(2 * (1 + 1 + 2), pt.tablePages());
                // Clear the same way: the last clear of each table frees it, exactly once.
                runWriters(pt, failure, false);
                assertEquals(0, pt.tablePages());
                assertEquals(CpuPageTable.TASK_SIZE, pt.nextPopulated(0, CpuPageTable.TASK_SIZE));
            }
        }
    }

    private static void runWriters(CpuPageTable pt, AtomicReference<Throwable> failure, boolean install)
            throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        Thread[] writers = new Thread[2];
        for (int t = 0; t < 2; t++) {
            long parity = t;
            writers[t] = new Thread(() -> {
                try {
                    go.await();
                    for (long base : BASES) {
                        for (long va = base + parity * PAGE; va < base + SPAN; va += 2 * PAGE) {
                            pt.set(va, install ? expected(va) : 0);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            writers[t].start();
        }
        // A lockless reader: every entry it sees is 0 or exactly what a writer stored.
        Thread reader = new Thread(() -> {
            try {
                go.await();
                while (writers[0].isAlive() || writers[1].isAlive()) {
                    for (long base : BASES) {
                        for (long va = pt.nextPopulated(base, base + SPAN);
                                va < base + SPAN;
                                va = pt.nextPopulated(va + PAGE, base + SPAN)) {
                            long e = pt.get(va);
                            if (e != 0 && e != expected(va)) {
                                throw new AssertionError(
                                        "va=0x" + Long.toHexString(va) + " read " + PteLayout.describe(e));
                            }
                        }
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        reader.start();
        go.countDown();
        for (Thread w : writers) {
            w.join();
        }
        reader.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }
}

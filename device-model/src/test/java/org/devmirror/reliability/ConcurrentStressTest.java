package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two host threads and two device threads on one address space (64 small pages and a huge page)
 * for a bounded number of operations, with the safety oracle and the data check at quiescent
 * points between rounds. Each thread writes only the pages it owns (page index modulo 4) and keeps
 * their expected contents; everything else — reclaim, compaction, KSM, THP split and collapse,
 * fork, migration, exclusive access, device faults — runs over shared ranges. One host thread also
 * forks a child that device 0 mirrors and faults, and OOM-reaps it: the non-blockable
 * invalidation is refused while the device holds its lock, retried until accepted, and after it
 * the child's device maps nothing (never lost). A deadlock fails the test with a thread dump.
 *
 * <p>Long mode: {@code -Dreliability.stressRounds=N} (default 6 rounds of 150 operations per thread).
 */
class ConcurrentStressTest {
    static final long PAGE = Host.PAGE_SIZE;
    static final long SMALL = 0x1000_0000L;
    static final int SMALL_PAGES = 64;
    static final long HUGE = 0x4000_0000L;
    static final int HUGE_PAGES = 512;
    static final int ROUNDS = Integer.getInteger("reliability.stressRounds", 6);
    static final int OPS_PER_ROUND = 150;
    static final int THREADS = 4;

    private Host host;
    private AddressSpace parent;
    private final DmirrorDevice[] devices = new DmirrorDevice[2];
    private final Dmirror[] mirrors = new Dmirror[2];
    /** Expected word of every page, per owner; each map is written only by its owner thread. */
    private final List<Map<Long, Long>> shadows = new ArrayList<>();

    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong reaps = new AtomicLong();
    private final AtomicLong oracleChecks = new AtomicLong();
    /** The child being OOM-reaped and its device-0 mirror; guarded by childLock. */
    private final AtomicReference<Dmirror> child = new AtomicReference<>();

    private final ReentrantReadWriteLock childLock = new ReentrantReadWriteLock();
    private PagePeekCheck peekCheck;
    /** What each thread is doing, for the report when the watchdog fires. */
    private final String[] current = new String[THREADS];

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void hostAndDeviceThreadsKeepTheMirrorSafe() throws Exception {
        // Step 1: one address space with small and huge pages, two devices mirroring it.
        host = new Host(HostConfig.defaults().withFrames(4096).withSwapSlots(1024));
        parent = host.newAddressSpace();
        assertEquals(
                SMALL,
                parent.mmap(
                        SMALL, SMALL_PAGES * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED));
        assertEquals(
                HUGE,
                parent.mmap(
                        HUGE,
                        HUGE_PAGES * PAGE,
                        Prot.RW,
                        MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED | MapFlags.HUGEPAGE));
        assertEquals(Errno.OK, parent.cpuFill(HUGE, Host.PMD_SIZE, (byte) 0));
        for (int d = 0; d < 2; d++) {
            devices[d] = new DmirrorDevice(host, d, 1024);
            mirrors[d] = devices[d].open(parent);
        }
        for (int t = 0; t < THREADS; t++) {
            shadows.add(new HashMap<>());
        }
        peekCheck = new PagePeekCheck(host);
        CyclicBarrier quiescent = new CyclicBarrier(THREADS, this::checkQuiescent);
        long start = System.nanoTime();
        // Step 2: the four threads run their rounds; the barrier action checks between rounds.
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            threads.add(Thread.ofPlatform()
                    .name("stress-" + (t < 2 ? "host" : "device") + t)
                    .start(() -> worker(id, quiescent)));
        }
        try (Watchdog watchdog =
                new Watchdog("stress", Integer.getInteger("reliability.stressWatchdog", 90), TimeUnit.SECONDS)) {
            for (Thread th : threads) {
                try {
                    th.join();
                } catch (InterruptedException e) {
                    fail("no progress (deadlock or livelock); threads were doing " + java.util.Arrays.toString(current)
                            + "; violations so far: " + violations + "\nthread dump:\n" + watchdog.dump());
                }
            }
        }
        // Step 3: no violation at any quiescent point, every thread finished all its rounds.
        System.out.printf(
                "stress: %d threads, %d rounds, %d operations, %d oracle checks, %d OOM reaps with %d refusals retried,"
                        + " %d violations, %.1f s%n",
                THREADS,
                ROUNDS,
                ops.get(),
                oracleChecks.get(),
                reaps.get(),
                refusals.get(),
                violations.size(),
                (System.nanoTime() - start) / 1e9);
        assertEquals(List.of(), violations);
        assertEquals((long) THREADS * ROUNDS * OPS_PER_ROUND, ops.get());
        assertTrue(reaps.get() >= 1, "the OOM reaper ran");
        for (Dmirror m : mirrors) {
            m.close();
        }
        host.close();
        for (DmirrorDevice d : devices) {
            d.close();
        }
    }

    private void worker(int id, CyclicBarrier quiescent) {
        SplittableRandom rnd = new SplittableRandom(0x5eed + id);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < OPS_PER_ROUND; i++) {
                    current[id] = "op";
                    if (id < 2) {
                        hostOp(id, rnd);
                    } else {
                        deviceOp(id, rnd);
                    }
                    ops.incrementAndGet();
                }
                quiescent.await(120, TimeUnit.SECONDS);
            }
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            violations.add(Thread.currentThread().getName() + ": barrier " + e + "\n" + Watchdog.threadDump());
            quiescent.reset();
        } catch (Throwable e) {
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace));
            violations.add(Thread.currentThread().getName() + " (" + current[id] + "): " + trace);
            quiescent.reset();
        }
    }

    /** A page this thread owns: index modulo 4 equals its id. */
    private static long ownPage(int id, SplittableRandom rnd) {
        if (rnd.nextBoolean()) {
            return SMALL + (rnd.nextInt(SMALL_PAGES / THREADS) * THREADS + id) * PAGE;
        }
        return HUGE + (rnd.nextInt(HUGE_PAGES / THREADS) * THREADS + id) * PAGE;
    }

    /** Any range of up to 8 pages in either region. */
    private static long anyRange(SplittableRandom rnd) {
        return rnd.nextBoolean()
                ? SMALL + rnd.nextInt(SMALL_PAGES - 8) * PAGE
                : HUGE + rnd.nextInt(HUGE_PAGES - 8) * PAGE;
    }

    private void hostOp(int id, SplittableRandom rnd) {
        Map<Long, Long> shadow = shadows.get(id);
        int op = rnd.nextInt(100);
        long range = anyRange(rnd);
        int pages = 1 + rnd.nextInt(8);
        if (op < 35) {
            long va = ownPage(id, rnd);
            int b = rnd.nextInt(256);
            expectOk("CPU write", parent.cpuFill(va, PAGE, (byte) b));
            shadow.put(va, PageModel.fillWord(b));
        } else if (op < 45) {
            long va = ownPage(id, rnd);
            byte[] buf = new byte[(int) PAGE];
            expectOk("CPU read", parent.cpuRead(va, buf, 0, buf.length));
            compare("CPU read", va, shadow.getOrDefault(va, 0L), buf);
        } else if (op < 52) {
            parent.reclaim(range, pages * PAGE);
        } else if (op < 59) {
            parent.compact(range, pages * PAGE);
        } else if (op < 64) {
            parent.ksmMerge(range, pages * PAGE);
        } else if (op < 68) {
            parent.clearSoftDirty();
        } else if (op < 72) {
            parent.splitHuge(HUGE);
        } else if (op < 76) {
            parent.collapseHuge(HUGE);
        } else if (op < 80) {
            expectOk("mprotect", parent.mprotect(SMALL, SMALL_PAGES * PAGE, Prot.RW));
        } else if (op < 86) {
            expectOk("madvise PAGEOUT", parent.madvise(range, pages * PAGE, Advice.PAGEOUT));
        } else if (op < 92 || id != 0) {
            parent.fork().exit(); // copy_page_range write-protects the parent: PROTECTION_PAGE
        } else {
            oomReapChild();
        }
    }

    /**
     * Forks a child, lets device 0 mirror and fault it, then OOM-reaps it: EAGAIN while the device
     * holds its lock is retried until accepted; afterwards the oracle holds for the child's mirror.
     */
    private void oomReapChild() {
        AddressSpace c = parent.fork();
        Dmirror cm = devices[0].open(c);
        child.set(cm);
        Errno r;
        while ((r = c.oomReap()) == Errno.EAGAIN) {
            refusals.incrementAndGet(); // oom_reap_task retries a refused reap
            Thread.onSpinWait();
        }
        expectOk("OOM reap", r);
        reaps.incrementAndGet();
        childLock.writeLock().lock();
        try {
            child.set(null);
            OracleReport report = SafetyOracle.check(cm);
            oracleChecks.incrementAndGet();
            if (!report.isClean()) {
                violations.add("after the OOM reap: " + report);
            }
            // The reaped VMAs stay: a device thread may have refaulted the child between the reap
            // and this lock, so what the device maps now is judged by the oracle above (every
            // entry names the frame the CPU maps), not by expecting it to map nothing.
            c.exit();
            cm.close();
        } finally {
            childLock.writeLock().unlock();
        }
    }

    private void deviceOp(int id, SplittableRandom rnd) {
        Map<Long, Long> shadow = shadows.get(id);
        Dmirror m = mirrors[id - 2];
        int op = rnd.nextInt(100);
        long range = anyRange(rnd);
        int pages = 1 + rnd.nextInt(8);
        if (op < 30) {
            long va = ownPage(id, rnd);
            int b = rnd.nextInt(256);
            byte[] buf = new byte[(int) PAGE];
            java.util.Arrays.fill(buf, (byte) b);
            current[id] = describe(m, "device write", va);
            DeviceCommand c = m.write(va, 1, buf);
            if (c.cpages() == 1) {
                shadow.put(va, PageModel.fillWord(b));
            } else if (c.result() != Errno.EFAULT) {
                tolerate("device write", c.result());
            }
            // EFAULT is the kernel's answer when a fork has left this device's own device-private
            // page read-only: range fault reports it as it is and dmirror_do_fault refuses a
            // read-only page for a write. The page keeps its old bytes, so the shadow stays.
        } else if (op < 45) {
            long va = ownPage(id, rnd);
            byte[] buf = new byte[(int) PAGE];
            current[id] = describe(m, "device read", va);
            DeviceCommand c = m.read(va, 1, buf);
            if (c.isOk()) {
                compare("device read", va, shadow.getOrDefault(va, 0L), buf);
            } else {
                tolerate("device read", c.result());
            }
        } else if (op < 55) {
            long va = ownPage(id, rnd);
            long delta = 1L + rnd.nextInt(5);
            current[id] = describe(m, "device atomic", va);
            DeviceCommand c = m.atomicAdd(va, 1, delta);
            if (c.cpages() == 1) {
                shadow.put(va, shadow.getOrDefault(va, 0L) + delta);
            } else {
                tolerate("device atomic", c.result());
            }
        } else if (op < 65) {
            m.migrateToDevice(range, pages);
        } else if (op < 75) {
            m.migrateToSystem(range, pages);
        } else if (op < 80) {
            m.exclusive(range, pages);
        } else if (op < 90) {
            m.fault(range, pages, rnd.nextBoolean());
        } else if (id == 2) {
            childLock.readLock().lock();
            try {
                Dmirror cm = child.get();
                if (cm != null) {
                    cm.fault(
                            SMALL + rnd.nextInt(SMALL_PAGES - 8) * PAGE,
                            8,
                            false); // holds its driver lock: the reaper may be refused
                }
            } finally {
                childLock.readLock().unlock();
            }
        } else {
            m.fault(range, pages, false);
        }
    }

    /** The command and the CPU and device entries of its page, before it runs. */
    private String describe(Dmirror m, String what, long va) {
        long cpu = parent.pageTable().get(va);
        return what + " 0x" + Long.toHexString(va) + " cpu=" + org.devmirror.mm.pagetable.PteLayout.describe(cpu)
                + " dev=" + org.devmirror.device.pagetable.DevicePteLayout.describe(m.entry(va));
    }

    /** Quiescent point (the barrier action): the oracle on both mirrors and every owned page against its owner's model. */
    private void checkQuiescent() {
        for (Dmirror m : mirrors) {
            OracleReport r = SafetyOracle.check(m);
            oracleChecks.incrementAndGet();
            if (!r.isClean()) {
                violations.add("oracle: " + r);
            }
        }
        byte[] buf = new byte[(int) PAGE];
        for (int t = 0; t < THREADS; t++) {
            for (Map.Entry<Long, Long> e : shadows.get(t).entrySet()) {
                long actual = peekCheck.firstMismatch(parent, e.getKey(), e.getValue(), buf);
                if (actual != Long.MIN_VALUE) {
                    violations.add("data: page 0x" + Long.toHexString(e.getKey()) + " of thread " + t + " holds 0x"
                            + Long.toHexString(actual) + ", expected 0x" + Long.toHexString(e.getValue()));
                }
            }
        }
    }

    /** Under contention a device command may time out (EBUSY) or find memory short; neither may corrupt data. */
    private void tolerate(String what, Errno e) {
        if (e != Errno.EBUSY && e != Errno.ENOMEM && e != Errno.EAGAIN) {
            violations.add(what + " returned " + e);
        }
    }

    private void expectOk(String what, Errno e) {
        if (e != Errno.OK) {
            violations.add(what + " returned " + e);
        }
    }

    private void compare(String what, long va, long word, byte[] buf) {
        ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        for (int off = 0; off < PAGE; off += 8) {
            if (bb.getLong(off) != word) {
                violations.add(what + " of 0x" + Long.toHexString(va) + " word +" + off + " = 0x"
                        + Long.toHexString(bb.getLong(off)) + ", expected 0x" + Long.toHexString(word));
                return;
            }
        }
    }

    /** PagePeek for anonymous pages: the whole page against one expected word. */
    private static final class PagePeekCheck {
        private final PagePeek peek;

        PagePeekCheck(Host host) {
            this.peek = new PagePeek(host);
        }

        /** The first word of the page that differs from {@code word}, or Long.MIN_VALUE if none. */
        long firstMismatch(AddressSpace mm, long va, long word, byte[] unused) {
            for (int off = 0; off < PAGE; off += 8) {
                long actual = peek.word(mm, va, off, null, 0);
                if (actual != word) {
                    return actual;
                }
            }
            return Long.MIN_VALUE;
        }
    }
}

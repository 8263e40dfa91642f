package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Errno;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The verbs of {@link MirrorActions} as the mirror implements them, seen from a driver's
 * invalidate callback: what each returns (PTEs cleared or downgraded, TLB entries dropped), when a
 * TLB invalidation is issued and counted, that exclusive (ATOMIC) entries never survive a
 * downgrade, that every verb refuses to act outside the callback or outside the part of the range
 * it may touch (changing nothing), and what the JFR event reports. A probe policy runs the
 * test's reaction for one event and zaps and flushes every other, like any safe driver. THP is
 * off, so every count is in 4 KiB PTEs, and the region is one whole 2 MiB tracked range.
 */
class MirrorActionsTest extends DeviceFixture {
    /** What the probe does for the event under test. */
    @FunctionalInterface
    interface Reaction {
        void react(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end);
    }

    /** Runs {@link #reaction} for {@link #event}; zaps and flushes for every other event. */
    static final class Probe implements InvalidationPolicy {
        MmuNotifierEvent event;
        Reaction reaction;
        /** The actions of the last call, kept to show they are dead once it returns. */
        MirrorActions last;

        @Override
        public void invalidate(
                MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
            last = mirror;
            if (range.event() == event && reaction != null) {
                reaction.react(mirror, tracked, range, start, end);
            } else {
                mirror.zap(start, end);
                mirror.flushChanged();
            }
        }

        @Override
        public String name() {
            return "probe";
        }
    }

    final Probe probe = new Probe();
    /** Two whole 2 MiB tracked ranges: [a, a + PMD) and [a + PMD, a + 2 * PMD). */
    long a;

    @Override
    protected HostConfig hostConfig() {
        return super.hostConfig().withThpEnabled(false);
    }

    @Override
    protected MirrorOptions options() {
        return MirrorOptions.forPolicy(probe);
    }

    @BeforeEach
    void map() {
        a = anonHuge(2 * PMD / PAGE);
        cpuInit(mm, a, 2 * PMD / PAGE, 0);
    }

    /** The probe reacts to {@code event} with {@code reaction} from now on. */
    void on(MmuNotifierEvent event, Reaction reaction) {
        probe.event = event;
        probe.reaction = reaction;
    }

    /** The device reads {@code pages} pages at {@code va}: mapped read-only, and cached in its TLB. */
    void deviceReads(long va, int pages) {
        assertEquals(
                Errno.OK, mirror.read(va, pages, new byte[(int) (pages * PAGE)]).result());
    }

    /** The device writes {@code pages} pages at {@code va}: mapped writable, and cached in its TLB. */
    void deviceWrites(long va, int pages) {
        assertEquals(Errno.OK, mirror.write(va, pages, ints(pages, 7)).result());
    }

    void mprotectReadOnly(long va, long pages) {
        assertEquals(Errno.OK, mm.mprotect(va, pages * PAGE, Prot.READ));
    }

    /** One verb of the actions on the callback's part of the range, and what it returned. */
    @FunctionalInterface
    interface Verb {
        long call(MirrorActions mirror, long start, long end);
    }

    static final Verb FLUSH_CHANGED = (m, start, end) -> m.flushChanged();
    static final Verb FLUSH_BATCHED = (m, start, end) -> m.flushBatched();

    /**
     * mprotects {@code pages} pages at {@code va} read-only while every PROTECTION_VMA callback calls
     * {@code verbs} in order; returns what they returned, callback after callback.
     */
    long[] mprotectCalling(long va, long pages, Verb... verbs) {
        List<Long> got = new ArrayList<>();
        on(MmuNotifierEvent.PROTECTION_VMA, (m, t, r, start, end) -> {
            for (Verb v : verbs) {
                got.add(v.call(m, start, end));
            }
        });
        mprotectReadOnly(va, pages);
        return got.stream().mapToLong(Long::longValue).toArray();
    }

    static boolean rejects(Class<? extends Throwable> type, Executable verb) {
        try {
            verb.execute();
            return false;
        } catch (Throwable t) {
            return type.isInstance(t);
        }
    }

    @Test
    void zapReturnsThePtesClearedAndOneFlushDropsTheCachedTranslationsOnce() {
        deviceReads(a, 8);
        // A second flush with nothing changed since the first would invalidate nothing: none is issued.
        long[] got = mprotectCalling(a, 8, MirrorActions::zap, MirrorActions::flushTlb, MirrorActions::flushTlb);
        DeviceStats s = mirror.stats();
        assertEquals(8, got[0], "zap returns the PTEs it cleared");
        assertEquals(8, got[1], "the flush drops the 8 translations the device's reads cached");
        assertEquals(0, got[2], "nothing left to drop");
        assertEquals(8, s.ptesZapped(MmuNotifierEvent.PROTECTION_VMA));
        assertEquals(1, s.tlbFlushes(MmuNotifierEvent.PROTECTION_VMA), "one TLB invalidation, not two");
        assertEquals(0, mirror.pageTable().populated());
        assertOracle(mirror);
    }

    @Test
    void downgradeReturnsThePtesMadeReadOnlyAndKeepsThemMapped() {
        deviceWrites(a, 8);
        long[] got = mprotectCalling(a, 8, MirrorActions::downgrade, FLUSH_CHANGED);
        assertEquals(8, got[0], "8 writable PTEs lost WRITE");
        assertEquals(8, got[1], "one flush over the downgraded span drops their translations");
        assertEquals(8, mirror.stats().ptesDowngraded(MmuNotifierEvent.PROTECTION_VMA));
        assertEquals(8, mirror.pageTable().populated(), "readable: kept");
        for (int i = 0; i < 8; i++) {
            long e = mirror.entry(a + i * PAGE);
            assertTrue(DevicePteLayout.isValid(e) && !DevicePteLayout.isWrite(e), "page " + i);
        }
        assertOracle(mirror);
    }

    /**
     * A read-only view of a page the device holds exclusively is no state the CPU ever grants:
     * clear_refs' downgrade zaps the ATOMIC entries (pages 3 and 5) and leaves the others mapped
     * read-only. The page table is read inside the callback, before the host goes on.
     */
    @Test
    void aDowngradeZapsTheExclusiveEntriesAndKeepsTheOthersReadOnly() {
        deviceWrites(a, 8);
        assertEquals(Errno.OK, mirror.exclusive(a + 3 * PAGE, 1).result());
        assertEquals(Errno.OK, mirror.exclusive(a + 5 * PAGE, 1).result());
        assertTrue(DevicePteLayout.isAtomic(mirror.entry(a + 3 * PAGE)));
        assertTrue(DevicePteLayout.isAtomic(mirror.entry(a + 5 * PAGE)));
        long[] downgraded = new long[1];
        long[] inside = new long[8];
        on(MmuNotifierEvent.SOFT_DIRTY, (m, t, r, start, end) -> {
            downgraded[0] = m.downgrade(start, end);
            for (int i = 0; i < 8; i++) {
                inside[i] = mirror.pageTable().get(a + i * PAGE);
            }
            m.flushChanged();
        });
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(6, downgraded[0], "the six plain writable entries are downgraded");
        assertEquals(2, mirror.stats().ptesZapped(MmuNotifierEvent.SOFT_DIRTY), "the two ATOMIC ones are zapped");
        for (int i = 0; i < 8; i++) {
            if (i == 3 || i == 5) {
                assertEquals(0, inside[i], "ATOMIC page " + i + " zapped");
            } else {
                assertTrue(
                        DevicePteLayout.isValid(inside[i]) && !DevicePteLayout.isWrite(inside[i]),
                        "page " + i + " kept read-only");
            }
        }
    }

    /**
     * The last callback of an invalidation for this device (the range ends inside its tracked
     * range) issues the batch itself and returns what it dropped; an earlier callback only owes
     * it. One TLB invalidation covers both tracked ranges.
     */
    @Test
    void theLastCallbackIssuesTheBatchedFlushOverEveryCallbacksChanges() {
        deviceReads(a + PMD - 4 * PAGE, 8); // 4 pages at the end of each tracked range
        long[] batched = mprotectCalling(a + PMD - 4 * PAGE, 8, MirrorActions::zap, FLUSH_BATCHED);
        assertArrayEquals(new long[] {4, 0, 4, 8}, batched, "deferred by the first callback, issued by the second");
        assertEquals(1, mirror.stats().tlbFlushes(MmuNotifierEvent.PROTECTION_VMA));
        assertEquals(2, mirror.stats().invalidations(MmuNotifierEvent.PROTECTION_VMA));
        assertOracle(mirror);
    }

    /** A range that ends exactly where the tracked range ends is its last callback too. */
    @Test
    void aRangeEndingAtTheTrackedRangesEndIsFlushedInItsCallback() {
        deviceReads(a + PMD - 4 * PAGE, 4);
        // The batch takes this callback's changes: nothing is left for another flush.
        long[] got = mprotectCalling(a + PMD - 4 * PAGE, 4, MirrorActions::zap, FLUSH_BATCHED, FLUSH_CHANGED);
        assertEquals(4, got[1], "issued in the callback: the 4 cached translations dropped");
        assertEquals(0, got[2]);
        assertEquals(1, mirror.stats().tlbFlushes(MmuNotifierEvent.PROTECTION_VMA), "one flush, not two");
        assertOracle(mirror);
    }

    /**
     * The batched flush's hint is read without the lock: an mprotect of memory this device tracks
     * nothing of must not wait for the device's driver lock, held here by another thread (a device
     * fault in progress, say).
     */
    @Test
    void anInvalidationThatOwesTheDeviceNothingDoesNotWaitForItsDriverLock() throws Exception {
        long other = anon(4, Prot.RW); // never touched by the device: tracked by nothing
        deviceReads(a, 1); // the mirror is live
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean releasedEarly = new AtomicBoolean();
        Thread holder = new Thread(() -> {
            mirror.lock().lock();
            try {
                held.countDown();
                releasedEarly.set(await(done));
            } finally {
                mirror.lock().unlock();
            }
        });
        holder.start();
        assertTrue(held.await(5, TimeUnit.SECONDS));
        assertEquals(Errno.OK, mm.mprotect(other, 4 * PAGE, Prot.READ));
        done.countDown();
        holder.join(5000);
        assertTrue(releasedEarly.get(), "the mprotect returned while the driver lock was held");
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void vmaProtReportsTheProtectionMprotectAlreadySet() {
        deviceReads(a, 4);
        int[] prot = new int[1];
        on(MmuNotifierEvent.PROTECTION_VMA, (m, t, r, start, end) -> {
            prot[0] = m.vmaProt(start + 2 * PAGE + 123); // any address inside the range
            m.zap(start, end);
            m.flushChanged();
        });
        mprotectReadOnly(a, 4);
        assertEquals(Prot.READ, prot[0], "vm_page_prot is set before change_protection");
    }

    /**
     * Every verb is valid only inside the callback: the actions a policy kept refuse afterwards,
     * with or without the driver lock, and change nothing.
     */
    @Test
    void theActionsAreDeadOnceTheCallbackReturns() {
        deviceReads(a, 8);
        mprotectReadOnly(a, 1); // the probe's default: zap and flush
        MirrorActions kept = probe.last;
        assertNotNull(kept);
        long populated = mirror.pageTable().populated();
        long flushes = mirror.stats().tlbFlushes(MmuNotifierEvent.PROTECTION_VMA);
        for (boolean locked : new boolean[] {false, true}) {
            if (locked) {
                mirror.lock().lock();
            }
            try {
                assertArrayEquals(
                        new boolean[12],
                        new boolean[] {
                            !rejects(IllegalStateException.class, () -> kept.zap(a, a + PAGE)),
                            !rejects(IllegalStateException.class, () -> kept.flushTlb(a, a + PAGE)),
                            !rejects(IllegalStateException.class, kept::flushChanged),
                            !rejects(IllegalStateException.class, kept::flushBatched),
                            !rejects(IllegalStateException.class, () -> kept.nextMapped(a, a + PAGE)),
                            !rejects(IllegalStateException.class, () -> kept.evictQueues(a, a + PAGE)),
                            !rejects(IllegalStateException.class, () -> kept.downgrade(a, a + PAGE)),
                            !rejects(IllegalStateException.class, () -> kept.vmaProt(a)),
                            !rejects(IllegalStateException.class, () -> kept.rereadAtEnd(a, a + PAGE)),
                            !rejects(IllegalStateException.class, () -> kept.softDirtyAtEnd(a, a + PAGE)),
                            !rejects(IllegalStateException.class, () -> kept.dropTracking(null, a, a + PAGE)),
                            !rejects(IllegalStateException.class, kept::skip)
                        },
                        "every verb refuses (locked=" + locked + ")");
            } finally {
                if (locked) {
                    mirror.lock().unlock();
                }
            }
        }
        assertEquals(populated, mirror.pageTable().populated());
        assertEquals(flushes, mirror.stats().tlbFlushes(MmuNotifierEvent.PROTECTION_VMA));
        assertEquals(0, mirror.stats().skipped(MmuNotifierEvent.PROTECTION_VMA));
        assertFalse(mirror.driver().queuesStopped());
    }

    /**
     * Inside the callback, zap, flushTlb and nextMapped may act anywhere in the tracked range,
     * every other verb only on the invalidated part; a range outside those, empty or not page
     * aligned is refused with IllegalArgumentException, and changes nothing.
     */
    @Test
    void eachVerbActsOnlyOnThePartOfTheRangeItMayTouch() {
        deviceReads(a, 16);
        List<String> accepted = new ArrayList<>();
        long[] outsideZap = new long[1];
        on(MmuNotifierEvent.PROTECTION_VMA, (m, t, r, start, end) -> {
            assertEquals(a + 8 * PAGE, start);
            long before = a; // tracked, not invalidated
            long beyond = t.end(); // not tracked
            record(accepted, "evictQueues", () -> m.evictQueues(before, before + PAGE));
            record(accepted, "downgrade", () -> m.downgrade(before, before + PAGE));
            record(accepted, "vmaProt", () -> m.vmaProt(before));
            record(accepted, "rereadAtEnd", () -> m.rereadAtEnd(before, before + PAGE));
            record(accepted, "softDirtyAtEnd", () -> m.softDirtyAtEnd(before, before + PAGE));
            record(accepted, "dropTracking", () -> m.dropTracking(t, before, before + PAGE));
            record(accepted, "zap beyond", () -> m.zap(beyond, beyond + PAGE));
            record(accepted, "flushTlb beyond", () -> m.flushTlb(beyond, beyond + PAGE));
            record(accepted, "nextMapped beyond", () -> m.nextMapped(beyond, beyond + PAGE));
            record(accepted, "zap empty", () -> m.zap(start, start));
            record(accepted, "zap unaligned start", () -> m.zap(start + 1, start + PAGE));
            record(accepted, "zap unaligned end", () -> m.zap(start, start + PAGE + 1));
            // Zapping more than the host invalidates is always safe: the whole tracked range is open.
            outsideZap[0] = m.zap(before, before + PAGE);
            m.zap(start, end);
            m.flushChanged();
        });
        mprotectReadOnly(a + 8 * PAGE, 8);
        assertEquals(List.of(), accepted, "verbs that acted where they may not");
        assertEquals(1, outsideZap[0], "zap may clear a tracked page the host does not invalidate");
        DeviceStats s = mirror.stats();
        assertEquals(0, s.ptesDowngraded(MmuNotifierEvent.PROTECTION_VMA));
        assertEquals(9, s.ptesZapped(MmuNotifierEvent.PROTECTION_VMA));
        assertEquals(7, mirror.pageTable().populated());
        assertFalse(mirror.driver().queuesStopped(), "no eviction was recorded");
        mirror.collectGarbage();
        assertTrue(mirror.isTracked(a), "still tracked: dropTracking was refused");
        assertOracle(mirror);
    }

    private static void record(List<String> accepted, String what, Executable verb) {
        if (!rejects(IllegalArgumentException.class, verb)) {
            accepted.add(what);
        }
    }

    /** The JFR event of an invalidation counts every PTE the policy zapped or downgraded. */
    @Test
    void theJfrEventReportsThePtesThePolicyTouched() throws Exception {
        deviceWrites(a, 8);
        on(MmuNotifierEvent.PROTECTION_VMA, (m, t, r, start, end) -> {
            m.zap(start, start + 2 * PAGE);
            m.downgrade(start + 2 * PAGE, end);
            m.flushChanged();
        });
        Path file = Files.createTempFile("invalidation", ".jfr");
        try (Recording rec = new Recording()) {
            rec.enable("org.devmirror.DeviceInvalidation").withoutThreshold();
            rec.start();
            mprotectReadOnly(a, 8);
            rec.stop();
            rec.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            assertEquals(1, events.size(), events::toString);
            RecordedEvent e = events.get(0);
            assertEquals("PROTECTION_VMA", e.getString("event"));
            assertEquals("probe", e.getString("policy"));
            assertEquals(8, e.getLong("ptesTouched"), "2 zapped + 6 downgraded");
        } finally {
            Files.deleteIfExists(file);
        }
    }
}

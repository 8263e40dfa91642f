package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.devmirror.notifier.NotifierRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The mirror's invalidate callback ({@code dmirror_interval_invalidate}) around the policy: how it
 * takes the driver lock for a non-blockable invalidation as each driver does (spin, sleep), what it
 * does for a policy that ignores invalidations, the JFR event it emits, queue eviction and restore
 * (amdkfd without XNACK), and ATOMIC entries under a downgrade.
 */
class InvalidationCallbackTest extends DeviceFixture {
    static final int N = 64;

    /** A second mirror of {@link #mm}, on the other device, under {@code options}, with the device's pages faulted in for write. */
    Dmirror faulted(MirrorOptions options, long a) {
        Dmirror m = dev1.open(mm, options);
        assertEquals(Errno.OK, m.fault(a, N, true));
        assertEquals(N, m.pageTable().populated());
        return m;
    }

    /**
     * A policy that asks to ignore CLEAR and RELEASE (the hook dmirror uses for its own MIGRATE),
     * and otherwise does what the event-aware policy does.
     */
    static final class IgnoresClearAndRelease implements InvalidationPolicy {
        @Override
        public String name() {
            return "ignores CLEAR and RELEASE";
        }

        @Override
        public boolean ignores(MmuNotifierRange range, Object mirrorOwner) {
            return range.event() == MmuNotifierEvent.CLEAR || range.event() == MmuNotifierEvent.RELEASE;
        }

        @Override
        public void invalidate(
                MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
            EventAwarePolicy.INSTANCE.invalidate(mirror, tracked, range, start, end);
        }
    }

    // ------------------------------------------------------------------ non-blockable invalidations

    /**
     * KVM takes a spinning lock in a non-blockable invalidation (NonBlockable.SPIN): the OOM
     * reaper's CLEAR waits while another thread holds the driver lock, and goes through once it is
     * let go, neither refused nor sleeping.
     */
    @Test
    @Timeout(20)
    void kvmSpinsForTheDriverLockUntilItIsLetGo() throws Exception {
        long a = anonHuge(N);
        Dmirror kvm = faulted(MirrorOptions.forPolicy(KvmPolicy.INSTANCE).withFaultTimeoutMillis(10_000), a);
        CompletableFuture<Errno> reaped;
        kvm.lock().lock();
        try {
            reaped = CompletableFuture.supplyAsync(mm::oomReap, MirrorStateTest.THREAD);
            Thread.sleep(200);
            assertFalse(reaped.isDone(), "still spinning on the driver lock");
        } finally {
            kvm.lock().unlock();
        }
        assertEquals(Errno.OK, reaped.get(10, TimeUnit.SECONDS));
        assertEquals(0, kvm.stats().refused(MmuNotifierEvent.CLEAR));
        assertEquals(1, kvm.stats().invalidations(MmuNotifierEvent.CLEAR));
        assertEquals(0, kvm.pageTable().populated());
        assertOracle(kvm);
    }

    /**
     * The spin is bounded by the mirror's fault timeout (real KVM would spin forever): past it the
     * reaper is refused (-EAGAIN) and neither the host nor the device changed anything.
     */
    @Test
    @Timeout(20)
    void kvmRefusesOnceItsSpinOutlastsTheFaultTimeout() throws Exception {
        long a = anonHuge(N);
        Dmirror kvm = faulted(MirrorOptions.forPolicy(KvmPolicy.INSTANCE).withFaultTimeoutMillis(50), a);
        kvm.lock().lock();
        try {
            Errno r = CompletableFuture.supplyAsync(mm::oomReap, MirrorStateTest.THREAD)
                    .get(10, TimeUnit.SECONDS);
            assertEquals(Errno.EAGAIN, r);
        } finally {
            kvm.lock().unlock();
        }
        assertEquals(1, kvm.stats().refused(MmuNotifierEvent.CLEAR));
        assertEquals(N, kvm.pageTable().populated());
        assertTrue(MirrorStateTest.freeForOtherThreads(kvm.lock()));
        // Uncontended, the same reap takes the lock at once.
        assertEquals(Errno.OK, mm.oomReap());
        assertEquals(0, kvm.pageTable().populated());
        assertOracle(kvm);
    }

    /**
     * amdkfd takes its mutex whatever the range says (NonBlockable.SLEEP): in the OOM reaper's
     * non-blockable CLEAR that is a sleep where the kernel forbids one, which the notifier rules
     * report (might_sleep) at the lock, before anything is zapped.
     */
    @Test
    void amdkfdSleepingOnItsLockInTheOomReaperBreaksTheNotifierRules() {
        long a = anonHuge(N);
        Dmirror kfd = faulted(MirrorOptions.forPolicy(AmdKfdSvmPolicy.XNACK_ON), a);
        NotifierRules.Violation v = assertThrows(NotifierRules.Violation.class, mm::oomReap);
        assertTrue(v.getMessage().contains("lock() of mirror " + kfd.id() + " driver lock may sleep"), v.getMessage());
        assertEquals(N, kfd.pageTable().populated());
    }

    // ------------------------------------------------------------------ ignored invalidations

    /**
     * A policy that ignores an invalidation is counted as ignoring it, and returns true without the
     * lock and without mmu_interval_set_seq, which the notifier rules report at the callback's
     * return. RELEASE is never ignored, whatever the policy says: it goes through the policy, which
     * tears the device's mapping down.
     */
    @Test
    void anIgnoredInvalidationIsCountedAndReportedAndReleaseIsNeverIgnored() {
        long a = anonHuge(N);
        Dmirror ign = faulted(MirrorOptions.forPolicy(new IgnoresClearAndRelease()), a);
        DeviceStats s = ign.stats();
        NotifierRules.Violation v =
                assertThrows(NotifierRules.Violation.class, () -> mm.madvise(a, N * PAGE, Advice.DONTNEED));
        assertTrue(v.getMessage().contains("after calling setSeq 0 times"), v.getMessage());
        assertEquals(1, s.ignored(MmuNotifierEvent.CLEAR));
        assertEquals(0, s.ptesZapped(MmuNotifierEvent.CLEAR), "the policy never ran");
        assertEquals(N, ign.pageTable().populated(), "ignored: the device keeps its PTEs");
        mm.exit();
        assertEquals(0, s.ignored(MmuNotifierEvent.RELEASE));
        assertEquals(1, s.invalidations(MmuNotifierEvent.RELEASE));
        assertTrue(ign.driver().isReleased());
        assertEquals(0, ign.pageTable().populated());
    }

    // ------------------------------------------------------------------ JFR

    /**
     * With a recording enabling it, every invalidation the mirror handles emits one
     * {@code org.devmirror.DeviceInvalidation} event naming the event, the policy, the mirror, the
     * part of the range that hit it and the PTEs the policy touched, timed around the policy.
     */
    @Test
    @Timeout(30)
    void aRecordingGetsOneEventPerInvalidationWithItsFigures() throws Exception {
        long a = anonHuge(N);
        assertEquals(Errno.OK, mirror.fault(a, N, true));
        Path file = Files.createTempFile("invalidation", ".jfr");
        try {
            Instant before;
            Instant after;
            try (Recording r = new Recording()) {
                r.enable("org.devmirror.DeviceInvalidation");
                r.start();
                before = Instant.now();
                assertEquals(Errno.OK, mm.madvise(a + 8 * PAGE, 4 * PAGE, Advice.DONTNEED));
                after = Instant.now();
                r.stop();
                r.dump(file);
            }
            List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("org.devmirror.DeviceInvalidation"))
                    .toList();
            assertEquals(1, events.size(), events::toString);
            RecordedEvent e = events.get(0);
            assertEquals("CLEAR", e.getString("event"));
            assertEquals(EventAwarePolicy.INSTANCE.name(), e.getString("policy"));
            assertEquals(mirror.id(), e.getInt("mirror"));
            assertEquals(a + 8 * PAGE, e.getLong("start"));
            assertEquals(a + 12 * PAGE, e.getLong("end"));
            assertEquals(4, e.getLong("ptesTouched"));
            // Timed from begin() inside the madvise, not from some earlier epoch.
            assertFalse(e.getStartTime().isBefore(before.minusSeconds(1)), e::toString);
            assertTrue(e.getDuration().compareTo(Duration.between(before, after).plusSeconds(1)) < 0, e::toString);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    // ------------------------------------------------------------------ queue eviction (amdkfd, XNACK off)

    /**
     * amdkfd without XNACK stops the queues once per burst of evictions, however many invalidations
     * the burst has; while stopped, exactly the evicted addresses are evicted. A device fault
     * restores first (svm_range_restore_work), and leaves the driver lock and the fault lock free.
     */
    @Test
    @Timeout(10)
    void aBurstStopsTheQueuesOnceAndTheNextFaultRestoresThem() throws Exception {
        long a = anonHuge(N);
        Dmirror kfd = faulted(MirrorOptions.forPolicy(AmdKfdSvmPolicy.XNACK_OFF), a);
        MirrorState d = kfd.driver();
        DeviceStats s = kfd.stats();
        assertEquals(Errno.OK, mm.mprotect(a, 8 * PAGE, Prot.READ));
        assertEquals(Errno.OK, mm.mprotect(a + 16 * PAGE, 8 * PAGE, Prot.READ));
        assertEquals(Errno.OK, mm.mprotect(a + 32 * PAGE, 8 * PAGE, Prot.READ));
        assertEquals(1, s.queueEvictions());
        assertTrue(d.queuesStopped());
        d.lock().lock();
        try {
            assertTrue(d.isEvicted(a));
            assertTrue(d.isEvicted(a + 39 * PAGE));
            assertFalse(d.isEvicted(a + 8 * PAGE), "between the evicted ranges");
            assertFalse(d.isEvicted(a + 48 * PAGE));
        } finally {
            d.lock().unlock();
        }
        // The device's next fault, elsewhere, restores the queues first.
        assertEquals(Errno.OK, kfd.fault(a + 48 * PAGE, 1, false));
        assertFalse(d.queuesStopped());
        assertEquals(1, s.queueRestores());
        assertFalse(DevicePteLayout.isWrite(kfd.entry(a)), "re-faulted read-only");
        assertTrue(DevicePteLayout.isWrite(kfd.entry(a + 8 * PAGE)), "never evicted");
        assertTrue(MirrorStateTest.freeForOtherThreads(d.lock()));
        assertTrue(MirrorStateTest.freeForOtherThreads(d.faultLock()));
        assertOracle(kfd);
    }

    /** close() of an evicted mirror forgets the eviction: its queues are no longer stopped. */
    @Test
    void closeForgetsAnEviction() {
        long a = anonHuge(N);
        Dmirror kfd = faulted(MirrorOptions.forPolicy(AmdKfdSvmPolicy.XNACK_OFF), a);
        assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, Prot.READ));
        assertTrue(kfd.driver().queuesStopped());
        kfd.driver().close();
        assertFalse(kfd.driver().queuesStopped());
    }

    // ------------------------------------------------------------------ ATOMIC entries

    /**
     * A downgrade never leaves an ATOMIC entry read-only (a read-only view of a device-exclusive
     * page is no state the CPU grants): mprotect(PROT_READ) zaps the page the device held for
     * atomics and downgrades the others.
     */
    @Test
    void aDowngradeZapsTheAtomicEntryAndDowngradesTheRest() {
        long a = anonHuge(N);
        cpuInit(mm, a, N, 0);
        assertEquals(Errno.OK, mirror.fault(a, N, true));
        assertEquals(Errno.OK, mirror.exclusive(a, 1).result());
        assertTrue(DevicePteLayout.isAtomic(mirror.entry(a)));
        DeviceStats s = mirror.stats();
        long zapped = s.totalZapped();
        assertEquals(Errno.OK, mm.mprotect(a, N * PAGE, Prot.READ));
        assertEquals(0, mirror.entry(a));
        assertEquals(zapped + 1, s.totalZapped());
        assertNotEquals(0, mirror.entry(a + PAGE));
        assertFalse(DevicePteLayout.isWrite(mirror.entry(a + PAGE)));
        assertOracle(mirror);
    }
}

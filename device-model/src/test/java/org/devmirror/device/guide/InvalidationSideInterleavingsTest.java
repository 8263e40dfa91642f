package org.devmirror.device.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.EventAwarePolicy;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorActions;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.TrackedRange;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The invalidation side of the protocol in docs/guide/protocol.md: policies that leave out one
 * obligation of the invalidate callback (tear down, flush, finish before returning), each caught
 * by the {@link SafetyOracle}, and the refusal of a non-blockable invalidation while the driver
 * lock is held.
 */
class InvalidationSideInterleavingsTest {
    static final long PAGE = Host.PAGE_SIZE;
    static final int N = 16;

    Host host;
    DmirrorDevice device;
    AddressSpace mm;

    @BeforeEach
    void boot() {
        host = new Host(HostConfig.defaults().withFrames(4096).withSwapSlots(256));
        device = new DmirrorDevice(host, 0, 512);
        mm = host.newAddressSpace();
    }

    @AfterEach
    void shutdown() {
        for (Dmirror m : device.mirrors()) {
            m.close();
        }
        host.close();
        device.close();
    }

    /** What a broken policy does instead, for one event. */
    @FunctionalInterface
    interface Reaction {
        void react(MirrorActions mirror, long start, long end);
    }

    /** The event-aware policy except for one event, where {@code broken} runs instead. */
    record OneEventBroken(MmuNotifierEvent event, Reaction broken) implements InvalidationPolicy {
        @Override
        public String name() {
            return "broken-" + event;
        }

        @Override
        public void invalidate(
                MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
            if (range.event() == event) {
                broken.react(mirror, start, end);
            } else {
                EventAwarePolicy.INSTANCE.invalidate(mirror, tracked, range, start, end);
            }
        }
    }

    /** A mirror under {@code policy} that has written N pages of a fresh private anonymous buffer. */
    private long deviceWrote(Dmirror mirror) {
        long a = mm.mmap(0, N * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, mirror.write(a, N, new byte[(int) (N * PAGE)]).result());
        // A device read fills the device TLB with the N translations.
        assertEquals(Errno.OK, mirror.read(a, N, new byte[(int) (N * PAGE)]).result());
        assertTrue(SafetyOracle.check(mirror).isClean());
        return a;
    }

    private Dmirror open(InvalidationPolicy policy) {
        return device.open(mm, MirrorOptions.defaults().withPolicy(policy));
    }

    /** Tear down left out: keeping the device PTEs on CLEAR leaves the device mapping freed frames. */
    @Test
    void keepingTranslationsOnClearLeavesFreedFramesMapped() {
        Dmirror mirror = open(new OneEventBroken(MmuNotifierEvent.CLEAR, (m, s, e) -> m.skip()));
        long a = deviceWrote(mirror);
        // MADV_DONTNEED frees the frames; the broken policy keeps the device's translations.
        assertEquals(Errno.OK, mm.madvise(a, N * PAGE, Advice.DONTNEED));
        OracleReport r = SafetyOracle.check(mirror);
        assertFalse(r.isClean());
        assertNotEquals(0, mirror.entry(a));
    }

    /** Flush left out: zapping the page table without a TLB invalidation leaves the TLB stale. */
    @Test
    void zapWithoutTlbFlushLeavesStaleTlbEntries() {
        Dmirror mirror = open(new OneEventBroken(MmuNotifierEvent.CLEAR, (m, s, e) -> m.zap(s, e)));
        long a = deviceWrote(mirror);
        assertEquals(Errno.OK, mm.madvise(a, N * PAGE, Advice.DONTNEED));
        // The page table is clean, the TLB still translates to the freed frames.
        assertEquals(0, mirror.entry(a));
        OracleReport r = SafetyOracle.check(mirror);
        assertFalse(r.isClean());
        assertTrue(r.violations().stream().anyMatch(v -> v.contains("TLB")), r::toString);
    }

    /**
     * Finishing late: deferring the downgrade of PROTECTION_PAGE to invalidate_range_end leaves the
     * device writing a page fork has just made copy-on-write shared.
     */
    @Test
    void deferringTheDowngradeToRangeEndLeavesDeviceWriteOnASharedPage() {
        Dmirror mirror = open(new OneEventBroken(MmuNotifierEvent.PROTECTION_PAGE, (m, s, e) -> m.rereadAtEnd(s, e)));
        deviceWrote(mirror);
        AddressSpace child = mm.fork();
        // The re-read at the end keeps pages the CPU still maps, but only ever adds WRITE: the
        // write permission fork took away is still on the device.
        OracleReport r = SafetyOracle.check(mirror);
        assertFalse(r.isClean());
        assertTrue(r.violations().stream().anyMatch(v -> v.contains("WRITE")), r::toString);
        child.exit();
    }

    /** The same three host operations under the shipped event-aware policy leave the oracle clean. */
    @Test
    void theEventAwarePolicyMeetsAllThree() {
        Dmirror mirror = open(EventAwarePolicy.INSTANCE);
        long a = deviceWrote(mirror);
        AddressSpace child = mm.fork();
        assertTrue(SafetyOracle.check(mirror).isClean());
        assertEquals(Errno.OK, mm.madvise(a, N * PAGE, Advice.DONTNEED));
        assertTrue(SafetyOracle.check(mirror).isClean());
        child.exit();
    }

    /**
     * Lock or refuse: a non-blockable invalidation (the OOM reaper) that finds the driver lock
     * taken is refused, and the host leaves the page tables as they were.
     */
    @Test
    @Timeout(10)
    void nonBlockableInvalidationIsRefusedWhileTheDriverLockIsHeld() throws Exception {
        Dmirror mirror = open(EventAwarePolicy.INSTANCE);
        long a = deviceWrote(mirror);
        long populated = mm.populatedPages();
        long entry = mirror.entry(a);
        // Step 1: the device holds its driver lock; the reaper, on another thread, is refused.
        mirror.lock().lock();
        try {
            Errno reaped = CompletableFuture.supplyAsync(mm::oomReap).get(5, TimeUnit.SECONDS);
            assertEquals(Errno.EAGAIN, reaped);
        } finally {
            mirror.lock().unlock();
        }
        // Step 2: nothing changed on either side.
        assertEquals(populated, mm.populatedPages());
        assertEquals(entry, mirror.entry(a));
        assertEquals(1, mirror.stats().refused(MmuNotifierEvent.CLEAR));
        // Step 3: uncontended, the same reap goes through and the device lets go of the pages.
        assertEquals(Errno.OK, mm.oomReap());
        assertEquals(0, mirror.entry(a));
        assertTrue(SafetyOracle.check(mirror).isClean());
    }
}

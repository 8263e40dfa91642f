package org.devmirror.device.driver;

import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * The per-event invalidation policy the 2018 {@code mmu_notifier_event} patch made possible, as
 * real drivers apply it (drm_gpusvm/Xe drop ranges only on UNMAP; nouveau and dmirror skip their own
 * MIGRATE; nouveau skips its own EXCLUSIVE):
 * <table>
 *   <caption>Device work per event</caption>
 *   <tr><th>Event</th><th>Device work</th></tr>
 *   <tr><td>UNMAP</td><td>zap, flush, drop tracking of the unmapped part</td></tr>
 *   <tr><td>CLEAR</td><td>zap, flush; keep tracking (the device refaults)</td></tr>
 *   <tr><td>PROTECTION_VMA</td><td>from the VMA's new protection: no read → zap, flush;
 *       read-only → downgrade, flush (device reads go on without a fault); more permission →
 *       nothing (the device refaults to write)</td></tr>
 *   <tr><td>PROTECTION_PAGE</td><td>downgrade, flush now; re-read the CPU PTEs at the end of the
 *       invalidation, so pages still present stay mapped without a device fault</td></tr>
 *   <tr><td>SOFT_DIRTY</td><td>nothing: same page, same access; ignored before the driver lock
 *       ({@link #ignores})</td></tr>
 *   <tr><td>RELEASE</td><td>zap, flush, drop tracking: the address space is going away</td></tr>
 *   <tr><td>MIGRATE, EXCLUSIVE</td><td>nothing if this device started it (it updates its own
 *       PTEs); otherwise as CLEAR</td></tr>
 * </table>
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}. Stateless: one instance serves any number of mirrors.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock (see {@link InvalidationPolicy}).
 */
public final class EventAwarePolicy implements InvalidationPolicy {
    /** The shared instance. */
    public static final EventAwarePolicy INSTANCE = new EventAwarePolicy();

    private EventAwarePolicy() {}

    @Override
    public String name() {
        return "event-aware";
    }

    /**
     * SOFT_DIRTY only. clear_refs write-protects a page to learn whether it is written again; it
     * keeps the frame, and a device write lands in that same frame, so no device translation
     * needs changing whatever state the mirror is in, and a device fault that read the page
     * before the clear may commit what it read (see {@link InvalidationPolicy#ignores}). The
     * device's own MIGRATE and EXCLUSIVE are skipped too, but under the lock with the sequence
     * set: the driver maps their result itself afterwards, and a fault that began before them
     * must retry rather than overwrite that.
     */
    @Override
    public boolean ignores(MmuNotifierRange range, Object mirrorOwner) {
        return range.event() == MmuNotifierEvent.SOFT_DIRTY;
    }

    @Override
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        switch (range.event()) {
            case UNMAP, RELEASE -> {
                mirror.zap(start, end);
                mirror.flushTlb(start, end);
                mirror.dropTracking(tracked, start, end);
            }
            case CLEAR -> zapAndFlush(mirror, start, end);
            case PROTECTION_VMA -> protectionVma(mirror, start, end);
            case PROTECTION_PAGE -> {
                // The host is about to write-protect (fork's COW, page_mkclean) or replace some of
                // these pages; which ones is only known once it is done. Stop device writes now,
                // decide per page from the CPU PTEs at the end.
                mirror.downgrade(start, end);
                mirror.flushTlb(start, end);
                mirror.rereadAtEnd(start, end);
            }
            case SOFT_DIRTY -> mirror.skip();
            case MIGRATE, EXCLUSIVE -> {
                if (range.owner() != null && range.owner() == mirror.owner()) {
                    mirror.skip(); // this device started it and maps the result itself
                } else {
                    zapAndFlush(mirror, start, end);
                }
            }
        }
    }

    private static void protectionVma(MirrorActions mirror, long start, long end) {
        int prot = mirror.vmaProt(start);
        if ((prot & Prot.READ) == 0) {
            zapAndFlush(mirror, start, end);
        } else if ((prot & Prot.WRITE) == 0) {
            mirror.downgrade(start, end);
            mirror.flushTlb(start, end);
        } else {
            mirror.skip(); // permission only grows: the device refaults when it wants to write
        }
    }

    private static void zapAndFlush(MirrorActions mirror, long start, long end) {
        mirror.zap(start, end);
        mirror.flushTlb(start, end);
    }
}

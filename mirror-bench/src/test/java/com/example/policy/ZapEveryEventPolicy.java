package com.example.policy;

import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorActions;
import org.devmirror.device.driver.TrackedRange;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * A policy outside devmirror's packages, as a driver author writes one, for the tests that name a
 * policy class: the lib/test_hmm.c behaviour, zap and flush on every event, and drop the tracking
 * on UNMAP and RELEASE. Public with a public constructor, as {@code PolicyResolver} requires.
 */
public final class ZapEveryEventPolicy implements InvalidationPolicy {
    @Override
    public String name() {
        return "zap-every-event";
    }

    @Override
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        mirror.zap(start, end);
        mirror.flushTlb(start, end); // a zap without a flush leaves the TLB translating
        if (range.event() == MmuNotifierEvent.UNMAP || range.event() == MmuNotifierEvent.RELEASE) {
            mirror.dropTracking(tracked, start, end);
        }
    }
}

package org.devmirror.demo;

import org.devmirror.device.stats.DeviceStats;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * A copy of a mirror's {@link DeviceStats} at one moment, so the demo can show what one step
 * made the device do (the difference of two copies) and compare two policies after the run.
 */
record DemoCounters(long[] invalidations, long[] zapped, long[] reread, long[] downgraded, long[] skipped,
        long[] flushes, long faults, long pagesFaulted) {

    static DemoCounters of(DeviceStats s) {
        int n = MmuNotifierEvent.COUNT;
        long[] inv = new long[n];
        long[] zap = new long[n];
        long[] rr = new long[n];
        long[] down = new long[n];
        long[] skip = new long[n];
        long[] fl = new long[n];
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            int i = e.ordinal();
            inv[i] = s.invalidations(e);
            zap[i] = s.ptesZapped(e);
            rr[i] = s.ptesReread(e);
            down[i] = s.ptesDowngraded(e);
            skip[i] = s.skipped(e);
            fl[i] = s.tlbFlushes(e);
        }
        return new DemoCounters(inv, zap, rr, down, skip, fl, s.deviceFaults(), s.pagesFaulted());
    }

    /** What happened between {@code before} and this copy, as one line; empty when nothing did. */
    String reactionSince(DemoCounters before) {
        StringBuilder sb = new StringBuilder();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            int i = e.ordinal();
            long inv = invalidations[i] - before.invalidations[i];
            if (inv == 0) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : "; ").append(e).append(" x").append(inv).append(':');
            append(sb, "zapped", zapped[i] - before.zapped[i]);
            append(sb, "downgraded", downgraded[i] - before.downgraded[i]);
            append(sb, "re-read", reread[i] - before.reread[i]);
            append(sb, "skipped", skipped[i] - before.skipped[i]);
            append(sb, "TLB flushes", flushes[i] - before.flushes[i]);
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, String what, long n) {
        if (n != 0) {
            sb.append(' ').append(what).append(' ').append(n);
        }
    }

    static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }
}

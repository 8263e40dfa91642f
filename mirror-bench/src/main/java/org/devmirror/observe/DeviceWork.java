package org.devmirror.observe;

import java.util.LinkedHashMap;
import java.util.Map;
import org.devmirror.bench.report.json.JsonValue;
import org.devmirror.bench.report.json.JsonValue.JsonNumber;
import org.devmirror.bench.report.json.JsonValue.JsonObject;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * The work devices did, summed over any number of mirrors' {@link DeviceStats}: per
 * {@link MmuNotifierEvent}, invalidations received, PTEs zapped, re-read, downgraded, skipped
 * invalidations and TLB flushes; and device faults, retries, pages faulted. A plain value:
 * {@link #add} sums another mirror's counters in, {@link #minus} gives the work done between
 * two readings (what one operation made a device do).
 */
public final class DeviceWork {
    private static final int EVENTS = MmuNotifierEvent.COUNT;

    private final long[] invalidations = new long[EVENTS];
    private final long[] zapped = new long[EVENTS];
    private final long[] reread = new long[EVENTS];
    private final long[] downgraded = new long[EVENTS];
    private final long[] skipped = new long[EVENTS];
    private final long[] tlbFlushes = new long[EVENTS];
    private final long[] refused = new long[EVENTS];
    private long faults;
    private long faultRetries;
    private long pagesFaulted;
    private long faultErrors;

    /** A reading of one mirror's counters. */
    public static DeviceWork of(DeviceStats stats) {
        return new DeviceWork().add(stats);
    }

    /** Adds {@code stats}'s counters to this; returns {@code this}. */
    public DeviceWork add(DeviceStats stats) {
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            int i = e.ordinal();
            invalidations[i] += stats.invalidations(e);
            zapped[i] += stats.ptesZapped(e);
            reread[i] += stats.ptesReread(e);
            downgraded[i] += stats.ptesDowngraded(e);
            skipped[i] += stats.skipped(e);
            tlbFlushes[i] += stats.tlbFlushes(e);
            refused[i] += stats.refused(e);
        }
        faults += stats.deviceFaults();
        faultRetries += stats.faultRetries();
        pagesFaulted += stats.pagesFaulted();
        faultErrors += stats.faultErrors();
        return this;
    }

    /** Adds another sum to this; returns {@code this}. */
    public DeviceWork add(DeviceWork other) {
        for (int i = 0; i < EVENTS; i++) {
            invalidations[i] += other.invalidations[i];
            zapped[i] += other.zapped[i];
            reread[i] += other.reread[i];
            downgraded[i] += other.downgraded[i];
            skipped[i] += other.skipped[i];
            tlbFlushes[i] += other.tlbFlushes[i];
            refused[i] += other.refused[i];
        }
        faults += other.faults;
        faultRetries += other.faultRetries;
        pagesFaulted += other.pagesFaulted;
        faultErrors += other.faultErrors;
        return this;
    }

    /** {@code this - earlier}: the work done since {@code earlier} was read. */
    public DeviceWork minus(DeviceWork earlier) {
        DeviceWork d = new DeviceWork();
        for (int i = 0; i < EVENTS; i++) {
            d.invalidations[i] = invalidations[i] - earlier.invalidations[i];
            d.zapped[i] = zapped[i] - earlier.zapped[i];
            d.reread[i] = reread[i] - earlier.reread[i];
            d.downgraded[i] = downgraded[i] - earlier.downgraded[i];
            d.skipped[i] = skipped[i] - earlier.skipped[i];
            d.tlbFlushes[i] = tlbFlushes[i] - earlier.tlbFlushes[i];
            d.refused[i] = refused[i] - earlier.refused[i];
        }
        d.faults = faults - earlier.faults;
        d.faultRetries = faultRetries - earlier.faultRetries;
        d.pagesFaulted = pagesFaulted - earlier.pagesFaulted;
        d.faultErrors = faultErrors - earlier.faultErrors;
        return d;
    }

    public long invalidations(MmuNotifierEvent e) {
        return invalidations[e.ordinal()];
    }

    public long zapped(MmuNotifierEvent e) {
        return zapped[e.ordinal()];
    }

    public long reread(MmuNotifierEvent e) {
        return reread[e.ordinal()];
    }

    public long downgraded(MmuNotifierEvent e) {
        return downgraded[e.ordinal()];
    }

    public long skipped(MmuNotifierEvent e) {
        return skipped[e.ordinal()];
    }

    public long tlbFlushes(MmuNotifierEvent e) {
        return tlbFlushes[e.ordinal()];
    }

    public long refused(MmuNotifierEvent e) {
        return refused[e.ordinal()];
    }

    public long totalInvalidations() {
        return sum(invalidations);
    }

    public long totalZapped() {
        return sum(zapped);
    }

    public long totalReread() {
        return sum(reread);
    }

    public long totalDowngraded() {
        return sum(downgraded);
    }

    public long totalSkipped() {
        return sum(skipped);
    }

    public long totalTlbFlushes() {
        return sum(tlbFlushes);
    }

    public long faults() {
        return faults;
    }

    public long faultRetries() {
        return faultRetries;
    }

    public long pagesFaulted() {
        return pagesFaulted;
    }

    public long faultErrors() {
        return faultErrors;
    }

    /**
     * One number for "how much did the devices have to do": PTEs zapped, downgraded and re-read,
     * TLB flushes, and pages faulted back in. Each is a device page-table write, a TLB
     * invalidation or a page walk; they are not weighted, so the number compares policies on the
     * same workload, not workloads.
     */
    public long totalWork() {
        return totalZapped() + totalDowngraded() + totalReread() + totalTlbFlushes() + pagesFaulted;
    }

    /** True when nothing at all was counted. */
    public boolean isEmpty() {
        return totalInvalidations() == 0 && faults == 0 && faultErrors == 0 && sum(refused) == 0;
    }

    /**
     * What the device did per event, one phrase per non-zero counter ("zapped 16, flushed 1"),
     * for the readable trace; empty when the device did nothing for that event.
     */
    public String describe(MmuNotifierEvent e) {
        int i = e.ordinal();
        StringBuilder out = new StringBuilder();
        phrase(out, "zapped", zapped[i]);
        phrase(out, "downgraded", downgraded[i]);
        phrase(out, "re-read", reread[i]);
        phrase(out, "skipped", skipped[i]);
        phrase(out, "TLB flushes", tlbFlushes[i]);
        phrase(out, "refused", refused[i]);
        return out.toString();
    }

    private static void phrase(StringBuilder out, String what, long n) {
        if (n != 0) {
            out.append(out.isEmpty() ? "" : ", ").append(what).append(' ').append(n);
        }
    }

    /**
     * The JSON form documented in docs/scenarios.md and docs/replay.md: totals, fault counters,
     * and {@code perEvent} with one object per event that had any invalidation.
     */
    public JsonObject toJson() {
        Map<String, JsonValue> out = new LinkedHashMap<>();
        out.put("invalidations", JsonNumber.of(totalInvalidations()));
        out.put("ptesZapped", JsonNumber.of(totalZapped()));
        out.put("ptesReread", JsonNumber.of(totalReread()));
        out.put("ptesDowngraded", JsonNumber.of(totalDowngraded()));
        out.put("invalidationsSkipped", JsonNumber.of(totalSkipped()));
        out.put("tlbFlushes", JsonNumber.of(totalTlbFlushes()));
        out.put("deviceFaults", JsonNumber.of(faults));
        out.put("faultRetries", JsonNumber.of(faultRetries));
        out.put("pagesFaulted", JsonNumber.of(pagesFaulted));
        out.put("faultErrors", JsonNumber.of(faultErrors));
        out.put("work", JsonNumber.of(totalWork()));
        Map<String, JsonValue> perEvent = new LinkedHashMap<>();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            int i = e.ordinal();
            if (invalidations[i] == 0 && refused[i] == 0) {
                continue;
            }
            Map<String, JsonValue> row = new LinkedHashMap<>();
            row.put("invalidations", JsonNumber.of(invalidations[i]));
            row.put("ptesZapped", JsonNumber.of(zapped[i]));
            row.put("ptesReread", JsonNumber.of(reread[i]));
            row.put("ptesDowngraded", JsonNumber.of(downgraded[i]));
            row.put("skipped", JsonNumber.of(skipped[i]));
            row.put("tlbFlushes", JsonNumber.of(tlbFlushes[i]));
            row.put("refused", JsonNumber.of(refused[i]));
            perEvent.put(e.name(), new JsonObject(row));
        }
        out.put("perEvent", new JsonObject(perEvent));
        return new JsonObject(out);
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }
}

package org.devmirror.observe;

import org.devmirror.device.cost.CostComponent;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.cost.DeviceTime;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.json.Json;
import org.devmirror.notifier.MmuNotifierEvent;
import tools.jackson.databind.node.ObjectNode;

/**
 * The work devices did, summed over any number of mirrors' {@link DeviceStats}: per
 * {@link MmuNotifierEvent}, invalidations received, PTEs zapped, re-read, downgraded, skipped
 * invalidations and TLB flushes; and device faults, retries, pages faulted. A plain value over a
 * {@link DeviceStats#snapshot} (which holds and sums the counters): {@link #add} sums another
 * mirror's counters in, {@link #minus} gives the work done between two readings (what one
 * operation made a device do); on top it gives the modelled device time under a cost profile
 * ({@link #time}), the readable {@link #describe} and the documented JSON form.
 */
public final class DeviceWork {
    /** The sum of the readings; a {@link DeviceStats#snapshot} no driver owns. */
    private final DeviceStats counts;

    private DeviceWork(DeviceStats counts) {
        this.counts = counts;
    }

    /** No work: the start of a sum. */
    public DeviceWork() {
        this(new DeviceStats());
    }

    /** A reading of one mirror's counters. */
    public static DeviceWork of(DeviceStats stats) {
        return new DeviceWork(stats.snapshot());
    }

    /** Adds {@code stats}'s counters to this; returns {@code this}. */
    public DeviceWork add(DeviceStats stats) {
        counts.add(stats);
        return this;
    }

    /** Adds another sum to this; returns {@code this}. */
    public DeviceWork add(DeviceWork other) {
        counts.add(other.counts);
        return this;
    }

    /** {@code this - earlier}: the work done since {@code earlier} was read. */
    public DeviceWork minus(DeviceWork earlier) {
        return new DeviceWork(counts.minus(earlier.counts));
    }

    /** The summed counters, with DeviceStats' per-event and total accessors. */
    public DeviceStats counts() {
        return counts;
    }

    public long invalidations(MmuNotifierEvent e) {
        return counts.invalidations(e);
    }

    public long zapped(MmuNotifierEvent e) {
        return counts.ptesZapped(e);
    }

    public long reread(MmuNotifierEvent e) {
        return counts.ptesReread(e);
    }

    public long downgraded(MmuNotifierEvent e) {
        return counts.ptesDowngraded(e);
    }

    public long skipped(MmuNotifierEvent e) {
        return counts.skipped(e);
    }

    public long tlbFlushes(MmuNotifierEvent e) {
        return counts.tlbFlushes(e);
    }

    public long refused(MmuNotifierEvent e) {
        return counts.refused(e);
    }

    public long totalInvalidations() {
        return counts.totalInvalidations();
    }

    public long totalZapped() {
        return counts.totalZapped();
    }

    public long totalReread() {
        return counts.totalReread();
    }

    public long totalDowngraded() {
        return counts.totalDowngraded();
    }

    public long totalSkipped() {
        return counts.totalSkipped();
    }

    public long totalTlbFlushes() {
        return counts.totalTlbFlushes();
    }

    public long faults() {
        return counts.deviceFaults();
    }

    public long faultRetries() {
        return counts.faultRetries();
    }

    public long pagesFaulted() {
        return counts.pagesFaulted();
    }

    public long faultErrors() {
        return counts.faultErrors();
    }

    /** 2 MiB leaves device faults committed (each one entry for 512 of {@link #pagesFaulted}). */
    public long hugeLeavesFaulted() {
        return counts.hugeLeavesFaulted();
    }

    /** 4 KiB pages migrations copied into device memory. */
    public long pagesMigratedToDevice() {
        return counts.pagesMigratedToDevice();
    }

    /** 4 KiB pages migrations copied back to system memory. */
    public long pagesMigratedToSystem() {
        return counts.pagesMigratedToSystem();
    }

    /** User-queue evictions. */
    public long queueEvictions() {
        return counts.queueEvictions();
    }

    /** User-queue restores. */
    public long queueRestores() {
        return counts.queueRestores();
    }

    /** This work priced by {@code profile}: the modelled device time, per component. */
    public DeviceTime time(CostProfile profile) {
        return profile.price(counts);
    }

    /**
     * A secondary figure, kept for comparison with older reports: PTEs zapped, downgraded and
     * re-read, TLB flushes, and pages faulted back in, every unit weighted 1. A device fault costs
     * microseconds and a PTE write nanoseconds, so this count can rank policies the wrong way
     * round; {@link #time} is the headline.
     */
    public long totalWork() {
        return totalZapped() + totalDowngraded() + totalReread() + totalTlbFlushes() + pagesFaulted();
    }

    /** True when nothing at all was counted. */
    public boolean isEmpty() {
        return totalInvalidations() == 0 && faults() == 0 && faultErrors() == 0 && counts.totalRefused() == 0;
    }

    /**
     * What the device did per event, one phrase per non-zero counter ("zapped 16, flushed 1"),
     * for the readable trace; empty when the device did nothing for that event.
     */
    public String describe(MmuNotifierEvent e) {
        StringBuilder out = new StringBuilder();
        phrase(out, "zapped", zapped(e));
        phrase(out, "downgraded", downgraded(e));
        phrase(out, "re-read", reread(e));
        phrase(out, "skipped", skipped(e));
        phrase(out, "TLB flushes", tlbFlushes(e));
        phrase(out, "refused", refused(e));
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
    public ObjectNode toJson() {
        ObjectNode out = Json.object();
        out.set("invalidations", Json.number(totalInvalidations()));
        out.set("ptesZapped", Json.number(totalZapped()));
        out.set("ptesReread", Json.number(totalReread()));
        out.set("ptesDowngraded", Json.number(totalDowngraded()));
        out.set("invalidationsSkipped", Json.number(totalSkipped()));
        out.set("tlbFlushes", Json.number(totalTlbFlushes()));
        out.set("deviceFaults", Json.number(faults()));
        out.set("faultRetries", Json.number(faultRetries()));
        out.set("pagesFaulted", Json.number(pagesFaulted()));
        out.set("faultErrors", Json.number(faultErrors()));
        out.set("work", Json.number(totalWork()));
        ObjectNode perEvent = Json.object();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            if (invalidations(e) == 0 && refused(e) == 0) {
                continue;
            }
            ObjectNode row = Json.object();
            row.set("invalidations", Json.number(invalidations(e)));
            row.set("ptesZapped", Json.number(zapped(e)));
            row.set("ptesReread", Json.number(reread(e)));
            row.set("ptesDowngraded", Json.number(downgraded(e)));
            row.set("skipped", Json.number(skipped(e)));
            row.set("tlbFlushes", Json.number(tlbFlushes(e)));
            row.set("refused", Json.number(refused(e)));
            perEvent.set(e.name(), row);
        }
        out.set("perEvent", perEvent);
        out.set("hugeLeavesFaulted", Json.number(hugeLeavesFaulted()));
        out.set("pagesMigratedToDevice", Json.number(pagesMigratedToDevice()));
        out.set("pagesMigratedToSystem", Json.number(pagesMigratedToSystem()));
        out.set("queueEvictions", Json.number(queueEvictions()));
        out.set("queueRestores", Json.number(queueRestores()));
        return out;
    }

    /** {@link #toJson()} with {@code deviceTime}, this work priced by {@code profile} ({@link #timeJson}). */
    public ObjectNode toJson(CostProfile profile) {
        ObjectNode out = toJson();
        out.set("deviceTime", timeJson(time(profile)));
        return out;
    }

    /**
     * Modelled device time as JSON: {@code profile}, {@code totalNs} and {@code ns} with one member
     * per {@link CostComponent} label, nanoseconds rounded to a thousandth.
     */
    public static ObjectNode timeJson(DeviceTime time) {
        ObjectNode out = Json.object();
        out.set("profile", Json.string(time.profile()));
        out.set("totalNs", Json.number(roundNs(time.totalNs())));
        ObjectNode parts = Json.object();
        for (CostComponent c : CostComponent.values()) {
            parts.set(c.label(), Json.number(roundNs(time.ns(c))));
        }
        out.set("ns", parts);
        return out;
    }

    private static double roundNs(double ns) {
        return Math.round(ns * 1000) / 1000.0;
    }
}

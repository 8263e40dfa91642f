package org.devmirror.bench.suite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.devmirror.bench.probe.WorkProbe;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.bench.report.BenchResult;
import org.devmirror.bench.report.Estimate;
import org.devmirror.bench.report.plot.BarSeries;
import org.devmirror.bench.report.plot.LineSeries;
import org.devmirror.bench.report.plot.Plot;

/**
 * The plots of the report, drawn from the results of one run. A plot whose benchmarks did
 * not run (filtered out by {@code --include}) is skipped, and {@link #write} says which were
 * written.
 */
public final class SuitePlots {
    static final List<String> EVENTS = List.of("UNMAP", "CLEAR", "PROTECTION_VMA", "PROTECTION_PAGE",
            "SOFT_DIRTY", "RELEASE", "MIGRATE", "EXCLUSIVE");
    static final List<String> SIZES = List.of("4K", "64K", "2M", "1G");
    /** The events {@code EndToEndBench} runs: all but RELEASE, which leaves no mirror to access. */
    static final List<String> END_TO_END_EVENTS = EVENTS.stream().filter(e -> !e.equals("RELEASE")).toList();
    private static final String END_TO_END = "EndToEndBench.invalidateThenAccess event=%s policy=%s size=%s";
    private static final double[] SIZE_BYTES = {4096, 65536, 2 << 20, 1 << 30};
    private static final String[] FILL_FOR_SIZE = {"8", "128", "4096", "4096"};
    private static final List<String> COUNTS = List.of("1", "1024", "65536", "1048576");

    private final Map<String, BenchResult> byLabel = new HashMap<>();

    public SuitePlots(List<BenchResult> results) {
        for (BenchResult r : results) {
            byLabel.put(r.label(), r);
        }
    }

    /** Writes every plot the results allow into {@code dir}; returns the base names written. */
    public List<String> write(Path dir) throws IOException {
        List<String> written = new ArrayList<>();
        Plot p = latencyPerEvent();
        if (p != null) {
            p.write(dir, "latency-per-event");
            written.add("latency-per-event");
        }
        p = latencyVsSize();
        if (p != null) {
            p.write(dir, "latency-vs-size");
            written.add("latency-vs-size");
        }
        p = dispatchVsNotifiers();
        if (p != null) {
            p.write(dir, "dispatch-vs-notifiers");
            written.add("dispatch-vs-notifiers");
        }
        p = workSaved();
        if (p != null) {
            p.write(dir, "device-work-saved");
            written.add("device-work-saved");
            deviceTimeSaved(CostProfile.DEFAULT).write(dir, "device-time-saved");
            written.add("device-time-saved");
        }
        return written;
    }

    /** Invalidation of a populated 2 MiB range per event, event-aware against blind (log y). */
    Plot latencyPerEvent() {
        double[] aware = new double[EVENTS.size()];
        double[] blind = new double[EVENTS.size()];
        double[] awareErr = new double[EVENTS.size()];
        double[] blindErr = new double[EVENTS.size()];
        for (int i = 0; i < EVENTS.size(); i++) {
            Estimate a = nanos(operationLabel(EVENTS.get(i), "aware", "2M"));
            Estimate b = nanos(operationLabel(EVENTS.get(i), "blind", "2M"));
            if (a == null || b == null) {
                return null;
            }
            aware[i] = a.value();
            awareErr[i] = finiteOrZero(a.error());
            blind[i] = b.value();
            blindErr[i] = finiteOrZero(b.error());
        }
        return Plot.groupedBars("Invalidation of a populated 2 MiB range and its restore, per event", "event",
                "ns per operation (invalidation + restore)",
                Plot.Scale.LOG, EVENTS,
                List.of(new BarSeries("event-aware", aware, awareErr), new BarSeries("blind", blind, blindErr)));
    }

    /** Latency against range size for UNMAP, CLEAR and SOFT_DIRTY (aware) and UNMAP blind, with the fill floor. */
    Plot latencyVsSize() {
        List<LineSeries> series = new ArrayList<>();
        for (String[] s : new String[][] {{"UNMAP", "aware"}, {"CLEAR", "aware"}, {"SOFT_DIRTY", "aware"},
                {"SOFT_DIRTY", "blind"}}) {
            LineSeries line = sizeSeries(s[0] + ", " + s[1], size -> operationLabel(s[0], s[1], size));
            if (line != null) {
                series.add(line);
            }
        }
        if (series.isEmpty()) {
            return null;
        }
        LineSeries floor = sizeSeries("fill floor (8 B per populated PTE)",
                size -> "FloorBench.fill bytes=" + FILL_FOR_SIZE[SIZES.indexOf(size)]);
        if (floor != null) {
            series.add(floor);
        }
        return Plot.lines("Invalidation and restore against range size (1G: sparse, 512 pages populated)",
                "range size (bytes)", "ns per operation (invalidation + restore)", Plot.Scale.LOG, Plot.Scale.LOG, series);
    }

    private interface LabelForSize {
        String label(String size);
    }

    private LineSeries sizeSeries(String name, LabelForSize labels) {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < SIZES.size(); i++) {
            Estimate e = nanos(labels.label(SIZES.get(i)));
            if (e != null && e.value() > 0) {
                points.add(new double[] {SIZE_BYTES[i], e.value(), finiteOrZero(e.error())});
            }
        }
        return points.isEmpty() ? null : line(name, points);
    }

    /** Dispatch latency against notifier count, log x, with the TreeMap lookups. */
    Plot dispatchVsNotifiers() {
        List<LineSeries> series = new ArrayList<>();
        String[][] defs = {{"dispatch, hit one", "DispatchBench.hitOne notifiers="},
                {"dispatch, hit none", "DispatchBench.hitNone notifiers="},
                {"TreeMap.floorEntry, hit", "LookupReferenceBench.treeMapFloorHit ranges="},
                {"TreeMap.floorEntry, miss", "LookupReferenceBench.treeMapFloorMiss ranges="},
                {"Guava TreeRangeMap, miss", "LookupReferenceBench.rangeMapMiss ranges="}};
        for (String[] d : defs) {
            List<double[]> points = new ArrayList<>();
            for (String n : COUNTS) {
                Estimate e = nanos(d[1] + n);
                if (e != null && e.value() > 0) {
                    points.add(new double[] {Double.parseDouble(n), e.value(), finiteOrZero(e.error())});
                }
            }
            if (!points.isEmpty()) {
                series.add(line(d[0], points));
            }
        }
        if (series.isEmpty()) {
            return null;
        }
        return Plot.lines("Dispatch latency against registered interval notifiers", "interval notifiers",
                "ns per invalidation", Plot.Scale.LOG, Plot.Scale.LINEAR, series);
    }

    /**
     * Emulator time the event-aware policy saves per operation on a populated 2 MiB range (blind
     * minus aware), end to end ({@code EndToEndBench}): the invalidation and then the device's
     * read of every page of the range, so that the refaults the blind policy causes are paid
     * where they happen, through the device fault path. Negative where the event-aware policy
     * spends more now than the blind one pays later. Null when {@code EndToEndBench} did not run.
     */
    Plot workSaved() {
        double[] saved = new double[END_TO_END_EVENTS.size()];
        for (int i = 0; i < END_TO_END_EVENTS.size(); i++) {
            Estimate a = nanos(endToEndLabel(END_TO_END_EVENTS.get(i), "aware", "2M"));
            Estimate b = nanos(endToEndLabel(END_TO_END_EVENTS.get(i), "blind", "2M"));
            if (a == null || b == null) {
                return null;
            }
            saved[i] = b.value() - a.value();
        }
        return Plot.bars("Emulator time saved by the event-aware policy: invalidation + the device's next access (2 MiB)",
                "event", "ns per operation, blind - aware (> 0: aware cheaper)", END_TO_END_EVENTS,
                new BarSeries("saved", saved));
    }

    /**
     * The same operations' modelled device time saved (blind minus aware), priced by
     * {@code profile} from the exact counts of one operation each ({@code WorkProbe.endToEnd}):
     * no timing, so it is the same on every machine.
     */
    static Plot deviceTimeSaved(CostProfile profile) {
        double[] saved = new double[END_TO_END_EVENTS.size()];
        for (int i = 0; i < END_TO_END_EVENTS.size(); i++) {
            MmuNotifierEvent e = MmuNotifierEvent.valueOf(END_TO_END_EVENTS.get(i));
            double aware = profile.price(WorkProbe.endToEnd(e, "aware", "2M")).totalNs();
            double blind = profile.price(WorkProbe.endToEnd(e, "blind", "2M")).totalNs();
            saved[i] = (blind - aware) / 1e3;
        }
        return Plot.bars("Modelled device time saved by the event-aware policy: invalidation + next access (2 MiB, "
                        + profile.name() + ")", "event", "us per operation, blind - aware (> 0: aware cheaper)",
                END_TO_END_EVENTS, new BarSeries("saved", saved));
    }

    /** The label of {@code EndToEndBench} for one event, policy and size. */
    static String endToEndLabel(String event, String policy, String size) {
        return String.format(END_TO_END, event, policy, size);
    }

    /**
     * The measured operation of an invalidation benchmark (invalidation and restore; RELEASE's
     * single-shot figure), not the report's net figure: a net figure is a difference of two noisy
     * numbers and can come out negative, which a logarithmic axis cannot show. The restore's
     * share is {@code RearmBench}, in the report.
     */
    private static String operationLabel(String event, String policy, String size) {
        String label = BenchSuite.invalidateLabel(event, policy, size);
        return label.startsWith("InvalidateBench.net ") ? "InvalidateBench.invalidate " + label.substring(20) : label;
    }

    private Estimate nanos(String label) {
        BenchResult r = byLabel.get(label);
        return r == null ? null : r.nanosPerOp();
    }

    private static LineSeries line(String name, List<double[]> points) {
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        double[] err = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
            double e = points.get(i)[2];
            err[i] = e < y[i] ? e : 0; // a log axis cannot draw an error bar reaching zero
        }
        return new LineSeries(name, x, y, err);
    }

    private static double finiteOrZero(double v) {
        return Double.isFinite(v) ? v : 0;
    }
}

package org.devmirror.bench.suite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.devmirror.bench.DispatchBench;
import org.devmirror.bench.EndToEndBench;
import org.devmirror.bench.FloorBench;
import org.devmirror.bench.LookupReferenceBench;
import org.devmirror.bench.ThreadScalingBench;
import org.devmirror.bench.probe.WorkProbe;
import org.devmirror.bench.report.BenchResult;
import org.devmirror.bench.report.Estimate;
import org.devmirror.bench.report.plot.BarSeries;
import org.devmirror.bench.report.plot.LineSeries;
import org.devmirror.bench.report.plot.Plot;
import org.devmirror.bench.workload.InvalidationFixture;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * The plots of the report ({@link SuitePlot}), drawn from the results of one run. A plot is drawn
 * when a benchmark whose registry entry lists it ({@link BenchEntry#plots()}) ran and every figure
 * it needs is there; otherwise (filtered out by {@code --include}) it is skipped, and
 * {@link #write} says which were written. Events come from {@link MmuNotifierEvent#values()},
 * labels from {@link BenchRegistry}.
 */
public final class SuitePlots {
    private static final List<MmuNotifierEvent> EVENTS = List.of(MmuNotifierEvent.values());
    private static final List<String> EVENT_NAMES =
            EVENTS.stream().map(MmuNotifierEvent::name).toList();
    static final List<String> SIZES = List.of("4K", "64K", "2M", "1G");
    /** The events {@code EndToEndBench} runs: all but RELEASE, which leaves no mirror to access. */
    static final List<MmuNotifierEvent> END_TO_END_EVENTS =
            EVENTS.stream().filter(e -> e != MmuNotifierEvent.RELEASE).toList();

    /** The range sizes of {@code EndToEndBench}'s {@code size} parameter, in its order. */
    static final List<String> END_TO_END_SIZES = List.of("4K", "64K", "2M");

    private static final List<String> END_TO_END_NAMES =
            END_TO_END_EVENTS.stream().map(MmuNotifierEvent::name).toList();
    /** The fill floor of each size: 8 bytes per populated PTE (the sparse 1 GiB range holds 512, as 2 MiB does). */
    private static final String[] FILL_FOR_SIZE = {"8", "128", "4096", "4096"};

    private final List<BenchResult> results;
    private final Map<String, BenchResult> byLabel = new HashMap<>();

    public SuitePlots(List<BenchResult> results) {
        this.results = List.copyOf(results);
        for (BenchResult r : results) {
            byLabel.put(r.label(), r);
        }
    }

    /** Writes every plot the results allow into {@code dir}; returns the base names written. */
    public List<String> write(Path dir) throws IOException {
        List<String> written = new ArrayList<>();
        for (SuitePlot plot : SuitePlot.values()) {
            Plot p = ran(plot) ? draw(plot) : null;
            if (p != null) {
                p.write(dir, plot.fileName());
                written.add(plot.fileName());
            }
        }
        return written;
    }

    private Plot draw(SuitePlot plot) {
        return switch (plot) {
            case LATENCY_PER_EVENT -> latencyPerEvent();
            case LATENCY_VS_SIZE -> latencyVsSize();
            case DISPATCH_VS_NOTIFIERS -> dispatchVsNotifiers();
            case DEVICE_WORK_SAVED -> workSaved();
            case DEVICE_TIME_SAVED -> deviceTimeSaved(CostProfile.DEFAULT);
            case THREAD_SCALING -> threadScaling();
        };
    }

    /** Whether a benchmark of an entry that lists {@code plot} is among the results. */
    private boolean ran(SuitePlot plot) {
        for (BenchEntry e : BenchRegistry.entries()) {
            if (e.plots().contains(plot)) {
                String prefix = e.type().getName() + ".";
                for (BenchResult r : results) {
                    if (r.benchmark().startsWith(prefix)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Invalidation of a populated 2 MiB range per event, event-aware against blind (log y). */
    Plot latencyPerEvent() {
        double[] aware = new double[EVENTS.size()];
        double[] blind = new double[EVENTS.size()];
        double[] awareErr = new double[EVENTS.size()];
        double[] blindErr = new double[EVENTS.size()];
        for (int i = 0; i < EVENTS.size(); i++) {
            Estimate a = nanos(BenchRegistry.operationLabel(EVENTS.get(i), "aware", "2M"));
            Estimate b = nanos(BenchRegistry.operationLabel(EVENTS.get(i), "blind", "2M"));
            if (a == null || b == null) {
                return null;
            }
            aware[i] = a.value();
            awareErr[i] = finiteOrZero(a.error());
            blind[i] = b.value();
            blindErr[i] = finiteOrZero(b.error());
        }
        return Plot.groupedBars(
                "Invalidation of a populated 2 MiB range and its restore, per event",
                "event",
                "ns per operation (invalidation + restore)",
                Plot.Scale.LOG,
                EVENT_NAMES,
                List.of(new BarSeries("event-aware", aware, awareErr), new BarSeries("blind", blind, blindErr)));
    }

    /** Latency against range size for UNMAP, CLEAR and SOFT_DIRTY (aware) and UNMAP blind, with the fill floor. */
    Plot latencyVsSize() {
        List<LineSeries> series = new ArrayList<>();
        record EventPolicy(MmuNotifierEvent event, String policy) {}
        for (EventPolicy s : List.of(
                new EventPolicy(MmuNotifierEvent.UNMAP, "aware"),
                new EventPolicy(MmuNotifierEvent.CLEAR, "aware"),
                new EventPolicy(MmuNotifierEvent.SOFT_DIRTY, "aware"),
                new EventPolicy(MmuNotifierEvent.SOFT_DIRTY, "blind"))) {
            LineSeries line = sizeSeries(
                    s.event() + ", " + s.policy(), size -> BenchRegistry.operationLabel(s.event(), s.policy(), size));
            if (line != null) {
                series.add(line);
            }
        }
        if (series.isEmpty()) {
            return null;
        }
        LineSeries floor = sizeSeries(
                "fill floor (8 B per populated PTE)",
                size -> BenchEntry.label(FloorBench.class, "fill", "bytes", FILL_FOR_SIZE[SIZES.indexOf(size)]));
        if (floor != null) {
            series.add(floor);
        }
        return Plot.lines(
                "Invalidation and restore against range size (1G: sparse, 512 pages populated)",
                "range size (bytes)",
                "ns per operation (invalidation + restore)",
                Plot.Scale.LOG,
                Plot.Scale.LOG,
                series);
    }

    private interface LabelForSize {
        String label(String size);
    }

    private LineSeries sizeSeries(String name, LabelForSize labels) {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < SIZES.size(); i++) {
            Estimate e = nanos(labels.label(SIZES.get(i)));
            if (e != null && e.value() > 0) {
                points.add(
                        new double[] {InvalidationFixture.sizeBytes(SIZES.get(i)), e.value(), finiteOrZero(e.error())});
            }
        }
        return points.isEmpty() ? null : line(name, points);
    }

    /**
     * The scaling curve of {@code ThreadScalingBench}: all threads' operations per microsecond
     * against the thread count, with the line of perfect scaling from the one-thread figure.
     */
    Plot threadScaling() {
        TreeMap<Double, double[]> points = new TreeMap<>();
        String benchmark = ThreadScalingBench.class.getName() + ".clear";
        for (BenchResult r : results) {
            String t = r.params().get(ThreadScalingBench.THREADS);
            if (r.benchmark().equals(benchmark) && t != null) {
                Estimate perMicro = r.nanosPerOp().reciprocal().scale(1000);
                double n = Double.parseDouble(t);
                points.put(n, new double[] {n, perMicro.value(), finiteOrZero(perMicro.error())});
            }
        }
        double[] one = points.get(1.0);
        if (one == null) {
            return null;
        }
        List<double[]> linear = new ArrayList<>();
        for (double n : points.keySet()) {
            linear.add(new double[] {n, n * one[1], 0});
        }
        return Plot.lines(
                "Event-aware CLEARs of disjoint populated 2 MiB ranges, one per thread (with the restore)",
                "threads",
                "operations per microsecond, all threads",
                Plot.Scale.LINEAR,
                Plot.Scale.LINEAR,
                List.of(line("measured", new ArrayList<>(points.values())), line("linear from 1 thread", linear)));
    }

    /** Dispatch latency against notifier count, log x, with the TreeMap lookups. */
    Plot dispatchVsNotifiers() {
        List<LineSeries> series = new ArrayList<>();
        record Line(String name, Class<?> type, String method, String count) {}
        for (Line d : List.of(
                new Line("dispatch, hit one", DispatchBench.class, "hitOne", "notifiers"),
                new Line("dispatch, hit none", DispatchBench.class, "hitNone", "notifiers"),
                new Line("TreeMap.floorEntry, hit", LookupReferenceBench.class, "treeMapFloorHit", "ranges"),
                new Line("TreeMap.floorEntry, miss", LookupReferenceBench.class, "treeMapFloorMiss", "ranges"),
                new Line("Guava TreeRangeMap, miss", LookupReferenceBench.class, "rangeMapMiss", "ranges"))) {
            // Every count the run measured, in ascending order.
            TreeMap<Double, double[]> points = new TreeMap<>();
            String benchmark = d.type().getName() + "." + d.method();
            for (BenchResult r : results) {
                Estimate e = r.benchmark().equals(benchmark) ? r.nanosPerOp() : null;
                if (e != null && e.value() > 0 && r.params().containsKey(d.count())) {
                    double n = Double.parseDouble(r.params().get(d.count()));
                    points.put(n, new double[] {n, e.value(), finiteOrZero(e.error())});
                }
            }
            if (!points.isEmpty()) {
                series.add(line(d.name(), new ArrayList<>(points.values())));
            }
        }
        if (series.isEmpty()) {
            return null;
        }
        return Plot.lines(
                "Dispatch latency against registered interval notifiers",
                "interval notifiers",
                "ns per invalidation",
                Plot.Scale.LOG,
                Plot.Scale.LINEAR,
                series);
    }

    /**
     * Emulator time the event-aware policy saves per operation on a populated range (blind minus
     * aware), end to end ({@code EndToEndBench}): the invalidation and then the device's read of
     * every page of the range, so that the refaults the blind policy causes are paid where they
     * happen, through the device fault path. One series per range size the run measured for every
     * event and both policies. Negative where the event-aware policy spends more now than the blind
     * one pays later. Null when no size is complete.
     */
    Plot workSaved() {
        List<BarSeries> series = new ArrayList<>();
        for (String size : END_TO_END_SIZES) {
            double[] saved = new double[END_TO_END_EVENTS.size()];
            boolean complete = true;
            for (int i = 0; i < END_TO_END_EVENTS.size() && complete; i++) {
                Estimate a = nanos(endToEndLabel(END_TO_END_EVENTS.get(i), "aware", size));
                Estimate b = nanos(endToEndLabel(END_TO_END_EVENTS.get(i), "blind", size));
                complete = a != null && b != null;
                saved[i] = complete ? b.value() - a.value() : 0;
            }
            if (complete) {
                series.add(new BarSeries(size, saved));
            }
        }
        if (series.isEmpty()) {
            return null;
        }
        return Plot.groupedBars(
                "Emulator time saved by the event-aware policy: invalidation + the device's next access",
                "event",
                "ns per operation, blind - aware (> 0: aware cheaper)",
                Plot.Scale.LINEAR,
                END_TO_END_NAMES,
                series);
    }

    /**
     * The same operations' modelled device time saved (blind minus aware), per range size, priced
     * by {@code profile} from the exact counts of one operation each ({@code WorkProbe.endToEnd}):
     * no timing, so it is the same on every machine and drawn whatever sizes the run measured.
     */
    static Plot deviceTimeSaved(CostProfile profile) {
        List<BarSeries> series = new ArrayList<>();
        for (String size : END_TO_END_SIZES) {
            double[] saved = new double[END_TO_END_EVENTS.size()];
            for (int i = 0; i < END_TO_END_EVENTS.size(); i++) {
                MmuNotifierEvent e = END_TO_END_EVENTS.get(i);
                double aware =
                        profile.price(WorkProbe.endToEnd(e, "aware", size)).totalNs();
                double blind =
                        profile.price(WorkProbe.endToEnd(e, "blind", size)).totalNs();
                saved[i] = (blind - aware) / 1e3;
            }
            series.add(new BarSeries(size, saved));
        }
        return Plot.groupedBars(
                "Modelled device time saved by the event-aware policy: invalidation + next access (" + profile.name()
                        + ")",
                "event",
                "us per operation, blind - aware (> 0: aware cheaper)",
                Plot.Scale.LINEAR,
                END_TO_END_NAMES,
                series);
    }

    /** The label of {@code EndToEndBench} for one event, policy and size. */
    static String endToEndLabel(MmuNotifierEvent event, String policy, String size) {
        return BenchEntry.label(
                EndToEndBench.class, "invalidateThenAccess", "event", event.name(), "policy", policy, "size", size);
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

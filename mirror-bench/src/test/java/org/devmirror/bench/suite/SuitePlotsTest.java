package org.devmirror.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.devmirror.bench.report.BenchMetric;
import org.devmirror.bench.report.BenchResult;
import org.devmirror.bench.report.plot.Plot;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "device work saved" plots: drawn from EndToEndBench's results, and in modelled device time
 * from exact counts; the thread-scaling curve from ThreadScalingBench's throughput per thread count.
 */
class SuitePlotsTest {
    @Test
    void workSavedNeedsTheEndToEndResults() {
        assertNull(new SuitePlots(List.of()).workSaved());
        assertEquals(
                List.of("UNMAP", "CLEAR", "PROTECTION_VMA", "PROTECTION_PAGE", "SOFT_DIRTY", "MIGRATE", "EXCLUSIVE"),
                SuitePlots.END_TO_END_EVENTS.stream()
                        .map(MmuNotifierEvent::name)
                        .toList());
        assertEquals(
                "EndToEndBench.invalidateThenAccess event=SOFT_DIRTY policy=blind size=2M",
                SuitePlots.endToEndLabel(MmuNotifierEvent.SOFT_DIRTY, "blind", "2M"));
    }

    /** The plots' sizes are the benchmark's: a size added to its {@code @Param} must be drawn too. */
    @Test
    void endToEndSizesAreTheBenchmarksSizes() throws Exception {
        org.openjdk.jmh.annotations.Param sizes = org.devmirror.bench.EndToEndBench.class
                .getField("size")
                .getAnnotation(org.openjdk.jmh.annotations.Param.class);
        assertEquals(List.of(sizes.value()), SuitePlots.END_TO_END_SIZES);
    }

    /** Each size the run measured completely is one series; an incomplete size is left out. */
    @Test
    void workSavedDrawsEveryCompleteSize(@TempDir Path dir) throws Exception {
        List<BenchResult> results = new java.util.ArrayList<>();
        for (MmuNotifierEvent e : SuitePlots.END_TO_END_EVENTS) {
            for (String size : List.of("4K", "2M")) {
                results.add(endToEnd(e, "aware", size, 100));
                results.add(endToEnd(e, "blind", size, 250));
            }
        }
        results.add(endToEnd(MmuNotifierEvent.UNMAP, "aware", "64K", 100)); // 64K incomplete
        Plot plot = new SuitePlots(results).workSaved();
        assertNotNull(plot);
        assertTrue(Files.size(plot.write(dir, "device-work-saved").png()) > 0);
        assertEquals(List.of("4K", "2M"), plot.seriesNames());
    }

    private static BenchResult endToEnd(MmuNotifierEvent event, String policy, String size, double ns) {
        return new BenchResult(
                "org.devmirror.bench.EndToEndBench.invalidateThenAccess",
                "avgt",
                new java.util.TreeMap<>(java.util.Map.of("event", event.name(), "policy", policy, "size", size)),
                new BenchMetric(ns, ns / 20, "ns/op", new double[][] {{ns}}),
                new java.util.TreeMap<>());
    }

    @Test
    void deviceTimeSavedIsDrawnWithoutAnyTiming(@TempDir Path dir) throws Exception {
        Plot.PlotFiles files = SuitePlots.deviceTimeSaved(CostProfile.XE_4K).write(dir, "device-time-saved");
        assertTrue(Files.size(files.png()) > 0);
        assertTrue(Files.size(files.svg()) > 0);
    }

    private static BenchResult throughput(String threads, double opsPerMicro) {
        return new BenchResult(
                "org.devmirror.bench.ThreadScalingBench.clear",
                "thrpt",
                new java.util.TreeMap<>(java.util.Map.of("threads", threads)),
                new BenchMetric(opsPerMicro, opsPerMicro / 20, "ops/us", new double[][] {{opsPerMicro}}),
                new java.util.TreeMap<>());
    }

    @Test
    void theThreadScalingCurveNeedsTheOneThreadRun(@TempDir Path dir) throws Exception {
        assertNull(new SuitePlots(List.of(throughput("2", 1.8))).threadScaling());
        SuitePlots plots = new SuitePlots(List.of(throughput("1", 1.0), throughput("2", 1.8), throughput("4", 2.9)));
        Plot curve = plots.threadScaling();
        assertNotNull(curve);
        assertTrue(plots.write(dir).contains("thread-scaling"));
        assertTrue(Files.size(dir.resolve("thread-scaling.png")) > 0);
    }
}

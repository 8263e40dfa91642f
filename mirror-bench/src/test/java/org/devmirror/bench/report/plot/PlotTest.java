package org.devmirror.bench.report.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each of the report's chart shapes is written as a real PNG and a real SVG. */
class PlotTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private static void assertPngAndSvg(Plot.PlotFiles files) throws Exception {
        byte[] png = Files.readAllBytes(files.png());
        assertTrue(png.length > 1000, "a 1000x600 chart is more than a header: " + png.length + " bytes");
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, 8));
        String svg = Files.readString(files.svg(), StandardCharsets.UTF_8);
        assertTrue(svg.startsWith("<?xml"), svg.substring(0, Math.min(80, svg.length())));
        assertTrue(svg.contains("<svg"), "the SVG has an svg element");
        assertTrue(svg.trim().endsWith("</svg>"), "the SVG is complete");
    }

    @Test
    void groupedBarsAwareAgainstBlind(@TempDir Path dir) throws Exception {
        Plot p = Plot.groupedBars(
                "Invalidation latency per event",
                "event",
                "ns/op",
                Plot.Scale.LOG,
                List.of("UNMAP", "CLEAR", "SOFT_DIRTY"),
                List.of(
                        new BarSeries("event-aware", new double[] {120, 118, 15}, new double[] {3, 2, 1}),
                        new BarSeries("blind", new double[] {121, 119, 119})));

        Plot.PlotFiles files = p.write(dir.resolve("plots"), "latency-per-event");

        assertEquals(dir.resolve("plots/latency-per-event.png"), files.png());
        assertEquals(dir.resolve("plots/latency-per-event.svg"), files.svg());
        assertPngAndSvg(files);
        String svg = Files.readString(files.svg(), StandardCharsets.UTF_8);
        assertTrue(svg.contains("event-aware") || svg.contains("<path"), "the legend or bars are drawn");
    }

    @Test
    void logLogLinesWithFloor(@TempDir Path dir) throws Exception {
        double[] sizes = {4096, 65536, 2097152};
        Plot p = Plot.lines(
                "Latency against range size",
                "bytes",
                "ns/op",
                Plot.Scale.LOG,
                Plot.Scale.LOG,
                List.of(
                        new LineSeries(
                                "UNMAP, event-aware", sizes, new double[] {20, 60, 900}, new double[] {1, 2, 30}),
                        new LineSeries("fill floor", sizes, new double[] {5, 40, 700})));

        assertPngAndSvg(p.write(dir, "latency-vs-size"));
    }

    @Test
    void dispatchAgainstNotifierCountOnLogX(@TempDir Path dir) throws Exception {
        Plot p = Plot.lines(
                "Dispatch latency",
                "notifiers",
                "ns/op",
                Plot.Scale.LOG,
                Plot.Scale.LINEAR,
                List.of(
                        new LineSeries("hit", new double[] {1, 1024, 65536, 1048576}, new double[] {10, 25, 35, 45}),
                        new LineSeries("miss", new double[] {1, 1024, 65536, 1048576}, new double[] {8, 20, 30, 40})));

        assertPngAndSvg(p.write(dir, "dispatch-vs-notifiers"));
    }

    @Test
    void workSavedBars(@TempDir Path dir) throws Exception {
        Plot p = Plot.bars(
                "Device work saved by the event-aware policy",
                "event",
                "PTEs not cleared per op",
                List.of("SOFT_DIRTY", "PROTECTION_PAGE", "UNMAP"),
                new BarSeries("saved", new double[] {512, 256, 0}));

        assertPngAndSvg(p.write(dir, "work-saved"));
    }

    @Test
    void nonPositiveValueOnLogAxisIsRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Plot.lines(
                        "t",
                        "x",
                        "y",
                        Plot.Scale.LOG,
                        Plot.Scale.LINEAR,
                        List.of(new LineSeries("s", new double[] {0, 1}, new double[] {1, 2}))));

        assertEquals("series \"s\": x[0]=0.0 cannot be drawn on a logarithmic axis", e.getMessage());
    }

    @Test
    void seriesLengthMismatchIsRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Plot.groupedBars(
                        "t", "x", "y", Plot.Scale.LINEAR, List.of("a", "b"), List.of(new BarSeries("s", new double[] {1
                        }))));

        assertEquals("series \"s\" has 1 values but there are 2 categories", e.getMessage());
    }

    @Test
    void nonFiniteValueIsRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new LineSeries("s", new double[] {1, 2}, new double[] {1, Double.NaN}));

        assertEquals("y[1]=NaN is not finite", e.getMessage());
    }

    @Test
    void pathInBaseNameIsRejected(@TempDir Path dir) {
        Plot p = Plot.bars("t", "x", "y", List.of("a"), new BarSeries("s", new double[] {1}));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.write(dir, "../escape"));

        assertEquals("baseName=../escape must be a plain file name", e.getMessage());
        assertTrue(dir.toFile().list().length == 0, "nothing was written");
    }
}

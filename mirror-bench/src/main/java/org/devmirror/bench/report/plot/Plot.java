package org.devmirror.bench.report.plot;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * A chart of the benchmark report, built from plain series data (no JMH types) and written as
 * PNG and SVG with XChart.
 *
 * <p>The report needs three shapes: grouped bars (latency per event type, event-aware against
 * blind), single bars (device work saved per event), and lines on logarithmic axes (latency
 * against range size with the fill floor; dispatch latency against notifier count). Log axes
 * are chosen per axis because latency spans decades as range size does.
 */
public final class Plot {
    /** Pixel size of the PNG and the SVG's canvas. */
    public static final int WIDTH = 1000;

    public static final int HEIGHT = 600;

    /** Axis scale. */
    public enum Scale {
        LINEAR,
        LOG
    }

    /** The files {@link #write} produced. */
    public record PlotFiles(Path png, Path svg) {}

    private final Chart<?, ?> chart;

    private Plot(Chart<?, ?> chart) {
        this.chart = chart;
    }

    /**
     * Bars grouped by category, one bar per series in each group, e.g. categories = event types,
     * series = "event-aware" and "blind".
     */
    public static Plot groupedBars(
            String title, String xTitle, String yTitle, Scale yScale, List<String> categories, List<BarSeries> series) {
        if (categories.isEmpty()) {
            throw new IllegalArgumentException("categories is empty; a bar chart needs at least one");
        }
        if (series.isEmpty()) {
            throw new IllegalArgumentException("series is empty; a bar chart needs at least one");
        }
        CategoryChart c = new CategoryChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        style(c.getStyler());
        c.getStyler().setYAxisLogarithmic(yScale == Scale.LOG);
        c.getStyler().setXAxisLabelRotation(categories.size() > 6 ? 30 : 0);
        c.getStyler().setErrorBarsColor(Color.BLACK);
        double lowest = Double.POSITIVE_INFINITY;
        for (BarSeries s : series) {
            if (s.values().length != categories.size()) {
                throw new IllegalArgumentException("series \"" + s.name() + "\" has " + s.values().length
                        + " values but there are " + categories.size() + " categories");
            }
            if (yScale == Scale.LOG) {
                PlotChecks.requirePositive("values", "series \"" + s.name() + "\"", s.values());
                for (int i = 0; i < s.values().length; i++) {
                    lowest = Math.min(lowest, s.values()[i]);
                }
            }
            List<Double> values = boxed(s.values());
            // XChart 3.8.8 draws the error bars of a bar chart at the wrong heights on a logarithmic
            // axis (a 405 +/- 56 ns bar got an error bar from 7 to 22,000 ns), so a logarithmic bar
            // chart shows the values only; the report's tables carry every error.
            if (s.errors() == null || yScale == Scale.LOG) {
                c.addSeries(s.name(), categories, values);
            } else {
                c.addSeries(s.name(), categories, values, boxed(s.errors()));
            }
        }
        if (yScale == Scale.LOG) {
            // XChart starts bars at zero, which a log axis cannot show: start them at the decade
            // below the lowest bar instead.
            c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(lowest))));
        }
        return new Plot(c);
    }

    /** The names of the chart's series, in the order they were added (the legend's order). */
    public List<String> seriesNames() {
        return List.copyOf(chart.getSeriesMap().keySet());
    }

    /** One bar per category, e.g. device work saved by the event-aware policy per event type. */
    public static Plot bars(String title, String xTitle, String yTitle, List<String> categories, BarSeries series) {
        return groupedBars(title, xTitle, yTitle, Scale.LINEAR, categories, List.of(series));
    }

    /**
     * Lines through points, each axis linear or logarithmic, e.g. latency against range size
     * (both log) with a floor series, or dispatch latency against notifier count (log x).
     */
    public static Plot lines(
            String title, String xTitle, String yTitle, Scale xScale, Scale yScale, List<LineSeries> series) {
        if (series.isEmpty()) {
            throw new IllegalArgumentException("series is empty; a line chart needs at least one");
        }
        XYChart c = new XYChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        style(c.getStyler());
        c.getStyler().setXAxisLogarithmic(xScale == Scale.LOG);
        c.getStyler().setYAxisLogarithmic(yScale == Scale.LOG);
        c.getStyler().setErrorBarsColorSeriesColor(true);
        c.getStyler().setMarkerSize(7);
        for (LineSeries s : series) {
            if (xScale == Scale.LOG) {
                PlotChecks.requirePositive("x", "series \"" + s.name() + "\"", s.x());
            }
            if (yScale == Scale.LOG) {
                PlotChecks.requirePositive("y", "series \"" + s.name() + "\"", s.y());
            }
            c.addSeries(s.name(), s.x(), s.y(), s.yErrors());
        }
        return new Plot(c);
    }

    /**
     * Writes {@code dir/baseName.png} and {@code dir/baseName.svg}, creating {@code dir}.
     * {@code baseName} is a plain file name such as {@code latency-per-event}.
     */
    public PlotFiles write(Path dir, String baseName) throws IOException {
        if (baseName == null || baseName.isBlank() || baseName.contains("/") || baseName.contains("\\")) {
            throw new IllegalArgumentException("baseName=" + baseName + " must be a plain file name");
        }
        Files.createDirectories(dir);
        Path png = dir.resolve(baseName + ".png");
        Path svg = dir.resolve(baseName + ".svg");
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        try (OutputStream out = Files.newOutputStream(svg)) {
            VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        }
        return new PlotFiles(png, svg);
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
    }

    private static List<Double> boxed(double[] values) {
        List<Double> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(v);
        }
        return out;
    }
}

package org.devmirror.bench.suite;

/**
 * The plots of the report ({@link SuitePlots} draws them). A registry entry ({@link BenchEntry})
 * lists the plots its results appear in; a plot is drawn when its benchmarks ran.
 */
public enum SuitePlot {
    /** Invalidation of a populated 2 MiB range per event, event-aware against blind. */
    LATENCY_PER_EVENT("latency-per-event"),
    /** Invalidation against range size, with the fill floor. */
    LATENCY_VS_SIZE("latency-vs-size"),
    /** Dispatch against the number of interval notifiers, with the tree lookups. */
    DISPATCH_VS_NOTIFIERS("dispatch-vs-notifiers"),
    /** Blind minus event-aware per event. */
    DEVICE_WORK_SAVED("device-work-saved");

    private final String fileName;

    SuitePlot(String fileName) {
        this.fileName = fileName;
    }

    /** The base name of the PNG and SVG written. */
    public String fileName() {
        return fileName;
    }
}

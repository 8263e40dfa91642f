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
    /** Blind minus event-aware per event, invalidation and the device's next access, emulator time. */
    DEVICE_WORK_SAVED("device-work-saved"),
    /** The same in modelled device time, from exact counts (no timing). */
    DEVICE_TIME_SAVED("device-time-saved"),
    /** Throughput of invalidations of disjoint ranges against the threads raising them, with linear scaling. */
    THREAD_SCALING("thread-scaling");

    private final String fileName;

    SuitePlot(String fileName) {
        this.fileName = fileName;
    }

    /** The base name of the PNG and SVG written. */
    public String fileName() {
        return fileName;
    }
}

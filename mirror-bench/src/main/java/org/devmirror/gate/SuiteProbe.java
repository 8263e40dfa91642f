package org.devmirror.gate;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import org.devmirror.bench.workload.DispatchWorkload;

/**
 * The deterministic probe over devmirror's benchmark workloads, run outside JMH: each hot path is
 * warmed up, then run {@link #OPERATIONS} times while the thread's allocated bytes are read before
 * and after ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}), and its work
 * counters are read per operation. The check names are the JMH labels of the matching benchmarks,
 * so a changed row in the gate's table points at the benchmark to look at.
 *
 * <p>Allocation is reported as whole bytes per operation rounded down: a hot path that allocates
 * nothing shows 0 even if the measuring loop's own bookkeeping allocated a few bytes once, while
 * a single 16-byte object per operation shows 16.
 *
 * <p>Checks: {@code DispatchBench.hitOne} and {@code DispatchBench.hitNone} with 1 Ki interval
 * notifiers ({@code visitedNodes}: tree nodes the invalidation visited; {@code callbacks}:
 * invalidate callbacks made).
 */
public final class SuiteProbe implements DeterministicProbe {
    /** Operations measured per check: enough that one stray allocation rounds to 0 B/op. */
    static final int OPERATIONS = 200_000;
    private static final int WARMUP = 50_000;
    private static final int NOTIFIERS = 1024;

    @Override
    public Baseline measure() {
        Baseline b = Baseline.empty();
        try (DispatchWorkload w = new DispatchWorkload(NOTIFIERS)) {
            b = b.with("DispatchBench.hitOne notifiers=" + NOTIFIERS, dispatch(w, true));
            b = b.with("DispatchBench.hitNone notifiers=" + NOTIFIERS, dispatch(w, false));
        }
        return b;
    }

    private static BaselineEntry dispatch(DispatchWorkload w, boolean hitOne) {
        long sink = 0;
        for (int i = 0; i < WARMUP; i++) {
            sink += w.invalidate(hitOne);
        }
        long callbacksBefore = w.callbacks();
        long before = allocatedBytes();
        for (int i = 0; i < OPERATIONS; i++) {
            sink += w.invalidate(hitOne);
        }
        long allocated = allocatedBytes() - before;
        long callbacks = (w.callbacks() - callbacksBefore) / OPERATIONS;
        if (sink == 42) {
            // Keeps the loop's results alive; the sequence is never exactly 42 after warmup.
            System.out.print("");
        }
        Map<String, Long> counters = new TreeMap<>();
        counters.put("visitedNodes", (long) w.visitedNodesLastInvalidation());
        counters.put("callbacks", callbacks);
        return BaselineEntry.of(allocated / OPERATIONS, counters);
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}

package org.devmirror.bench;

import org.devmirror.bench.workload.FaultWorkload;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The trial state the device-fault benchmarks share: one {@link FaultWorkload} of
 * {@link #pages()} populated pages, whose first fault (in {@code @Setup(Level.Trial)}) inserts the
 * tracked range, so every measured fault is the same steady-state work; closed after the trial.
 */
@State(Scope.Thread)
public abstract class FaultBenchState {
    /** The workload of this trial; set by {@link #mirror}. */
    protected FaultWorkload workload;

    /** How many pages one fault covers. */
    protected abstract int pages();

    @Setup(Level.Trial)
    public void mirror() {
        workload = new FaultWorkload(pages());
    }

    @TearDown(Level.Trial)
    public void close() {
        workload.close();
    }
}

package org.devmirror.bench;

import org.devmirror.bench.workload.InvalidationWorkload;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The trial state every invalidation benchmark shares: one {@link InvalidationWorkload}, built
 * from the subclass's {@code @Param} values in {@code @Setup(Level.Trial)} (building and arming
 * regions takes milliseconds to seconds, far beyond a measurement) and closed after the trial.
 * A subclass says only which workload ({@link #newWorkload}) and what it times.
 */
@State(Scope.Thread)
public abstract class InvalidationBenchState {
    /** The workload of this trial; set by {@link #mirror}. */
    protected InvalidationWorkload workload;

    /** The workload for this benchmark's parameters (called once per trial, before any measurement). */
    protected abstract InvalidationWorkload newWorkload();

    @Setup(Level.Trial)
    public void mirror() {
        workload = newWorkload();
    }

    @TearDown(Level.Trial)
    public void close() {
        workload.close();
    }
}

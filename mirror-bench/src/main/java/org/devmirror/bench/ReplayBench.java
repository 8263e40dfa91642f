package org.devmirror.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.replay.ReplayModel;
import org.devmirror.replay.ReplayResult;
import org.devmirror.replay.TraceReplay;
import org.devmirror.trace.ShippedTraces;
import org.devmirror.trace.StraceReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The macro benchmark: one whole replay of a real program's memory system calls (the shipped
 * {@code examples/traces/*.strace}) through {@link TraceReplay}, under the event-aware or the
 * blind policy, with the default {@link ReplayModel} ({@link #MODEL}: one device mirroring every address space,
 * touching a quarter of the populated pages after each call, the safety oracle after each call).
 * The time covers the host calls with their invalidations, the devices' work for them and the
 * device faults that follow; the device work itself is deterministic and is counted by the
 * report from one in-process replay per trace and policy ({@code ReplayWorkTable}).
 *
 * <p>Pitfalls avoided: the trace is read and parsed once per trial ({@code @State}), so parsing
 * is not timed; every replay builds a fresh host, so each invocation does the same work and none
 * depends on the previous; single-shot mode times each replay whole (a replay takes milliseconds,
 * far above the timer's resolution); the device work is returned so nothing is dead code. The
 * oracle's checks and the model's device touches are the same under both policies, so the
 * difference between the two is what the policy costs or saves, including refaults.
 *
 * <p>The trace directory is {@code -Ddevmirror.traces=DIR} (the suite passes the absolute path of
 * {@code examples/traces}). {@link #trace} has no values of its own: the suite runs every shipped
 * trace ({@link ShippedTraces}) unless the profile or {@code --param trace=...} names some.
 *
 * <p>Run: {@code ./devmirror bench --include ReplayBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(3)
public class ReplayBench {
    /** The system property naming the trace directory. */
    public static final String TRACES_PROPERTY = "devmirror.traces";

    /** A shipped trace's name; the suite fills in {@link ShippedTraces#names} (JMH alone needs {@code -p trace=...}). */
    @Param({})
    public String trace;

    @Param({"aware", "blind"})
    public String policy;

    /**
     * The replay model: {@link ReplayModel#defaults()}, as {@code ./devmirror replay} uses it. Each
     * replay builds a fresh host sized by it (16 Ki frames and a quarter as many swap slots, both
     * zeroed when the host is made), which is part of the time measured.
     */
    public static final ReplayModel MODEL = ReplayModel.defaults();

    private StraceReader.Trace parsed;
    private InvalidationPolicy invalidationPolicy;

    @Setup(Level.Trial)
    public void read() {
        Path file = ShippedTraces.file(tracesDirectory(), trace);
        try {
            parsed = StraceReader.readAll(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + file, e);
        }
        invalidationPolicy = PolicyResolver.resolve("policy", policy);
    }

    /** The directory holding the shipped traces: the property, else {@code examples/traces}. */
    public static Path tracesDirectory() {
        String dir = System.getProperty(TRACES_PROPERTY);
        Path p = Path.of(dir != null ? dir : "examples/traces");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException(TRACES_PROPERTY + "=" + p.toAbsolutePath() + " is not a directory");
        }
        return p;
    }

    /** One replay of the whole trace; returns the devices' total work. */
    @Benchmark
    public long replay() {
        ReplayResult r = TraceReplay.replay(parsed, invalidationPolicy, MODEL);
        return r.work().totalWork();
    }
}

package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.bench.workload.InvalidationWorkload;
import org.devmirror.notifier.MmuNotifierEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The invalidation hot path, per event type, for the event-aware and the blind policy, over 4 KiB,
 * 64 KiB, 2 MiB and 1 GiB (sparse) ranges, populated or not: the host raising one invalidation
 * through the notifier core until the device has done its work for it
 * ({@link InvalidationWorkload}). Reported against {@code FloorBench.fill} of the same number of
 * PTE bytes.
 *
 * <p>Pitfall avoided: zapping, downgrading and dropping tracking consume the state being measured,
 * and restoring it per call ({@code @Setup(Level.Invocation)}) would put a timer read and the
 * restore's cache effects around every sub-microsecond call. Instead one invocation invalidates
 * {@link InvalidationWorkload#REGIONS} separately mirrored regions once each, in single-shot mode
 * ({@code @OperationsPerInvocation} divides), and {@code @Setup(Level.Iteration)} re-arms them all
 * through the driver's fault path, outside the measurement. No paired subtraction is needed.
 * With {@code -prof gc} the iteration's re-arm is counted too: for the events that drop tracking
 * (UNMAP, RELEASE and every blind invalidation) the B/op includes the tracked ranges the re-arm
 * creates; {@code WorkProbe} measures the invalidation alone.
 *
 * <p>Run: {@code ./devmirror bench --include InvalidateBench}; a single point:
 * {@code java -jar mirror-bench/target/devmirror.jar bench --include 'InvalidateBench' --quick}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 300)
@Measurement(iterations = 200)
@Fork(3)
public class InvalidateBench {
    @Param({"UNMAP", "CLEAR", "PROTECTION_VMA", "PROTECTION_PAGE", "SOFT_DIRTY", "RELEASE", "MIGRATE", "EXCLUSIVE"})
    public String event;

    @Param({"aware", "blind"})
    public String policy;

    @Param({"4K", "64K", "2M", "1G"})
    public String size;

    @Param({"true", "false"})
    public boolean populated;

    private InvalidationWorkload workload;

    @Setup(Level.Trial)
    public void mirror() {
        workload = new InvalidationWorkload(MmuNotifierEvent.valueOf(event), policy, size, populated, true, true);
    }

    @Setup(Level.Iteration)
    public void rearm() {
        workload.arm();
    }

    @TearDown(Level.Trial)
    public void close() {
        workload.close();
    }

    @Benchmark
    @OperationsPerInvocation(InvalidationWorkload.REGIONS)
    public long invalidate() {
        return workload.invalidateAll();
    }
}

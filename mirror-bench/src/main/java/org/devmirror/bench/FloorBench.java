package org.devmirror.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory floor: {@link MemorySegment#fill} of as many bytes as the device page-table entries
 * an invalidation rewrites (8 bytes per PTE: 1 PTE for 4 KiB, 16 for 64 KiB, 512 = 4 KiB for
 * 2 MiB). No device mirror can zap N entries faster than the machine can store N words, so every
 * zapping invalidation is reported as a ratio to this figure, measured in the same run.
 *
 * <p>Pitfalls avoided: the segment is off-heap and allocated once in {@code @Setup} (allocating
 * it per call would measure the allocator); the fill value changes per call and the segment's
 * first byte is returned, so the store can be neither hoisted out of the measurement loop nor
 * eliminated as dead. {@link #baseline} measures the same harness with no fill, so the fill's
 * own cost is the difference.
 *
 * <p>Run: {@code ./devmirror bench --include 'FloorBench'}, or
 * {@code java -jar mirror-bench/target/devmirror.jar bench --include FloorBench --quick}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
public class FloorBench {
    /** Bytes filled: the PTE bytes of 1, 16 and 512 entries, and 4 KiB for the targets' "fill of 4 KiB". */
    @Param({"8", "128", "4096"})
    public int bytes;

    private Arena arena;
    private MemorySegment segment;
    private byte value;

    @Setup(Level.Trial)
    @SuppressWarnings("MustBeClosedChecker") // the trial owns the arena; the @TearDown method closes it
    public void allocate() {
        arena = Arena.ofConfined();
        segment = arena.allocate(bytes, 64);
    }

    @TearDown(Level.Trial)
    public void free() {
        arena.close();
    }

    /** The harness alone: one field increment and a return, no memory traffic. */
    @Benchmark
    public byte baseline() {
        return ++value;
    }

    /** Stores {@code bytes} bytes: what clearing that many device PTEs costs at least. */
    @Benchmark
    public byte fill() {
        segment.fill(++value);
        return segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0);
    }
}

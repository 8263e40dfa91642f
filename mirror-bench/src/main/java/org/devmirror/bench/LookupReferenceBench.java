package org.devmirror.bench;

import com.google.common.collect.Range;
import com.google.common.collect.TreeRangeMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.devmirror.bench.workload.DispatchWorkload;
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
 * What a Java developer would write to find the tracked range an invalidation hits: a
 * {@code TreeMap<Long, Long>} of range start to range end queried with {@link TreeMap#floorEntry},
 * and Guava's {@link TreeRangeMap}. Both hold as many ranges as {@link DispatchBench} registers
 * interval notifiers, laid out the same way ({@link DispatchWorkload#intervalStart}), and are
 * probed at the same two addresses: inside the middle range (hit) and in the gap after it (miss).
 * The dispatch benchmarks are reported as a ratio to these.
 *
 * <p>These lookups do less than dispatch: no lock, no sequence, no callback. They are the floor
 * of a lookup on the heap, not an equivalent implementation.
 *
 * <p>Pitfalls avoided: the maps are built in {@code @Setup(Level.Trial)}; probe addresses are
 * fields, not constants, so the lookup cannot be folded; every result is returned (JMH sinks it);
 * a miss returns a sentinel rather than {@code null} so both outcomes cost the same to sink.
 *
 * <p>Run: {@code ./devmirror bench --include LookupReferenceBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = "-Xmx2g")
public class LookupReferenceBench {
    @Param({"1", "1024", "65536", "1048576"})
    public int ranges;

    private final TreeMap<Long, Long> treeMap = new TreeMap<>();
    private final TreeRangeMap<Long, Long> rangeMap = TreeRangeMap.create();
    private long hitAddress;
    private long missAddress;

    @Setup(Level.Trial)
    public void build() {
        for (int i = 0; i < ranges; i++) {
            long start = DispatchWorkload.intervalStart(i);
            long end = start + DispatchWorkload.INTERVAL_LENGTH;
            treeMap.put(start, end);
            rangeMap.put(Range.closedOpen(start, end), start);
        }
        hitAddress = DispatchWorkload.hitAddress(ranges);
        missAddress = DispatchWorkload.missAddress(ranges);
    }

    @Benchmark
    public long treeMapFloorHit() {
        return floor(hitAddress);
    }

    @Benchmark
    public long treeMapFloorMiss() {
        return floor(missAddress);
    }

    @Benchmark
    public long rangeMapHit() {
        Long v = rangeMap.get(hitAddress);
        return v == null ? -1 : v;
    }

    @Benchmark
    public long rangeMapMiss() {
        Long v = rangeMap.get(missAddress);
        return v == null ? -1 : v;
    }

    /** The start of the range holding {@code va}, or -1: floorEntry, then the end check. */
    private long floor(long va) {
        Map.Entry<Long, Long> e = treeMap.floorEntry(va);
        return e != null && va < e.getValue() ? e.getKey() : -1;
    }
}

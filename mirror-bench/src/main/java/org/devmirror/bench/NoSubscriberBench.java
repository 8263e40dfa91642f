package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.bench.workload.HostOpWorkload;
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
 * Nothing subscribed: munmap, mprotect and a CPU write fault over populated ranges of an address
 * space with notifications enabled but no subscriber ({@code mmuNotifier=on}), against the same
 * with {@code CONFIG_MMU_NOTIFIER} off ({@code mmuNotifier=off}, {@code HostConfig.notifiersEnabled}).
 * The seed's review asked that the event code cost nothing when nobody listens: the target is at
 * most 1.05x.
 *
 * <p>Pitfall avoided: each operation consumes its state (the mapping, the write permission, the
 * zero page), and re-arming per call with {@code @Setup(Level.Invocation)} would add timer and
 * setup noise larger than the difference sought. Instead each invocation runs one operation on
 * each of {@link HostOpWorkload#REGIONS} regions ({@code @OperationsPerInvocation} divides the
 * time), single-shot, and {@code @Setup(Level.Iteration)} re-arms all regions outside the
 * measurement. The operation count is returned so nothing is dead code.
 *
 * <p>Run: {@code ./devmirror bench --include NoSubscriberBench}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 300)
@Measurement(iterations = 200)
@Fork(3)
public class NoSubscriberBench {

    /** State shared by the three operations: one host with notifications on or off. */
    @State(Scope.Thread)
    public abstract static class HostState {
        @Param({"on", "off"})
        public String mmuNotifier;

        HostOpWorkload workload;

        @Setup(Level.Trial)
        public void boot() {
            workload = new HostOpWorkload("on".equals(mmuNotifier));
        }

        @TearDown(Level.Trial)
        public void shutdown() {
            workload.close();
        }
    }

    public static class Populated extends HostState {
        @Setup(Level.Iteration)
        public void rearm() {
            workload.armPopulated();
        }
    }

    public static class ZeroPages extends HostState {
        @Setup(Level.Iteration)
        public void rearm() {
            workload.armZeroPages();
        }
    }

    /** munmap of a populated 64 KiB region. */
    @Benchmark
    @OperationsPerInvocation(HostOpWorkload.REGIONS)
    public int munmap(Populated s) {
        return s.workload.munmapAll();
    }

    /** mprotect(PROT_READ) of a populated, writable 64 KiB region. */
    @Benchmark
    @OperationsPerInvocation(HostOpWorkload.REGIONS)
    public int mprotect(Populated s) {
        return s.workload.mprotectAll();
    }

    /** A CPU write fault on a page mapping the zero page: copy-on-write. */
    @Benchmark
    @OperationsPerInvocation(HostOpWorkload.REGIONS * HostOpWorkload.REGION_PAGES)
    public int cpuWriteFault(ZeroPages s) {
        return s.workload.writeFaultAll();
    }
}

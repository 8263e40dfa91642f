package org.devmirror.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * The machine's floor for sharing: how long one cache line takes to pass from one thread's core
 * to another's and back. Two threads take turns on one counter, {@link #ping} moving it from even
 * to odd and {@link #pong} from odd to even, each waiting for its turn; one operation of either
 * is a round trip, two hand-offs of the line. Whatever two threads share on every operation
 * costs at least this: {@link ThreadScalingBench}'s invalidations pass the notifier core's
 * subscriptions lock and the fields it guards between the threads (mm/mmu_notifier.c
 * {@code mn_itree_inv_start_range} and {@code mn_itree_inv_end} each take
 * {@code subscriptions->lock}), so the scaling this machine allows them is bounded by this
 * figure, measured in the same run (docs/perf.md, "Threads").
 *
 * <p>Pitfalls avoided: each thread writes the counter only on its own turn, with a release store
 * after an acquire load, so the line moves once per turn and no compare-and-set retries add
 * traffic; the wait checks {@link Control#stopMeasurement}, so the thread whose partner has
 * already left the measurement does not wait for ever (the JMH samples' ping-pong); the counter
 * is a field of a state of its own, which the two threads and nothing else touch.
 *
 * <p>Run: {@code ./devmirror bench --full --include HandOffBench}. It needs two processors to
 * mean anything: on one, each turn waits for the scheduler.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class HandOffBench {
    private static final VarHandle TURN;

    static {
        try {
            TURN = MethodHandles.lookup().findVarHandle(HandOffBench.class, "turn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Even: ping's turn; odd: pong's. Written only by the thread whose turn it is. */
    private long turn;

    /** Waits for an even count and makes it odd: one round trip of the line. */
    @Benchmark
    @Group("roundTrip")
    @GroupThreads(1)
    public long ping(Control control) {
        return take(0, control);
    }

    /** Waits for an odd count and makes it even. */
    @Benchmark
    @Group("roundTrip")
    @GroupThreads(1)
    public long pong(Control control) {
        return take(1, control);
    }

    private long take(long parity, Control control) {
        while (!control.stopMeasurement) {
            long t = (long) TURN.getAcquire(this); // pairs with the partner's setRelease
            if ((t & 1) == parity) {
                TURN.setRelease(this, t + 1); // hands the turn, and the line, to the partner
                return t;
            }
            Thread.onSpinWait();
        }
        return -1;
    }
}

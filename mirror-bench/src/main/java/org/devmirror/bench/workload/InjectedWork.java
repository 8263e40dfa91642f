package org.devmirror.bench.workload;

import java.util.Locale;

/**
 * A test-only switch that adds real work to one hot path, so that the performance gate can prove
 * it catches a regression: {@code -Ddevmirror.inject=extra-pte-write|alloc|slow-zap}. Off (the
 * default) it costs nothing: {@link #ACTIVE} is a {@code static final} the JIT folds, so the
 * injected branches are compiled out.
 *
 * <ul>
 *   <li>{@code extra-pte-write}: every measured invalidation writes one more device PTE (it
 *       rewrites the first page of the range with the value it already holds); the work counter
 *       {@code ptesWritten} goes up by one per operation.</li>
 *   <li>{@code alloc}: every measured operation of every workload allocates one small array,
 *       kept reachable through a field so it cannot be scalar-replaced.</li>
 *   <li>{@code slow-zap}: every zap an invalidation makes is done twice: the zapped PTEs are
 *       written back and zapped again, doubling the PTE writes of the zapping events.</li>
 *   <li>{@code slow:P} (P a percentage, e.g. {@code slow:20}): every measured invalidation and
 *       restore ({@code InvalidationWorkload.invalidateAndRestore}, the operation of
 *       {@code InvalidateBench} and {@code OnHeapMirrorBench}) is followed by a busy wait of P% of
 *       the time that very operation took as the harness times it (read from
 *       {@link System#nanoTime()} since the previous wait ended). The
 *       slowdown is thereby calibrated against the benchmark's own time in its own fork, whatever
 *       the machine's speed or load, rather than against a count of extra work whose cost varies
 *       with the event, the size and the JIT. The clock reads cost something too (about 50 ns
 *       an operation here, an eighth of a 410 ns invalidation), so {@code slow:0} reads the clock exactly as
 *       {@code slow:P} does and waits nothing: the power experiment gives it to the side it does
 *       not slow, and the two sides then differ by the wait alone (plus at most one clock read of
 *       overshoot); it also measures the slowdown each P really produced. No work counter or
 *       allocation changes, so the deterministic gate does not see it: it is for the timing gate.</li>
 * </ul>
 *
 * The forks {@code ./devmirror bench} starts inherit the property of the JVM running the command.
 */
public enum InjectedWork {
    NONE("none"),
    EXTRA_PTE_WRITE("extra-pte-write"),
    ALLOC("alloc"),
    SLOW_ZAP("slow-zap"),
    /** {@code slow:P}: a busy wait of P% of each measured invalidation's own time. */
    SLOW("slow");

    /** The system property that selects the injection. */
    public static final String PROPERTY = "devmirror.inject";

    /** The injection of this JVM, read once at class initialisation. */
    public static final InjectedWork ACTIVE = parse(System.getProperty(PROPERTY));

    /** The fraction of its own time {@link #SLOW} adds to an operation (0.2 for {@code slow:20}); 0 otherwise. */
    public static final double SLOWDOWN = slowdown(System.getProperty(PROPERTY));

    /**
     * When the last {@link #stretch} ended. Plain and shared: the benchmarks that stretch run one
     * thread per fork ({@code InvalidateBench}, {@code OnHeapMirrorBench}); another thread's value
     * only makes one operation fall back to its own time.
     */
    private static long lastWaitEnd;

    /** Where {@link #ALLOC} puts what it allocates, so escape analysis cannot remove it. */
    @SuppressWarnings("unused")
    private static Object allocSink;

    private final String propertyValue;

    InjectedWork(String propertyValue) {
        this.propertyValue = propertyValue;
    }

    /**
     * The value of {@link #PROPERTY} that selects this injection; for {@link #SLOW} with this JVM's
     * percentage, e.g. {@code slow:20} (or {@code slow:0.0}), so that a JVM passing its own
     * injection on to its forks passes the size too.
     */
    public String propertyValue() {
        return this == SLOW ? propertyValue + ":" + 100 * SLOWDOWN : propertyValue;
    }

    /**
     * The injection named by {@code value}; {@link #NONE} for {@code null} or empty.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static InjectedWork parse(String value) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith(SLOW.propertyValue + ":")) {
            slowdown(value);
            return SLOW;
        }
        for (InjectedWork w : values()) {
            if (w != SLOW && w.propertyValue.equals(v)) { // slow needs its percentage
                return w;
            }
        }
        throw new IllegalArgumentException(
                PROPERTY + "=" + value + " is not one of none, extra-pte-write, alloc, slow-zap, slow:PERCENT");
    }

    /**
     * The fraction of {@code slow:P} in {@code value}, P / 100; 0 when {@code value} selects another
     * injection or none, or is {@code slow:0} (the clock reads without the wait).
     *
     * @throws IllegalArgumentException when P is not a number in [0, 1000]
     */
    public static double slowdown(String value) {
        String prefix = SLOW.propertyValue + ":";
        if (value == null || !value.trim().toLowerCase(Locale.ROOT).startsWith(prefix)) {
            return 0;
        }
        String percent = value.trim().substring(prefix.length());
        double p;
        try {
            p = Double.parseDouble(percent);
        } catch (NumberFormatException e) {
            p = Double.NaN;
        }
        if (!(p >= 0 && p <= 1000)) {
            throw new IllegalArgumentException(
                    PROPERTY + "=" + value + ": '" + percent + "' is not a percentage in [0, 1000]");
        }
        return p / 100;
    }

    /**
     * The start of a measured operation {@link #stretch} may lengthen: the clock when {@link #SLOW}
     * is active, 0 (and no clock read) otherwise.
     */
    public static long operationStart() {
        return ACTIVE == SLOW ? System.nanoTime() : 0;
    }

    /**
     * When {@link #SLOW} is active, busy-waits {@link #SLOWDOWN} times the operation's time as the
     * harness sees it (since the previous wait ended; {@code start}, from {@link #operationStart},
     * bounds it): the operation then takes {@code 1 + SLOWDOWN} times what it takes under
     * {@code slow:0}. A busy wait, not a sleep, because a sleep of microseconds lasts the
     * scheduler's tick and gives the CPU away, which the operation it stands for would not. The
     * loop reads the clock at least once, so {@code slow:0} pays what {@code slow:P} pays but the
     * wait; it has no {@link Thread#onSpinWait}, whose PAUSE (tens of cycles on some cores) would
     * lengthen the overshoot past {@code until} by as much.
     */
    public static void stretch(long start) {
        if (ACTIVE == SLOW) {
            long now = System.nanoTime();
            long own = now - start;
            // What the harness times per operation is more than [start, now): its own loop, the
            // first clock read and this call. The time since the previous wait ended is all of
            // it, so waiting SLOWDOWN of that makes the timed operation 1 + SLOWDOWN times what
            // slow:0 times. After a pause (an iteration boundary, a collection) that time is
            // long; then the operation's own time stands in.
            long period = now - lastWaitEnd;
            long basis = period > 0 && period < 2 * own ? period : own;
            long until = now + (long) (basis * SLOWDOWN);
            long t;
            while ((t = System.nanoTime()) - until < 0) {
                // spin on the clock alone: the overshoot is at most one read
            }
            lastWaitEnd = t;
        }
    }

    /** Called once per measured operation by every workload: allocates when {@link #ALLOC} is active. */
    public static void perOperation() {
        if (ACTIVE == ALLOC) {
            allocSink = new long[2];
        }
    }
}

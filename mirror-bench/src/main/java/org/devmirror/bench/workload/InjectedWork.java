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
 * </ul>
 *
 * The forks {@code ./devmirror bench} starts inherit the property of the JVM running the command.
 */
public enum InjectedWork {
    NONE("none"),
    EXTRA_PTE_WRITE("extra-pte-write"),
    ALLOC("alloc"),
    SLOW_ZAP("slow-zap");

    /** The system property that selects the injection. */
    public static final String PROPERTY = "devmirror.inject";

    /** The injection of this JVM, read once at class initialisation. */
    public static final InjectedWork ACTIVE = parse(System.getProperty(PROPERTY));

    /** Where {@link #ALLOC} puts what it allocates, so escape analysis cannot remove it. */
    @SuppressWarnings("unused")
    private static Object allocSink;

    private final String propertyValue;

    InjectedWork(String propertyValue) {
        this.propertyValue = propertyValue;
    }

    /** The value of {@link #PROPERTY} that selects this injection. */
    public String propertyValue() {
        return propertyValue;
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
        for (InjectedWork w : values()) {
            if (w.propertyValue.equals(v)) {
                return w;
            }
        }
        throw new IllegalArgumentException(PROPERTY + "=" + value
                + " is not one of none, extra-pte-write, alloc, slow-zap");
    }

    /** Called once per measured operation by every workload: allocates when {@link #ALLOC} is active. */
    public static void perOperation() {
        if (ACTIVE == ALLOC) {
            allocSink = new long[2];
        }
    }
}

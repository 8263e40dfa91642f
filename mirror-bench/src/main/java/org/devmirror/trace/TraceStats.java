package org.devmirror.trace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a {@link StraceReader} made of a trace so far: records delivered per {@link SyscallKind},
 * lines skipped per {@link SkipReason}, skipped call counts per syscall name, and the first
 * {@link #SAMPLE_LIMIT} skips in full (line, reason, detail) for the report.
 *
 * <p>Memory stays bounded whatever the trace's size: counters are fixed arrays, the samples are
 * capped, and at most {@link #NAME_LIMIT} distinct syscall names are counted (the rest under
 * {@code "(other)"}), so a garbled trace cannot grow the map without bound.
 *
 * <p>Not thread-safe: it belongs to the reader's thread.
 */
@SuppressWarnings(
        "EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices
// never leave the process
public final class TraceStats {
    /** How many skips are kept in full by {@link #samples()}. */
    public static final int SAMPLE_LIMIT = 64;
    /** How many distinct syscall names {@link #skippedByName()} counts before folding into "(other)". */
    public static final int NAME_LIMIT = 256;

    private final long[] parsed = new long[SyscallKind.COUNT];
    private final long[] skipped = new long[SkipReason.COUNT];
    private final Map<String, Long> skippedByName = new TreeMap<>();
    private final List<Skip> samples = new ArrayList<>();
    private long lines;

    TraceStats() {}

    void countLine() {
        lines++;
    }

    void countParsed(SyscallKind kind) {
        parsed[kind.ordinal()]++;
    }

    /** Counts a skip; {@code name} is the syscall it belonged to, or null for a non-call line. */
    void countSkipped(Skip skip, String name) {
        skipped[skip.reason().ordinal()]++;
        if (samples.size() < SAMPLE_LIMIT) {
            samples.add(skip);
        }
        if (name != null) {
            String key = skippedByName.containsKey(name) || skippedByName.size() < NAME_LIMIT ? name : "(other)";
            skippedByName.merge(key, 1L, Long::sum);
        }
    }

    /** Lines read, including blank ones. */
    public long lines() {
        return lines;
    }

    /** Records of this kind delivered. */
    public long parsed(SyscallKind kind) {
        return parsed[kind.ordinal()];
    }

    /** Lines skipped for this reason. */
    public long skipped(SkipReason reason) {
        return skipped[reason.ordinal()];
    }

    /** Records delivered, all kinds. */
    public long parsedTotal() {
        long sum = 0;
        for (long n : parsed) {
            sum += n;
        }
        return sum;
    }

    /**
     * Lines that were strace output: calls delivered or skipped for any reason but
     * {@link SkipReason#MALFORMED}. Zero means the input was not an strace trace at all.
     */
    public long straceLines() {
        return parsedTotal() + skippedTotal() - skipped(SkipReason.MALFORMED);
    }

    /** Lines skipped, all reasons. */
    public long skippedTotal() {
        long sum = 0;
        for (long n : skipped) {
            sum += n;
        }
        return sum;
    }

    /** Skipped calls per syscall name (failed, unmodelled, unfinished, ...), sorted by name. */
    public Map<String, Long> skippedByName() {
        return Collections.unmodifiableMap(skippedByName);
    }

    /** The first {@link #SAMPLE_LIMIT} skips, in trace order. */
    public List<Skip> samples() {
        return Collections.unmodifiableList(samples);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("lines=").append(lines).append(" parsed{");
        for (SyscallKind kind : SyscallKind.values()) {
            if (parsed[kind.ordinal()] != 0) {
                out.append(' ').append(kind).append('=').append(parsed[kind.ordinal()]);
            }
        }
        out.append(" } skipped{");
        for (SkipReason reason : SkipReason.values()) {
            if (skipped[reason.ordinal()] != 0) {
                out.append(' ').append(reason).append('=').append(skipped[reason.ordinal()]);
            }
        }
        return out.append(" }").toString();
    }
}

package org.devmirror.bench.probe;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;
import org.devmirror.input.InputFile;
import org.devmirror.json.Json;
import org.devmirror.json.JsonField;
import org.devmirror.json.JsonInputException;
import tools.jackson.databind.node.ObjectNode;

/**
 * The deterministic baseline, {@code perf/baseline.json}: for each benchmark or check name, the
 * allocation and work counters per operation recorded when the baseline was last updated.
 *
 * <pre>{@code
 * {
 *   "InvalidateBench.invalidate event=UNMAP size=2M": {
 *     "allocBytesPerOp": 0,
 *     "counters": {
 *       "ptesWritten": 512,
 *       "tlbFlushes": 1
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>The file is written with names and counters in sorted order and two-space indentation, so
 * that updating it shows in review as exactly the values that changed. Reading is strict: an
 * unknown member (a misspelt {@code allocBytesPerop}) is an error, not a silently dropped check.
 */
public record Baseline(SortedMap<String, BaselineEntry> checks) {

    private static final String ALLOC = "allocBytesPerOp";
    /**
     * Largest value a baseline may record, per operation, for allocation and for any counter: no
     * hot path of the suite comes within orders of magnitude of it (the largest, a 1 GiB
     * invalidation, writes 262,144 PTEs), so a larger one is a damaged file, not a measurement.
     */
    public static final long MAX_VALUE_PER_OP = 1L << 32;
    /** Bytes of a baseline file: a thousand times the shipped one. */
    public static final long MAX_FILE_BYTES = 16L << 20;

    private static final String COUNTERS = "counters";

    public Baseline {
        for (String name : checks.keySet()) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("check name=" + name + " must be non-blank");
            }
        }
        checks = Collections.unmodifiableSortedMap(new TreeMap<>(checks));
    }

    /** A baseline with no checks. */
    public static Baseline empty() {
        return new Baseline(new TreeMap<>());
    }

    /** This baseline with {@code check} recorded as {@code entry} (replacing any earlier value). */
    public Baseline with(String check, BaselineEntry entry) {
        TreeMap<String, BaselineEntry> m = new TreeMap<>(checks);
        m.put(check, entry);
        return new Baseline(m);
    }

    /** Reads {@code file}; errors name the file and the line and column, or the path. */
    public static Baseline load(Path file) throws IOException, JsonInputException {
        return parse(InputFile.readUtf8(file, MAX_FILE_BYTES, "baseline"), file.toString());
    }

    /** Parses the text of a baseline file read from {@code source}. */
    public static Baseline parse(String text, String source) throws JsonInputException {
        TreeMap<String, BaselineEntry> checks = new TreeMap<>();
        for (Map.Entry<String, JsonField> check :
                JsonField.root(text, source).members().entrySet()) {
            if (check.getKey().isBlank()) {
                throw check.getValue().error("a check needs a name; found \"" + check.getKey() + "\"");
            }
            checks.put(check.getKey(), readEntry(check.getValue()));
        }
        return new Baseline(checks);
    }

    /** Writes {@link #toJson()} to {@code file}, creating its directory. */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    /** The file's text: sorted, pretty printed, ending with a newline. */
    public String toJson() {
        ObjectNode root = Json.object();
        for (Map.Entry<String, BaselineEntry> check : checks.entrySet()) {
            ObjectNode entry = root.putObject(check.getKey());
            BaselineEntry e = check.getValue();
            if (e.allocBytesPerOp().isPresent()) {
                entry.set(ALLOC, Json.number(e.allocBytesPerOp().getAsDouble()));
            }
            ObjectNode counters = entry.putObject(COUNTERS);
            e.counters().forEach(counters::put);
        }
        return Json.write(root);
    }

    /** Every value that differs between this (recorded) baseline and {@code now}. */
    public BaselineDiff diff(Baseline now) {
        return BaselineDiff.between(this, now);
    }

    private static BaselineEntry readEntry(JsonField entry) throws JsonInputException {
        for (String member : entry.members().keySet()) {
            if (!member.equals(ALLOC) && !member.equals(COUNTERS)) {
                throw entry.error(
                        "unknown member \"" + member + "\"; expected \"" + ALLOC + "\" and \"" + COUNTERS + "\"");
            }
        }
        OptionalDouble alloc = OptionalDouble.empty();
        var allocField = entry.optionalField(ALLOC);
        if (allocField.isPresent()) {
            BigDecimal a = allocField.get().asDecimal();
            if (a.signum() < 0) {
                throw allocField.get().error("bytes per operation cannot be negative, found " + a.toPlainString());
            }
            if (a.stripTrailingZeros().scale() > 0) {
                throw allocField
                        .get()
                        .error("bytes per operation are measured exactly, as a whole number; found "
                                + a.toPlainString());
            }
            if (a.compareTo(BigDecimal.valueOf(MAX_VALUE_PER_OP)) > 0) {
                throw allocField
                        .get()
                        .error(a.toPlainString() + " bytes per operation is beyond " + MAX_VALUE_PER_OP
                                + ", more than any check can measure: is the file damaged?");
            }
            alloc = OptionalDouble.of(a.doubleValue());
        }
        TreeMap<String, Long> counters = new TreeMap<>();
        var countersField = entry.optionalField(COUNTERS);
        if (countersField.isPresent()) {
            for (Map.Entry<String, JsonField> c : countersField.get().members().entrySet()) {
                if (c.getKey().isBlank()) {
                    throw c.getValue().error("a counter needs a name; found \"" + c.getKey() + "\"");
                }
                long v = c.getValue().asLong();
                if (v < 0) {
                    throw c.getValue().error("a counter cannot be negative, found " + v);
                }
                if (v > MAX_VALUE_PER_OP) {
                    throw c.getValue()
                            .error(v + " per operation is beyond " + MAX_VALUE_PER_OP
                                    + ", more than any check can measure: is the file damaged?");
                }
                counters.put(c.getKey(), v);
            }
        }
        return new BaselineEntry(alloc, counters);
    }
}

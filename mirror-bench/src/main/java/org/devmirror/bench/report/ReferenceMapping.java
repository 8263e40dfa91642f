package org.devmirror.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which reference benchmark of the same run each benchmark is reported against, by
 * {@link BenchResult#label() label}: the shared machine is noisy, so the report's figure of merit
 * is the ratio to a reference that suffered the same noise, such as
 * {@code InvalidateBench.invalidate event=UNMAP size=2M} against {@code FloorBench.fill bytes=4096}.
 *
 * <p>An exact label mapping wins over patterns; patterns are tried in the order they were added
 * and must match the whole label. A pattern's reference may name the pattern's groups as
 * {@code $1}, {@code $2}, ... ({@link Matcher#appendReplacement}), so one pattern maps
 * {@code DispatchBench.hitOne notifiers=N} to {@code LookupReferenceBench.treeMapFloorHit ranges=N}
 * for every N. Instances are immutable; {@link #with} and
 * {@link #withPattern} return extended copies.
 */
public final class ReferenceMapping {
    private final Map<String, String> exact;
    private final List<Map.Entry<Pattern, String>> patterns;

    private ReferenceMapping(Map<String, String> exact, List<Map.Entry<Pattern, String>> patterns) {
        this.exact = exact;
        this.patterns = patterns;
    }

    /** A mapping that gives no benchmark a reference. */
    public static ReferenceMapping none() {
        return new ReferenceMapping(Map.of(), List.of());
    }

    /** This mapping plus: the benchmark labelled {@code label} is reported against {@code referenceLabel}. */
    public ReferenceMapping with(String label, String referenceLabel) {
        requireLabel("label", label);
        requireLabel("referenceLabel", referenceLabel);
        if (exact.containsKey(label)) {
            throw new IllegalArgumentException("label=" + label + " is already mapped to " + exact.get(label));
        }
        Map<String, String> e = new LinkedHashMap<>(exact);
        e.put(label, referenceLabel);
        return new ReferenceMapping(Map.copyOf(e), patterns);
    }

    /**
     * This mapping plus: every benchmark whose whole label matches {@code regex} is reported
     * against {@code referenceLabel}, in which {@code $n} stands for group n of the match.
     */
    public ReferenceMapping withPattern(String regex, String referenceLabel) {
        requireLabel("referenceLabel", referenceLabel);
        Pattern pattern = Pattern.compile(regex);
        List<Map.Entry<Pattern, String>> p = new ArrayList<>(patterns);
        p.add(Map.entry(pattern, referenceLabel));
        return new ReferenceMapping(exact, List.copyOf(p));
    }

    /** The reference label for {@code label}; empty when unmapped or when it would be itself. */
    public Optional<String> referenceOf(String label) {
        String ref = exact.get(label);
        if (ref == null) {
            for (Map.Entry<Pattern, String> p : patterns) {
                Matcher m = p.getKey().matcher(label);
                if (m.matches()) {
                    StringBuilder expanded = new StringBuilder();
                    m.appendReplacement(expanded, p.getValue()); // the match is the whole label
                    ref = expanded.toString();
                    break;
                }
            }
        }
        return ref == null || ref.equals(label) ? Optional.empty() : Optional.of(ref);
    }

    private static void requireLabel(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + "=" + value + " must be a benchmark label");
        }
    }
}

package org.devmirror.bench.suite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.devmirror.bench.report.Target;

/**
 * One benchmark class of the suite and everything the suite knows about it: how it is timed, what
 * the quick and full profiles run of it, which references its results are reported against, the
 * targets stated on it and the plots it appears in. {@link BenchRegistry} holds one per class in
 * {@link BenchSuite#PACKAGE}; the profiles, the report's references and targets, the net figures,
 * the plots and the timing gate's references are all read from there.
 *
 * <p>Built with {@link #of} and the {@code with...} methods, which return extended copies.
 *
 * @param type       the JMH class ({@code @Benchmark} methods), in {@link BenchSuite#PACKAGE}
 * @param timing     how its iterations are timed in each profile
 * @param isReference whether it is a reference: reported, the yardstick of others, never gating
 * @param quick      what the quick profile runs of it, in order; empty: nothing
 * @param full       the {@code @Param} values the full profile overrides; empty: every annotated value
 * @param references the references of its results, tried in order
 * @param targets    the performance targets whose subject it is, in report order
 * @param plots      the plots its results appear in
 * @param net        the paired subtraction of its restore, when its timed operation includes one
 */
public record BenchEntry(
        Class<?> type,
        TimingKind timing,
        boolean isReference,
        List<QuickRun> quick,
        Map<String, List<String>> full,
        List<ReferenceRule> references,
        List<Target> targets,
        Set<SuitePlot> plots,
        Optional<NetFigure> net) {

    /**
     * One JMH run of the quick profile: the methods whose names start with {@code methodPrefix}
     * (empty: every method) with these {@code @Param} values; others keep their annotations. Timed
     * as its entry.
     */
    public record QuickRun(String methodPrefix, Map<String, List<String>> params) {
        public QuickRun {
            params = Map.copyOf(params);
        }
    }

    /**
     * The net figure of {@code method}: its timed operation is an invalidation and the restore of
     * what it took away, and {@code RearmBench.rewrite} with {@code table=rearmTable} times the
     * restore's PTE writes alone ({@link NetResults}).
     */
    public record NetFigure(String method, String rearmTable) {}

    public BenchEntry {
        if (type == null || timing == null) {
            throw new IllegalArgumentException("type=" + type + ", timing=" + timing + ": both are required");
        }
        if (!type.getPackageName().equals(BenchSuite.PACKAGE)) {
            throw new IllegalArgumentException(type.getName() + " is not in " + BenchSuite.PACKAGE);
        }
        if (!quick.isEmpty() && !timing.inQuick()) {
            throw new IllegalArgumentException(
                    type.getSimpleName() + ": " + timing + " benchmarks run in the full profile only");
        }
        quick = List.copyOf(quick);
        full = Map.copyOf(full);
        references = List.copyOf(references);
        targets = List.copyOf(targets);
        plots = plots.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(plots));
    }

    /** An entry for {@code type} timed as {@code timing}, not yet in the quick profile, with nothing else. */
    public static BenchEntry of(Class<?> type, TimingKind timing) {
        return new BenchEntry(
                type, timing, false, List.of(), Map.of(), List.of(), List.of(), Set.of(), Optional.empty());
    }

    /** The simple class name, as labels begin. */
    public String name() {
        return type.getSimpleName();
    }

    /** This entry as a reference benchmark (reported, never failing the timing gate). */
    public BenchEntry asReference() {
        return new BenchEntry(type, timing, true, quick, full, references, targets, plots, net);
    }

    /** This entry plus a quick run of every method with {@code params}. */
    public BenchEntry withQuick(Map<String, List<String>> params) {
        return withQuick("", params);
    }

    /** This entry plus a quick run of the methods starting with {@code methodPrefix} with {@code params}. */
    public BenchEntry withQuick(String methodPrefix, Map<String, List<String>> params) {
        List<QuickRun> q = new ArrayList<>(quick);
        q.add(new QuickRun(methodPrefix, params));
        return new BenchEntry(type, timing, isReference, q, full, references, targets, plots, net);
    }

    /** This entry with the full profile overriding {@code params}. */
    public BenchEntry withFull(Map<String, List<String>> params) {
        return new BenchEntry(type, timing, isReference, quick, params, references, targets, plots, net);
    }

    /** This entry plus {@code rules}, after those it has. */
    public BenchEntry withReferences(ReferenceRule... rules) {
        return new BenchEntry(type, timing, isReference, quick, full, concat(references, rules), targets, plots, net);
    }

    /** This entry plus {@code more} targets, after those it has. */
    public BenchEntry withTargets(Target... more) {
        return new BenchEntry(type, timing, isReference, quick, full, references, concat(targets, more), plots, net);
    }

    /** This entry, appearing in {@code in}. */
    public BenchEntry withPlots(SuitePlot... in) {
        return new BenchEntry(type, timing, isReference, quick, full, references, targets, Set.of(in), net);
    }

    /** This entry with the net figure of {@code method} against {@code RearmBench.rewrite table=rearmTable}. */
    public BenchEntry withNet(String method, String rearmTable) {
        return new BenchEntry(
                type,
                timing,
                isReference,
                quick,
                full,
                references,
                targets,
                plots,
                Optional.of(new NetFigure(method, rearmTable)));
    }

    /**
     * The label of this benchmark's {@code method} with {@code nameValues} (name, value, name,
     * value, ...) as {@code BenchResult.label()} writes it: parameters in name order.
     */
    public String label(String method, String... nameValues) {
        return label(type, method, nameValues);
    }

    /** {@link #label(String, String...)} of any benchmark class. */
    public static String label(Class<?> type, String method, String... nameValues) {
        if (nameValues.length % 2 != 0) {
            throw new IllegalArgumentException(
                    "nameValues=" + Arrays.toString(nameValues) + " is not name, value pairs");
        }
        TreeMap<String, String> params = new TreeMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            params.put(nameValues[i], nameValues[i + 1]);
        }
        StringBuilder sb = new StringBuilder(type.getSimpleName()).append('.').append(method);
        params.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        return sb.toString();
    }

    /** The fully qualified benchmark name of {@code method}, as JMH names it. */
    public String benchmark(String method) {
        return type.getName() + "." + method;
    }

    @SafeVarargs
    private static <T> List<T> concat(List<T> head, T... tail) {
        List<T> out = new ArrayList<>(head);
        for (T t : tail) {
            out.add(t);
        }
        return out;
    }
}

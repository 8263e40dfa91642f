package org.devmirror.gate.ab;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.devmirror.bench.report.ReferenceMapping;
import org.devmirror.bench.suite.BenchEntry;
import org.devmirror.bench.suite.BenchRegistry;
import org.devmirror.bench.suite.ReferenceRule;

/**
 * Which reference benchmark each benchmark's forks are divided by in the timing gate, which
 * benchmarks are references (reported, never gating), and which references a run must add so
 * that a narrow {@code --include} still measures what it is normalised by.
 *
 * @param normalisation   label to reference label
 * @param referenceLabels labels of benchmarks that are references (matched whole)
 * @param additions       the references to run, each when the request reaches its subjects
 */
public record GateReferences(ReferenceMapping normalisation, Pattern referenceLabels, List<Addition> additions) {

    /**
     * References a run adds: {@code include} (a JMH regex) whenever the requested regex finds
     * {@code subject} (a fully qualified benchmark method), or always when {@code subject} is empty.
     */
    public record Addition(Optional<String> subject, String include) {
        public Addition {
            Pattern.compile(include);
        }
    }

    public GateReferences {
        if (normalisation == null || referenceLabels == null) {
            throw new IllegalArgumentException("normalisation and referenceLabels are both required; null: "
                    + (normalisation == null ? "normalisation " : "")
                    + (referenceLabels == null ? "referenceLabels" : ""));
        }
        additions = List.copyOf(additions);
    }

    /**
     * devmirror's suite, read from the benchmark registry ({@link BenchRegistry}): each benchmark
     * against the like-for-like reference its entry gives the gate ({@link ReferenceRule#gate()}:
     * dispatch against {@code TreeMap.floorEntry} over as many entries, a hit against a hit, a
     * miss against a miss), everything else against the memory floor,
     * {@link BenchRegistry#GATE_FLOOR} ({@code MemorySegment.fill} of 4 KiB). The floor is the
     * yardstick for the invalidation and fault paths because what they do is store device PTEs;
     * the lookup is the yardstick for dispatch, which is a tree search. The entries marked as
     * references are never gated; the floor runs always, a like-for-like reference (the 1 Mi
     * lookup's setup takes seconds) only when its subject does.
     */
    public static GateReferences suite() {
        ReferenceMapping m = ReferenceMapping.none();
        List<String> references = new ArrayList<>();
        List<Addition> additions = new ArrayList<>();
        ReferenceRule floor = BenchRegistry.GATE_FLOOR;
        additions.add(new Addition(Optional.empty(), exactly(floor.reference(), floor.referenceMethod())));
        for (BenchEntry e : BenchRegistry.entries()) {
            if (e.isReference()) {
                references.add(e.name());
            }
            for (ReferenceRule r : e.references()) {
                if (r.gate()) {
                    m = m.withPattern(r.labelRegex(e.type()), r.referenceTemplate());
                    additions.add(new Addition(
                            Optional.of(e.benchmark(r.methods())), exactly(r.reference(), r.referenceMethod())));
                }
            }
        }
        String anyReference = "(?:" + String.join("|", references) + ")\\.";
        m = m.withPattern("(?!" + anyReference + ").*", floor.referenceTemplate());
        return new GateReferences(m, Pattern.compile(anyReference + ".*"), additions);
    }

    /** The JMH include regex of exactly {@code type}'s {@code method}. */
    private static String exactly(Class<?> type, String method) {
        return "^" + (type.getName() + "." + method).replace(".", "\\.") + "$";
    }

    /**
     * The JMH include regex of a run asked for {@code include}: the benchmarks asked for and the
     * references they are normalised by. JMH selects a benchmark when the regex is found in its
     * fully qualified name, so that is how each addition's subject is tested.
     */
    public String includeWithReferences(String include) {
        Pattern requested = Pattern.compile(include);
        StringBuilder sb = new StringBuilder("(?:").append(include).append(')');
        for (Addition a : additions) {
            if (a.subject().isEmpty() || requested.matcher(a.subject().get()).find()) {
                sb.append("|(?:").append(a.include()).append(')');
            }
        }
        return sb.toString();
    }

    /** Whether {@code label} is a reference benchmark: reported, never failing the gate. */
    public boolean isReference(String label) {
        return referenceLabels.matcher(label).matches();
    }
}

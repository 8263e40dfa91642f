package org.devmirror.gate.ab;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.devmirror.bench.report.ReferenceMapping;

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

    /** The notifier counts {@code DispatchBench} and {@code LookupReferenceBench} are run with. */
    private static final int[] TRACKED = {1, 1024, 65536, 1048576};
    private static final String FILL_FLOOR = "FloorBench.fill bytes=4096";

    public GateReferences {
        if (normalisation == null || referenceLabels == null) {
            throw new IllegalArgumentException("normalisation and referenceLabels are both required; null: "
                    + (normalisation == null ? "normalisation " : "") + (referenceLabels == null ? "referenceLabels" : ""));
        }
        additions = List.copyOf(additions);
    }

    /**
     * devmirror's suite: dispatch benchmarks against {@code TreeMap.floorEntry} over as many
     * entries (a hit against a hit, a miss against a miss), everything else against the memory
     * floor, {@code MemorySegment.fill} of 4 KiB. The floor is the yardstick for the invalidation
     * and fault paths because what they do is store device PTEs; the lookup is the yardstick for
     * dispatch, which is a tree search. The lookup references (whose 1 Mi setup takes seconds) are
     * run only when a dispatch benchmark is.
     */
    public static GateReferences suite() {
        ReferenceMapping m = ReferenceMapping.none();
        for (int n : TRACKED) {
            m = m.with("DispatchBench.hitOne notifiers=" + n, "LookupReferenceBench.treeMapFloorHit ranges=" + n)
                    .with("DispatchBench.hitNone notifiers=" + n, "LookupReferenceBench.treeMapFloorMiss ranges=" + n);
        }
        m = m.withPattern("(?!FloorBench\\.|LookupReferenceBench\\.).*", FILL_FLOOR);
        return new GateReferences(m, Pattern.compile("(FloorBench|LookupReferenceBench)\\..*"), List.of(
                new Addition(Optional.empty(), "^org\\.devmirror\\.bench\\.FloorBench\\.fill$"),
                new Addition(Optional.of("org.devmirror.bench.DispatchBench.hitOne"),
                        "^org\\.devmirror\\.bench\\.LookupReferenceBench\\.treeMapFloorHit$"),
                new Addition(Optional.of("org.devmirror.bench.DispatchBench.hitNone"),
                        "^org\\.devmirror\\.bench\\.LookupReferenceBench\\.treeMapFloorMiss$")));
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

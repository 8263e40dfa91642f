package org.devmirror.bench.suite;

import java.util.ArrayList;
import java.util.List;
import org.devmirror.bench.report.ReferenceMapping;
import org.devmirror.bench.report.Target;

/**
 * What the report holds the suite's results against, read from {@link BenchRegistry}: the
 * reference of the same run each benchmark is reported against, and the performance targets, all
 * in terms of benchmark labels ({@code BenchResult.label()}).
 */
public final class BenchSuite {
    /** The package every benchmark class of the suite lives in. */
    public static final String PACKAGE = "org.devmirror.bench";

    private BenchSuite() {}

    /**
     * Each benchmark against the reference that bounds it from below, measured in the same run
     * (every entry's {@link BenchEntry#references()}): zapping work against the fill of as many
     * PTE bytes; dispatch against a TreeMap lookup over as many entries; a host operation with
     * notifications on against the same with them off.
     */
    public static ReferenceMapping references() {
        ReferenceMapping m = ReferenceMapping.none();
        for (BenchEntry e : BenchRegistry.entries()) {
            for (ReferenceRule r : e.references()) {
                m = m.withPattern(r.labelRegex(e.type()), r.referenceTemplate());
            }
        }
        return m;
    }

    /** The targets of every entry, in registry order. */
    public static List<Target> targets() {
        List<Target> out = new ArrayList<>();
        for (BenchEntry e : BenchRegistry.entries()) {
            out.addAll(e.targets());
        }
        return List.copyOf(out);
    }
}

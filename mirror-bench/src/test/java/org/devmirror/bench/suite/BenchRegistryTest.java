package org.devmirror.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.devmirror.bench.EndToEndBench;
import org.devmirror.bench.FaultBenchState;
import org.devmirror.bench.InvalidateBench;
import org.devmirror.bench.KernelRangesBench;
import org.devmirror.bench.OnHeapMirrorBench;
import org.devmirror.bench.ReplayBench;
import org.devmirror.bench.SoftDirtyCycleBench;
import org.devmirror.bench.report.ReferenceMapping;
import org.devmirror.bench.report.Target;
import org.devmirror.gate.ab.GateReferences;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.trace.ShippedTraces;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The one benchmark registry: everything derived from it is what the suite wrote by hand before
 * ({@link SuiteBeforeRegistry}), over every label a full run produces, and the registry and the
 * benchmark classes agree both ways.
 */
class BenchRegistryTest {
    /** Every fully qualified benchmark method JMH knows, and every label a full run can produce. */
    private static List<String> benchmarks;

    private static List<String> labels;

    @BeforeAll
    static void everyLabelOfAFullRun() throws IOException {
        List<String> traces = ShippedTraces.names(SuiteRunner.tracesDirectory());
        benchmarks = new ArrayList<>();
        Set<String> all = new LinkedHashSet<>();
        for (BenchmarkListEntry e : BenchmarkList.defaultList()
                .getAll(
                        OutputFormatFactory.createFormatInstance(
                                new PrintStream(OutputStream.nullOutputStream()), VerboseMode.SILENT),
                        List.of())) {
            benchmarks.add(e.getUsername());
            String simple = e.getUsername().substring(BenchSuite.PACKAGE.length() + 1);
            List<String> combos = List.of(simple);
            for (Map.Entry<String, String[]> p : new TreeMap<>(e.getParams().orElse(Map.of())).entrySet()) {
                List<String> values =
                        p.getValue().length == 0 && p.getKey().equals("trace") ? traces : Arrays.asList(p.getValue());
                List<String> next = new ArrayList<>();
                for (String c : combos) {
                    for (String v : values) {
                        next.add(c + " " + p.getKey() + "=" + v);
                    }
                }
                combos = next;
            }
            for (String c : combos) {
                all.add(c);
                if (c.startsWith("InvalidateBench.invalidate ") || c.startsWith("OnHeapMirrorBench.invalidate ")) {
                    all.add(c.replace(".invalidate ", ".net "));
                }
            }
        }
        labels = List.copyOf(all);
        // 7 events x 2 policies x 4 sizes x 2 (populated) of InvalidateBench alone, and its net figures.
        assertTrue(labels.size() > 2 * 7 * 2 * 4 * 2, "labels: " + labels.size());
    }

    @Test
    void theQuickProfileRunsWhatItDid() {
        // EndToEndBench came after the registry: at 2 MiB it shares the untracked invalidation's run.
        assertEquals(
                SuiteBeforeRegistry.quickSelections(), without(BenchProfile.QUICK.selections(), EndToEndBench.class));
        assertEquals(
                List.of("EndToEndBench", "UntrackedInvalidateBench"),
                BenchProfile.QUICK.selections().stream()
                        .filter(s -> s.benchmarks().contains("EndToEndBench"))
                        .findFirst()
                        .orElseThrow()
                        .benchmarks());
    }

    /** {@code selections} with the benchmarks of {@code added} taken out. */
    private static List<BenchSelection> without(List<BenchSelection> selections, Class<?>... added) {
        List<BenchSelection> out = new ArrayList<>();
        for (BenchSelection s : selections) {
            List<String> b = new ArrayList<>(s.benchmarks());
            for (Class<?> c : added) {
                b.remove(c.getSimpleName());
            }
            out.add(new BenchSelection(b, s.params(), s.timing()));
        }
        return out;
    }

    @Test
    void theFullProfileRunsWhatItDidAndTheSoftDirtyCycle() {
        // SoftDirtyCycleBench had no place in either profile, so `bench --include` could not run
        // it; with an entry it is in the full profile, among the average-time benchmarks.
        // EndToEndBench and KernelRangesBench came after the registry (average time; host operations).
        assertEquals(
                SuiteBeforeRegistry.fullSelections(),
                without(
                        BenchProfile.FULL.selections(),
                        SoftDirtyCycleBench.class,
                        EndToEndBench.class,
                        KernelRangesBench.class));
        assertTrue(BenchProfile.FULL.selections().getFirst().benchmarks().contains("EndToEndBench"));
        assertTrue(BenchProfile.FULL.selections().get(1).benchmarks().contains("KernelRangesBench"));
        assertTrue(BenchProfile.FULL.selections().getFirst().benchmarks().contains("SoftDirtyCycleBench"));
        Pattern cycle = Pattern.compile("bench\\.SoftDirtyCycleBench");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        assertEquals(3, new SuiteRunner(BenchProfile.FULL, cycle, quiet).plannedRuns()); // one per policy
        assertEquals(0, new SuiteRunner(BenchProfile.QUICK, cycle, quiet).plannedRuns());
    }

    @Test
    void theReportsReferencesAreWhatTheyWere() {
        assertSameReferences(SuiteBeforeRegistry.references(), BenchSuite.references());
        // KernelRangesBench came later: each operation under the kernel's ranges against the narrowed ones
        assertEquals(
                java.util.Optional.of("KernelRangesBench.forkSparse ranges=narrowed"),
                BenchSuite.references().referenceOf("KernelRangesBench.forkSparse ranges=kernel"));
        assertEquals(
                java.util.Optional.empty(),
                BenchSuite.references().referenceOf("KernelRangesBench.forkSparse ranges=narrowed"));
    }

    @Test
    void theTargetsAreWhatTheyWere() {
        List<Target> before = SuiteBeforeRegistry.targets();
        List<Target> now = BenchSuite.targets();
        assertEquals(14, now.size());
        assertEquals(describe(before), describe(now));
    }

    @Test
    void theGatesReferencesAreWhatTheyWere() {
        GateReferences before = SuiteBeforeRegistry.gateSuite();
        GateReferences now = GateReferences.suite();
        assertSameReferences(before.normalisation(), now.normalisation());
        for (String label : labels) {
            assertEquals(before.isReference(label), now.isReference(label), label);
        }
        List<String> requests = new ArrayList<>(List.of(
                ".*",
                "InvalidateBench",
                "DispatchBench",
                "DispatchBench.hitNone",
                "Lookup",
                "bench\\.(Floor|Rearm)Bench"));
        requests.addAll(benchmarks);
        for (String request : requests) {
            Pattern b = Pattern.compile(before.includeWithReferences(request));
            Pattern n = Pattern.compile(now.includeWithReferences(request));
            for (String benchmark : benchmarks) {
                assertEquals(b.matcher(benchmark).find(), n.matcher(benchmark).find(), request + " on " + benchmark);
            }
        }
    }

    @Test
    void everyBenchmarkClassHasOneEntryAndEveryEntryAClass() {
        Set<Class<?>> classes = RegistryCheck.benchmarkClasses();
        assertTrue(classes.contains(InvalidateBench.class), classes::toString);
        assertEquals(List.of(), RegistryCheck.problems(classes, BenchRegistry.entries()));
    }

    @Test
    void aClassWithoutAnEntryIsFound() {
        List<BenchEntry> entries = new ArrayList<>(BenchRegistry.entries());
        entries.remove(BenchRegistry.entry(SoftDirtyCycleBench.class));
        assertEquals(
                List.of("SoftDirtyCycleBench has @Benchmark methods but no entry in BenchRegistry"),
                RegistryCheck.problems(RegistryCheck.benchmarkClasses(), entries));
    }

    @Test
    void anEntryWithoutABenchmarkClassIsFound() {
        List<BenchEntry> entries = new ArrayList<>(BenchRegistry.entries());
        entries.add(BenchEntry.of(FaultBenchState.class, TimingKind.AVERAGE_TIME));
        entries.add(BenchEntry.of(ReplayBench.class, TimingKind.REPLAY)
                .withQuick("replay", Map.of("traces", List.of("x"))));
        assertEquals(
                List.of(
                        "FaultBenchState has an entry but is not a benchmark class (no @Benchmark method)",
                        "ReplayBench has two entries",
                        "ReplayBench: the quick run's parameter traces is not a @Param field"),
                RegistryCheck.problems(RegistryCheck.benchmarkClasses(), entries));
    }

    @Test
    void theEventParametersAreTheEventNames() {
        // @Param must be a compile-time constant for JMH, so the literal stays; it must list every
        // event but RELEASE (ReleaseInvalidateBench), in the enum's order.
        List<String> events = new ArrayList<>();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            if (e != MmuNotifierEvent.RELEASE) {
                events.add(e.name());
            }
        }
        assertEquals(events, RegistryCheck.paramValues(InvalidateBench.class, "event"));
        for (String e : RegistryCheck.paramValues(OnHeapMirrorBench.class, "event")) {
            MmuNotifierEvent.valueOf(e);
        }
    }

    private static void assertSameReferences(ReferenceMapping before, ReferenceMapping now) {
        int mapped = 0;
        for (String label : labels) {
            if (label.startsWith("KernelRangesBench.")) {
                continue; // not in the suite before the registry
            }
            assertEquals(before.referenceOf(label), now.referenceOf(label), label);
            mapped += now.referenceOf(label).isPresent() ? 1 : 0;
        }
        assertTrue(mapped > 100, "mapped " + mapped);
    }

    /** The targets as the report shows them, as a set: the derived list is in registry order. */
    private static Set<String> describe(List<Target> targets) {
        Set<String> out = new java.util.TreeSet<>();
        for (Target t : targets) {
            out.add(t.description() + " | " + t.expression());
        }
        return out;
    }
}

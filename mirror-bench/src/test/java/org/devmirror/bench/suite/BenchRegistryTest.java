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
import org.devmirror.bench.FanOutBench;
import org.devmirror.bench.FaultBenchState;
import org.devmirror.bench.HandOffBench;
import org.devmirror.bench.InvalidateBench;
import org.devmirror.bench.KernelRangesBench;
import org.devmirror.bench.NoSubscriberBench;
import org.devmirror.bench.OnHeapMirrorBench;
import org.devmirror.bench.ReplayBench;
import org.devmirror.bench.SoftDirtyCycleBench;
import org.devmirror.bench.SoftDirtyHeldBench;
import org.devmirror.bench.ThreadScalingBench;
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
    void theQuickProfileMeasuresEveryTargetAndRunsNothingNoTargetOrPlotReads() {
        Set<String> quick = quickLabels();
        for (Target t : BenchSuite.targets()) {
            for (String label : t.measuredLabels()) {
                assertTrue(quick.contains(label), t.description() + ": the quick profile does not measure " + label);
            }
        }
        // Contention and the trace replay feed no target and no plot: full profile only.
        for (String absent : List.of("ContentionBench.", "ReplayBench.", "KernelRangesBench.forkSparse")) {
            assertTrue(quick.stream().noneMatch(l -> l.startsWith(absent)), absent + " in " + quick);
        }
        // The thread scaling runs from 1 thread up to this machine's processors (at least 2).
        int max = Math.min(16, Math.max(2, Runtime.getRuntime().availableProcessors()));
        // Each thread count times the CLEAR and its floor, the notifier core hitting nothing.
        for (int t = 1; t <= max; t++) {
            assertTrue(quick.contains("ThreadScalingBench.clear threads=" + t), "clear threads=" + t);
            assertTrue(quick.contains("ThreadScalingBench.hitNone threads=" + t), "hitNone threads=" + t);
        }
        assertEquals(
                2L * max,
                quick.stream().filter(l -> l.startsWith("ThreadScalingBench.")).count());
    }

    @Test
    void theQuickProfileMeasuresManyShortIterationsAndTheFullOneIsUnchanged() {
        for (BenchSelection s : BenchProfile.QUICK.selections()) {
            if (!s.timing().isSingleShot()) {
                // t(0.9995, 14) = 4.14 instead of t(0.9995, 2) = 31.6
                assertEquals(15, s.timing().measurementIterations(), s.toString());
            }
        }
        assertEquals(new BenchSelection.Timing(4, 250, 15, 100), BenchProfile.QUICK.timing(TimingKind.AVERAGE_TIME));
        // threads that contend flip between regimes: longer iterations average over them
        assertEquals(new BenchSelection.Timing(4, 250, 15, 300), BenchProfile.QUICK.timing(TimingKind.CONTENDED));
    }

    /**
     * Every label the quick profile's runs produce (parameter combinations of every benchmark each
     * selection includes, with its overrides), and the net figures of the invalidations.
     */
    private static Set<String> quickLabels() {
        SuiteRunner runner = new SuiteRunner(
                BenchProfile.QUICK, Pattern.compile(".*"), new PrintStream(OutputStream.nullOutputStream()));
        Set<String> out = new java.util.TreeSet<>();
        for (BenchSelection s : BenchProfile.QUICK.selections()) {
            Pattern p = Pattern.compile(runner.includeRegex(s.benchmarks()));
            for (BenchmarkListEntry e : jmhBenchmarks()) {
                if (!p.matcher(e.getUsername()).find()) {
                    continue;
                }
                List<String> combos = List.of(e.getUsername().substring(BenchSuite.PACKAGE.length() + 1));
                for (Map.Entry<String, String[]> param :
                        new TreeMap<>(e.getParams().orElse(Map.of())).entrySet()) {
                    List<String> values = s.params().getOrDefault(param.getKey(), Arrays.asList(param.getValue()));
                    List<String> next = new ArrayList<>();
                    for (String c : combos) {
                        for (String v : values) {
                            next.add(c + " " + param.getKey() + "=" + v);
                        }
                    }
                    combos = next;
                }
                out.addAll(combos);
            }
        }
        // NetResults adds the net figure of an invalidation whose restore's rewrite ran too
        for (String l : List.copyOf(out)) {
            if ((l.startsWith("InvalidateBench.invalidate ") || l.startsWith("OnHeapMirrorBench.invalidate "))
                    && out.stream().anyMatch(r -> r.startsWith("RearmBench.rewrite ") && r.contains(size(l)))) {
                out.add(l.replace(".invalidate ", ".net "));
            }
        }
        return out;
    }

    /** The {@code size=...} parameter of {@code label}. */
    private static String size(String label) {
        int from = label.indexOf(" size=") + 1;
        int end = label.indexOf(' ', from);
        return end < 0 ? label.substring(from) : label.substring(from, end);
    }

    private static List<BenchmarkListEntry> jmhBenchmarks() {
        return new ArrayList<>(BenchmarkList.defaultList()
                .getAll(
                        OutputFormatFactory.createFormatInstance(
                                new PrintStream(OutputStream.nullOutputStream()), VerboseMode.SILENT),
                        List.of()));
    }

    /** {@code selections} with the benchmarks of {@code added} taken out. */
    private static List<BenchSelection> without(List<BenchSelection> selections, Class<?>... added) {
        List<BenchSelection> out = new ArrayList<>();
        for (BenchSelection s : selections) {
            List<String> b = new ArrayList<>(s.benchmarks());
            for (Class<?> c : added) {
                b.remove(c.getSimpleName());
            }
            if (!b.isEmpty()) {
                out.add(new BenchSelection(b, s.params(), s.timing()));
            }
        }
        return out;
    }

    @Test
    void theFullProfileRunsWhatItDidAndTheSoftDirtyCycle() {
        // SoftDirtyCycleBench had no place in either profile, so `bench --include` could not run
        // it; with an entry it is in the full profile, among the average-time benchmarks.
        // EndToEndBench and KernelRangesBench came after the registry (average time; host operations),
        // and so did the SOFT_DIRTY held and fan-out benchmarks (average time) and the thread-scaling
        // and hand-off ones (contended).
        // The host operations and the on-heap mirror, which ran with a longer warm-up, are timed
        // as every other average-time benchmark since the forks' young generation is fixed.
        assertEquals(
                without(SuiteBeforeRegistry.fullSelections(), OnHeapMirrorBench.class, NoSubscriberBench.class),
                without(
                        BenchProfile.FULL.selections(),
                        OnHeapMirrorBench.class,
                        NoSubscriberBench.class,
                        SoftDirtyCycleBench.class,
                        EndToEndBench.class,
                        KernelRangesBench.class,
                        SoftDirtyHeldBench.class,
                        FanOutBench.class,
                        ThreadScalingBench.class,
                        HandOffBench.class));
        for (Class<?> allocating : List.of(OnHeapMirrorBench.class, NoSubscriberBench.class, KernelRangesBench.class)) {
            assertEquals(
                    List.of(BenchProfile.FULL.timing(TimingKind.AVERAGE_TIME)),
                    BenchProfile.FULL.selections().stream()
                            .filter(s -> s.benchmarks().contains(allocating.getSimpleName()))
                            .map(BenchSelection::timing)
                            .toList(),
                    allocating.getSimpleName());
        }
        // the thread scaling runs apart: its thread counts are a parameter of its own
        assertEquals(
                List.of(new BenchSelection(
                        List.of("ThreadScalingBench"),
                        Map.of(ThreadScalingBench.THREADS, ThreadScalingBench.threadCounts()),
                        BenchProfile.FULL.timing(TimingKind.CONTENDED))),
                BenchProfile.FULL.selections().stream()
                        .filter(s -> s.benchmarks().contains("ThreadScalingBench"))
                        .toList());
        // the contended benchmarks, with their longer iterations, after every average-time one
        assertTrue(BenchProfile.FULL.selections().getFirst().benchmarks().contains("EndToEndBench"));
        assertTrue(BenchProfile.FULL.selections().getFirst().benchmarks().contains("KernelRangesBench"));
        assertTrue(BenchProfile.FULL.selections().get(1).benchmarks().contains("ThreadScalingBench"));
        assertEquals(
                new BenchSelection(List.of("HandOffBench"), Map.of(), BenchProfile.FULL.timing(TimingKind.CONTENDED)),
                BenchProfile.FULL.selections().get(2));
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
    void theTargetsAreTheOldOnesWithTheTightenedBoundsAndTheNewOnes() {
        Set<String> expected = new java.util.TreeSet<>();
        for (String t : describe(SuiteBeforeRegistry.targets())) {
            // the performance work tightened dispatch from 3x to 1.2x and set the PROTECTION_PAGE
            // re-read's bound from 3x to 5x (docs/perf.md); JMH's B/op counts as zero below 2
            // instead of 0.5, for the quick profile's shorter iterations (BenchRegistry.ZERO_BYTES)
            String bound = t.startsWith("Dispatch hitting nothing")
                    ? "1.200"
                    : t.startsWith("PROTECTION_PAGE re-read") ? "5" : t.contains("| B/op of ") ? "2" : null;
            expected.add(bound == null ? t : t.substring(0, t.lastIndexOf(' ') + 1) + bound);
        }
        String fill = "`FloorBench.fill bytes=4096`";
        String untracked = "`UntrackedInvalidateBench.invalidate size=2M`";
        expected.addAll(List.of(
                "Device fault of 512 populated pages vs fill of 4 KiB | `DeviceFaultBench.fault pages=512` / " + fill
                        + " \u2264 8",
                "Device fault of 1 populated page, in ns | `DeviceFaultBench.fault pages=1` \u2264 120 ns",
                "UNMAP of a sparse 1 GiB range (512 pages populated), ns per populated page | 0.001953 \u00d7 "
                        + "`InvalidateBench.net event=UNMAP policy=aware populated=true size=1G` \u2264 100 ns",
                "SOFT_DIRTY marking of 512 writable pages (tracked less untracked, 2 MiB) vs fill of 4 KiB | "
                        + "(`SoftDirtyHeldBench.invalidate held=writable` \u2212 " + untracked + ") / " + fill
                        + " \u2264 2",
                "SOFT_DIRTY of a 2 MiB range the device holds read-only vs untracked | "
                        + "`SoftDirtyHeldBench.invalidate held=readOnly` / " + untracked + " \u2264 1.300",
                "SOFT_DIRTY with and without writable PTEs allocates nothing | B/op of `SoftDirtyHeldBench\\..*` \u2264 2",
                "CLEAR of a populated 2 MiB range mirrored by 8 devices vs by 1 | "
                        + "`FanOutBench.clear devices=8` / `FanOutBench.clear devices=1` \u2264 8.500",
                "CLEAR fanned out to 8 devices allocates nothing (with the restore) | B/op of `FanOutBench\\..*` \u2264 2",
                "Throughput of CLEARs of disjoint 2 MiB ranges, 2 threads vs 1 | "
                        + "`ThreadScalingBench.clear threads=1` / `ThreadScalingBench.clear threads=2` \u2265 1.600",
                "CLEARs from several threads allocate nothing (with the restore) | "
                        + "B/op of `ThreadScalingBench\\..*` \u2264 2",
                "UNMAP of a 1 GiB VMA with one populated 2 MiB block, kernel vs narrowed ranges | "
                        + "`KernelRangesBench.munmapSparse ranges=kernel` / "
                        + "`KernelRangesBench.munmapSparse ranges=narrowed` \u2264 1.200"));
        assertEquals(expected, describe(BenchSuite.targets()));
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
            if (label.startsWith("KernelRangesBench.")
                    || label.startsWith("SoftDirtyHeldBench.")
                    || label.startsWith("FanOutBench.")
                    || label.startsWith("ThreadScalingBench.")) {
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

package org.devmirror.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.md shows the machine, every result with its ratio to its reference, and the targets. */
class BenchReportTest {

    private static final MachineInfo MACHINE =
            new MachineInfo("Test CPU @ 2.0GHz", 2, "OpenJDK 25", "Linux amd64", LocalDate.of(2026, 1, 2));

    private static BenchResult result(
            String benchmark, Map<String, String> params, double score, double error, String unit, Double alloc) {
        TreeMap<String, BenchMetric> secondary = new TreeMap<>();
        if (alloc != null) {
            secondary.put(BenchResult.GC_ALLOC_RATE_NORM, new BenchMetric(alloc, 0, "B/op", new double[][] {{alloc}}));
        }
        return new BenchResult(
                benchmark,
                "avgt",
                new TreeMap<>(params),
                new BenchMetric(score, error, unit, new double[][] {{score}}),
                secondary);
    }

    private static final BenchResult UNMAP = result(
            "org.devmirror.bench.InvalidateBench.invalidate",
            Map.of("event", "UNMAP", "size", "2M"),
            120,
            6,
            "ns/op",
            0.0);
    private static final BenchResult FILL = result(
            "org.devmirror.bench.FloorBench.fill",
            Map.of("bytes", "4096"),
            0.1,
            0.002,
            "us/op",
            null); // 100 ns, in another unit
    private static final BenchResult ONHEAP = result(
            "org.devmirror.bench.OnHeapBench.invalidate",
            Map.of("event", "UNMAP", "size", "2M"),
            1800,
            50,
            "ns/op",
            48.0);

    @Test
    void ratioPropagatesRelativeErrors() {
        // 120 +- 6 (5%) over 100 +- 2 (2%): 1.2 with relative error sqrt(0.05^2 + 0.02^2).
        Estimate r = new Estimate(120, 6).ratioTo(new Estimate(100, 2));

        assertEquals(1.2, r.value(), 1e-12);
        assertEquals(1.2 * Math.sqrt(0.05 * 0.05 + 0.02 * 0.02), r.error(), 1e-12);
    }

    @Test
    void ratioToZeroIsRejected() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Estimate(1, 0).ratioTo(new Estimate(0, 0)));

        assertEquals("denominator value=0; the ratio is undefined", e.getMessage());
    }

    @Test
    void throughputConvertsToNanosPerOp() {
        BenchResult thrpt = result("a.B.c", Map.of(), 4, 0.4, "ops/ms", null);

        Estimate ns = thrpt.nanosPerOp();

        assertEquals(250_000, ns.value(), 1e-6, "4 ops/ms is 250 us per op");
        assertEquals(25_000, ns.error(), 1e-6, "the 10% relative error carries over");
    }

    @Test
    void unknownUnitIsRejected() {
        BenchResult odd = result("a.B.c", Map.of(), 4, 0.4, "furlongs", null);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, odd::nanosPerOp);

        assertEquals("unit=furlongs is neither time/op nor ops/time", e.getMessage());
    }

    @Test
    void reportShowsMachineResultsRatiosAndTargets() {
        // Step 1: UNMAP is mapped to the fill floor; the on-heap mirror to nothing.
        ReferenceMapping refs = ReferenceMapping.none().with(UNMAP.label(), FILL.label());
        List<Target> targets = List.of(
                Target.atMostTimes("UNMAP 2M vs fill 4K", UNMAP.label(), FILL.label(), 1.5),
                Target.fasterBy("UNMAP 2M vs on-heap", UNMAP.label(), ONHEAP.label(), 20),
                Target.allocationAtMost("hot paths allocate nothing", ".*invalidate.*", 0),
                Target.atMostTimes("dispatch scaling", "Dispatch.miss n=1Mi", "Dispatch.miss n=1Ki", 3));

        BenchReport report = new BenchReport(MACHINE, List.of(UNMAP, FILL, ONHEAP), refs, targets);
        String md = report.toMarkdown();

        // Step 2: the header names the machine.
        assertTrue(md.contains("| CPU     | Test CPU @ 2.0GHz |"), md);
        assertTrue(md.contains("| Date    | 2026-01-02 "), md);
        // Step 3: the ratio is taken in ns/op although the reference is in us/op.
        assertEquals(1.2, report.ratioToReference(UNMAP).orElseThrow().value(), 1e-12);
        assertTrue(md.contains("| FloorBench.fill bytes=4096 | 1.200 \u00b1 0.06"), md);
        // Step 4: targets: 1.2 <= 1.5 met; 1800/120 = 15 < 20 missed; 48 B/op missed; dispatch not run.
        List<TargetOutcome> outcomes = report.targetOutcomes();
        assertEquals(TargetOutcome.Status.MET, outcomes.get(0).status());
        assertEquals(TargetOutcome.Status.MISSED, outcomes.get(1).status());
        assertEquals(15.0, outcomes.get(1).measured().getAsDouble(), 1e-12);
        assertEquals(TargetOutcome.Status.MISSED, outcomes.get(2).status());
        assertEquals(48.0, outcomes.get(2).measured().getAsDouble());
        assertEquals(TargetOutcome.Status.NOT_MEASURED, outcomes.get(3).status());
        assertTrue(
                md.contains(
                        "`OnHeapBench.invalidate event=UNMAP size=2M` / `InvalidateBench.invalidate event=UNMAP size=2M` \u2265 20"),
                md);
        assertTrue(md.contains("missing Dispatch.miss n=1Mi"), md);
        // Step 5: one table per benchmark class.
        assertTrue(md.contains("### InvalidateBench\n"), md);
        assertTrue(md.contains("### FloorBench\n"), md);
    }

    @Test
    void missingReferenceIsSaidNotHidden() {
        ReferenceMapping refs = ReferenceMapping.none().withPattern("InvalidateBench\\..*", "FloorBench.fill bytes=64");

        String md = new BenchReport(MACHINE, List.of(UNMAP), refs, List.of()).toMarkdown();

        assertTrue(md.contains("| FloorBench.fill bytes=64 | reference did not run |"), md);
    }

    @Test
    void exactMappingWinsOverPattern() {
        ReferenceMapping refs = ReferenceMapping.none().withPattern(".*", "P").with("A", "E");

        assertEquals("E", refs.referenceOf("A").orElseThrow());
        assertEquals("P", refs.referenceOf("B").orElseThrow());
        assertTrue(refs.referenceOf("P").isEmpty(), "a reference is never its own reference");
    }

    @Test
    void duplicateMappingIsRejected() {
        ReferenceMapping refs = ReferenceMapping.none().with("A", "E");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> refs.with("A", "F"));

        assertEquals("label=A is already mapped to E", e.getMessage());
        assertEquals("E", refs.referenceOf("A").orElseThrow(), "the mapping is unchanged");
    }

    @Test
    void writeCreatesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/report.md");

        new BenchReport(MACHINE, List.of(UNMAP), ReferenceMapping.none(), List.of()).write(file);

        assertTrue(Files.readString(file).startsWith("# devmirror benchmark report\n"));
    }

    @Test
    void cpuModelIsReadFromCpuinfo() {
        String x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)  CPU @ 2.20GHz\n";
        String arm = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n";

        assertEquals("Intel(R) Xeon(R) CPU @ 2.20GHz", MachineInfo.cpuModel(x86));
        assertEquals("0xd0c", MachineInfo.cpuModel(arm));
        assertEquals("unknown", MachineInfo.cpuModel(""));
    }

    @Test
    void currentMachineHasCoresAndJdk() {
        MachineInfo m = MachineInfo.current(LocalDate.of(2026, 1, 2));

        assertEquals(Runtime.getRuntime().availableProcessors(), m.cores());
        assertTrue(m.jdk().contains(System.getProperty("java.runtime.version")));
    }

    @Test
    void markdownTableAlignsAndEscapes() {
        String t = new MarkdownTable("Name", "Value>")
                .row("a|b", "1")
                .row("long name", "12345")
                .render();

        assertEquals("""
                | Name      | Value |
                | --------- | ----: |
                | a\\|b      |     1 |
                | long name | 12345 |
                """, t);
    }
}

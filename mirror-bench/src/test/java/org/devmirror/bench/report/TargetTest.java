package org.devmirror.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The targets decide only within their error bound (met or missed when the 99.9% error is under
 * 30% of the value, undecided otherwise), and the absolute and difference targets compute what
 * they state.
 */
class TargetTest {
    private static BenchResult ns(String benchmark, double score, double error) {
        return new BenchResult(
                benchmark,
                "avgt",
                new TreeMap<>(Map.of()),
                new BenchMetric(score, error, "ns/op", new double[][] {{score}}),
                new TreeMap<>());
    }

    @Test
    void aRatioIsDecidedOnlyWhenItsErrorIsUnderThirtyPerCent() {
        Target t = Target.atMostTimes("a vs b", "A.a", "B.b", 1.5);
        // 120 / 100 = 1.2 with a relative error of sqrt(0.1^2 + 0.1^2) = 14%: met
        TargetOutcome met = t.evaluate(List.of(ns("x.A.a", 120, 12), ns("x.B.b", 100, 10)));
        assertEquals(TargetOutcome.Status.MET, met.status());
        assertEquals(1.2, met.measured().getAsDouble(), 1e-12);
        // 200 / 100 = 2 with 14%: missed
        assertEquals(
                TargetOutcome.Status.MISSED,
                t.evaluate(List.of(ns("x.A.a", 200, 20), ns("x.B.b", 100, 10))).status());
        // the same point estimates with 25% errors on each side (35% on the ratio): undecided
        assertEquals(
                TargetOutcome.Status.UNDECIDED,
                t.evaluate(List.of(ns("x.A.a", 120, 30), ns("x.B.b", 100, 25))).status());
        assertEquals(
                TargetOutcome.Status.UNDECIDED,
                t.evaluate(List.of(ns("x.A.a", 200, 50), ns("x.B.b", 100, 25))).status());
        // an unknown error (one iteration) decides nothing
        assertEquals(
                TargetOutcome.Status.UNDECIDED,
                t.evaluate(List.of(ns("x.A.a", 120, Double.NaN), ns("x.B.b", 100, 1)))
                        .status());
    }

    @Test
    void anAbsoluteBoundIsInNanosecondsPerOperationScaled() {
        Target perPage = Target.atMostNanos("per page", "A.a", 1.0 / 512, 100);
        assertEquals(List.of("A.a"), perPage.measuredLabels());
        // 40.96 us over 512 pages = 80 ns per page, error 5%
        TargetOutcome met = perPage.evaluate(List.of(ns("x.A.a", 40_960, 2_048)));
        assertEquals(TargetOutcome.Status.MET, met.status());
        assertEquals(80, met.measured().getAsDouble(), 1e-9);
        assertTrue(met.shown().endsWith(" ns"), met.shown());
        assertEquals(
                TargetOutcome.Status.MISSED,
                perPage.evaluate(List.of(ns("x.A.a", 61_440, 2_048))).status());
        assertEquals(
                TargetOutcome.Status.UNDECIDED,
                perPage.evaluate(List.of(ns("x.A.a", 40_960, 20_480))).status());
        assertEquals(
                TargetOutcome.Status.NOT_MEASURED, perPage.evaluate(List.of()).status());
    }

    @Test
    void aDifferenceTargetSubtractsAndAddsTheErrorsInQuadrature() {
        Target marking = Target.atMostTimesDifference("marking", "A.tracked", "A.untracked", "F.fill", 2);
        assertEquals(List.of("A.tracked", "A.untracked", "F.fill"), marking.measuredLabels());
        // (230 - 50) / 100 = 1.8; error of the difference sqrt(3^2 + 4^2) = 5
        TargetOutcome o = marking.evaluate(
                List.of(ns("x.A.tracked", 230, 3), ns("x.A.untracked", 50, 4), ns("x.F.fill", 100, 0)));
        assertEquals(1.8, o.measured().getAsDouble(), 1e-12);
        assertEquals(TargetOutcome.Status.MET, o.status());
        assertEquals("(`A.tracked` \u2212 `A.untracked`) / `F.fill` \u2264 2", marking.expression());
        // a difference at or below zero is noise, not a measurement
        TargetOutcome noise =
                marking.evaluate(List.of(ns("x.A.tracked", 50, 3), ns("x.A.untracked", 55, 4), ns("x.F.fill", 100, 0)));
        assertEquals(TargetOutcome.Status.NOT_MEASURED, noise.status());
        assertTrue(noise.shown().startsWith("not positive"), noise.shown());
        assertEquals(
                "missing A.untracked",
                marking.evaluate(List.of(ns("x.A.tracked", 50, 3))).shown());
    }

    @Test
    void theReportSaysUndecided() {
        Target t = Target.atMostTimes("a vs b", "A.a", "B.b", 1.5);
        BenchReport r = new BenchReport(
                new MachineInfo("cpu", 2, "jdk", "os", java.time.LocalDate.of(2026, 1, 2)),
                List.of(ns("x.A.a", 120, 60), ns("x.B.b", 100, 1)),
                ReferenceMapping.none(),
                List.of(t));
        assertTrue(r.toMarkdown().contains("| undecided (error \u2265 30%) |"), r.toMarkdown());
    }
}

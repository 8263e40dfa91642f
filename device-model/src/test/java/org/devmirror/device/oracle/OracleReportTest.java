package org.devmirror.device.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's summary line, its cut lists, and the kernel findings kept apart from the violations. */
class OracleReportTest {
    @Test
    void oneViolationIsSingularAndNothingIsLeftOver() {
        OracleReport.Builder b = new OracleReport.Builder("mirror 7");
        b.checked(2);
        b.checked(1);
        b.violation("va=0x1000: stale");
        OracleReport r = b.build();
        assertEquals(3, r.checked());
        assertEquals(1, r.violationCount());
        assertEquals(List.of("va=0x1000: stale"), r.violations());
        // every violation described: no "... 0 more" line
        assertEquals("mirror 7: 3 checked, 1 violation" + System.lineSeparator() + "  va=0x1000: stale", r.toString());
    }

    @Test
    void kernelFindingsAreCutButNeverCountedAsViolations() {
        OracleReport.Builder b = new OracleReport.Builder("mirror 7");
        for (int i = 0; i <= OracleReport.MAX_DESCRIBED; i++) {
            b.kernelFinding("finding " + i);
        }
        OracleReport r = b.build();
        assertEquals(OracleReport.MAX_DESCRIBED, r.kernelFindings().size());
        assertEquals("finding 0", r.kernelFindings().get(0));
        assertEquals(
                "finding " + (OracleReport.MAX_DESCRIBED - 1),
                r.kernelFindings().get(OracleReport.MAX_DESCRIBED - 1));
        assertTrue(r.isClean(), r::toString);
        assertEquals(0, r.violationCount());
        assertEquals("mirror 7: 0 checked, 0 violations", r.toString()); // the findings are not the device's
    }
}

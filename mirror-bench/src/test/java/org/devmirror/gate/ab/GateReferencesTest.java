package org.devmirror.gate.ab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The suite's normalisation: dispatch against the TreeMap lookup of as many entries, the rest against the fill floor. */
class GateReferencesTest {
    private static final GateReferences SUITE = GateReferences.suite();

    @Test
    void dispatchIsNormalisedByTheMatchingLookup() {
        assertEquals(
                Optional.of("LookupReferenceBench.treeMapFloorHit ranges=65536"),
                SUITE.normalisation().referenceOf("DispatchBench.hitOne notifiers=65536"));
        assertEquals(
                Optional.of("LookupReferenceBench.treeMapFloorMiss ranges=1"),
                SUITE.normalisation().referenceOf("DispatchBench.hitNone notifiers=1"));
    }

    @Test
    void everythingElseIsNormalisedByTheFillFloor() {
        assertEquals(
                Optional.of("FloorBench.fill bytes=4096"),
                SUITE.normalisation().referenceOf("InvalidateBench.invalidate event=UNMAP size=2M"));
        assertEquals(Optional.empty(), SUITE.normalisation().referenceOf("FloorBench.fill bytes=4096"));
        assertEquals(Optional.empty(), SUITE.normalisation().referenceOf("LookupReferenceBench.rangeMapHit ranges=1"));
        assertTrue(SUITE.isReference("FloorBench.baseline bytes=8"));
        assertFalse(SUITE.isReference("DispatchBench.hitNone notifiers=1"));
    }

    @Test
    void lookupsAreAddedOnlyWhenADispatchBenchmarkRuns() {
        String invalidations = SUITE.includeWithReferences("InvalidateBench");
        String dispatch = SUITE.includeWithReferences("DispatchBench.hitNone");

        assertTrue(Pattern.compile(invalidations)
                .matcher("org.devmirror.bench.FloorBench.fill")
                .find());
        assertFalse(Pattern.compile(invalidations)
                .matcher("org.devmirror.bench.LookupReferenceBench.treeMapFloorMiss")
                .find());
        assertTrue(Pattern.compile(dispatch)
                .matcher("org.devmirror.bench.LookupReferenceBench.treeMapFloorMiss")
                .find());
        assertFalse(Pattern.compile(dispatch)
                .matcher("org.devmirror.bench.LookupReferenceBench.treeMapFloorHit")
                .find());
        assertFalse(Pattern.compile(dispatch)
                .matcher("org.devmirror.bench.FloorBench.baseline")
                .find());
    }
}

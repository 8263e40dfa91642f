package org.devmirror.gate.deterministic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.devmirror.bench.probe.Baseline;
import org.devmirror.bench.probe.BaselineDiff;
import org.devmirror.bench.probe.BaselineEntry;
import org.devmirror.input.InputFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deterministic gate passes on equal values, reports every difference, and records honestly. */
class DeterministicGateTest {
    private static final String UNMAP = "InvalidateBench.invalidate event=UNMAP size=2M";
    private static final Baseline RECORDED =
            Baseline.empty().with(UNMAP, BaselineEntry.of(0, Map.of("ptesWritten", 512L, "tlbFlushes", 1L)));

    @TempDir
    Path dir;

    @Test
    void equalValuesPass() throws Exception {
        Path file = dir.resolve("baseline.json");
        RECORDED.save(file);

        DeterministicGate.Outcome o = new DeterministicGate(file, () -> RECORDED).check();

        assertTrue(o.passed());
        assertTrue(o.diff().isEmpty());
    }

    @Test
    void oneExtraPteWriteAndAnAllocationFail() throws Exception {
        Path file = dir.resolve("baseline.json");
        RECORDED.save(file);
        Baseline now =
                Baseline.empty().with(UNMAP, BaselineEntry.of(16, Map.of("ptesWritten", 513L, "tlbFlushes", 1L)));

        DeterministicGate.Outcome o = new DeterministicGate(file, () -> now).check();

        assertFalse(o.passed());
        assertEquals(2, o.diff().changes().size());
        assertEquals(
                new BaselineDiff.Change(UNMAP, "allocBytesPerOp", "0", "16"),
                o.diff().changes().get(0));
        assertEquals(
                new BaselineDiff.Change(UNMAP, "counters.ptesWritten", "512", "513"),
                o.diff().changes().get(1));
        // Checking never writes the file.
        assertEquals(RECORDED, Baseline.load(file));
    }

    @Test
    void updateRecordsTheMeasuredValuesAndShowsWhatChanged() throws Exception {
        Path file = dir.resolve("perf/baseline.json");
        Baseline now =
                RECORDED.with("DispatchBench.hitNone notifiers=1024", BaselineEntry.of(0, Map.of("visitedNodes", 9L)));

        DeterministicGate.Outcome first = new DeterministicGate(file, () -> now).update();
        DeterministicGate.Outcome again = new DeterministicGate(file, () -> now).update();

        // From no file: every value is new.
        assertEquals(Baseline.empty(), first.recorded());
        assertEquals(5, first.diff().changes().size(), first.diff().toTable());
        assertEquals(now, Baseline.load(file));
        // Recording the same values again changes nothing.
        assertTrue(again.diff().isEmpty());
    }

    @Test
    void aOneOffDifferenceTheSecondMeasurementDoesNotRepeatPasses() throws Exception {
        Path file = dir.resolve("baseline.json");
        RECORDED.save(file);
        // The first measurement sees 1 B/op (a one-off allocation spread over the operations).
        java.util.Iterator<Baseline> measurements = java.util.List.of(
                        Baseline.empty()
                                .with(UNMAP, BaselineEntry.of(1, Map.of("ptesWritten", 512L, "tlbFlushes", 1L))),
                        RECORDED)
                .iterator();

        DeterministicGate.Outcome o = new DeterministicGate(file, measurements::next).check();

        assertTrue(o.passed(), o.diff().toTable());
        assertFalse(measurements.hasNext());
    }

    @Test
    void updateRefusesValuesTheTwoMeasurementsDisagreeOn() throws Exception {
        Path file = dir.resolve("baseline.json");
        RECORDED.save(file);
        java.util.Iterator<Baseline> measurements = java.util.List.of(
                        Baseline.empty().with(UNMAP, BaselineEntry.of(3, Map.of("ptesWritten", 512L))),
                        Baseline.empty().with(UNMAP, BaselineEntry.of(0, Map.of("ptesWritten", 512L))))
                .iterator();

        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> new DeterministicGate(file, measurements::next).update());

        assertTrue(e.getMessage().contains("| " + UNMAP + " | allocBytesPerOp |"), e.getMessage());
        assertEquals(RECORDED, Baseline.load(file));
    }

    @Test
    void missingBaselineIsAnErrorNotAPass() {
        Path file = dir.resolve("absent.json");

        InputFileException e =
                assertThrows(InputFileException.class, () -> new DeterministicGate(file, () -> RECORDED).check());
        assertEquals("cannot read " + file + ": no such file", e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void nullArgumentsAreRejected() {
        IllegalArgumentException a =
                assertThrows(IllegalArgumentException.class, () -> new DeterministicGate(null, () -> RECORDED));
        IllegalArgumentException b =
                assertThrows(IllegalArgumentException.class, () -> new DeterministicGate(dir.resolve("b.json"), null));

        assertEquals("baselineFile=null", a.getMessage());
        assertEquals("probe=null", b.getMessage());
    }
}

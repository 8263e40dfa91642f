package org.devmirror.bench.probe;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.devmirror.json.JsonInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** perf/baseline.json is written stably, read strictly, and diffed value by value. */
class BaselineTest {

    private static final Baseline RECORDED = Baseline.empty()
            .with("invalidate UNMAP 2M", BaselineEntry.of(0, Map.of("tlbFlushes", 1L, "ptesWritten", 512L)))
            .with("fault commit 512", BaselineEntry.countersOnly(Map.of("retries", 0L)));

    @Test
    void savedFileIsSortedAndPretty(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("perf/baseline.json");

        RECORDED.save(file);

        assertEquals("""
                {
                  "fault commit 512": {
                    "counters": {
                      "retries": 0
                    }
                  },
                  "invalidate UNMAP 2M": {
                    "allocBytesPerOp": 0,
                    "counters": {
                      "ptesWritten": 512,
                      "tlbFlushes": 1
                    }
                  }
                }
                """, Files.readString(file));
        assertEquals(RECORDED, Baseline.load(file));
    }

    /** Found by Jazzer: a check or counter with an empty name reached a record's own check, an unchecked exception. */
    @Test
    void aBlankCheckOrCounterNameIsAFileErrorNamingTheMember() {
        JsonInputException e = assertThrows(JsonInputException.class, () -> Baseline.parse("{\"\": {}}", "b.json"));
        assertTrue(e.getMessage().startsWith("b.json"), e.getMessage());
        assertTrue(e.getMessage().endsWith("a check needs a name; found \"\""), e.getMessage());
        JsonInputException blank =
                assertThrows(JsonInputException.class, () -> Baseline.parse("{\" \": {}}", "b.json"));
        assertTrue(blank.getMessage().endsWith("a check needs a name; found \" \""), blank.getMessage());
        JsonInputException counter = assertThrows(
                JsonInputException.class, () -> Baseline.parse("{\"x\": {\"counters\": {\"\": 1}}}", "b.json"));
        assertTrue(counter.getMessage().endsWith("a counter needs a name; found \"\""), counter.getMessage());
    }

    @Test
    void fractionalAllocationIsRejectedNotCalledARegression() {
        // The gate measures whole bytes per operation: a recorded 0.5 could never match, so every
        // run would report a regression. Reading the file refuses it instead, naming the member.
        Baseline b = Baseline.empty().with("x", BaselineEntry.of(0.5, Map.of()));

        JsonInputException e = assertThrows(JsonInputException.class, () -> Baseline.parse(b.toJson(), "b.json"));
        assertTrue(
                e.getMessage()
                        .endsWith(
                                "$.x.allocBytesPerOp: bytes per operation are measured exactly, as a whole number; found 0.5"),
                e.getMessage());
    }

    @Test
    void absurdValuesAreRejectedNotCalledARegression() {
        JsonInputException alloc = assertThrows(
                JsonInputException.class, () -> Baseline.parse("{\"x\": {\"allocBytesPerOp\": 1e30}}", "b.json"));
        assertTrue(
                alloc.getMessage()
                        .contains(
                                "$.x.allocBytesPerOp: 1000000000000000000000000000000 bytes per operation is beyond 4294967296"),
                alloc.getMessage());
        JsonInputException counter = assertThrows(
                JsonInputException.class,
                () -> Baseline.parse("{\"x\": {\"counters\": {\"ptesWritten\": 9000000000000000000}}}", "b.json"));
        assertTrue(
                counter.getMessage()
                        .contains("$.x.counters.ptesWritten: 9000000000000000000 per operation is beyond 4294967296"),
                counter.getMessage());
        assertEquals(
                Map.of("ptesWritten", 1L << 32),
                assertDoesNotThrow(() ->
                                Baseline.parse("{\"x\": {\"counters\": {\"ptesWritten\": 4294967296}}}", "b.json"))
                        .checks()
                        .get("x")
                        .counters());
    }

    @Test
    void diffListsEveryChangedValue() {
        // One extra PTE write, an allocation, a removed counter and a new check.
        Baseline now = Baseline.empty()
                .with("invalidate UNMAP 2M", BaselineEntry.of(24, Map.of("ptesWritten", 513L)))
                .with("fault commit 512", BaselineEntry.countersOnly(Map.of("retries", 0L)))
                .with("new check", BaselineEntry.countersOnly(Map.of("x", 3L)));

        BaselineDiff diff = RECORDED.diff(now);

        assertEquals(
                List.of(
                        new BaselineDiff.Change("invalidate UNMAP 2M", "allocBytesPerOp", "0", "24"),
                        new BaselineDiff.Change("invalidate UNMAP 2M", "counters.ptesWritten", "512", "513"),
                        new BaselineDiff.Change("invalidate UNMAP 2M", "counters.tlbFlushes", "1", "absent"),
                        new BaselineDiff.Change("new check", "counters.x", "absent", "3")),
                diff.changes());
        assertTrue(
                diff.toTable().contains("| invalidate UNMAP 2M | counters.ptesWritten |      512 |    513 |"),
                diff.toTable());
    }

    @Test
    void identicalBaselinesHaveNoDiff() throws Exception {
        assertTrue(RECORDED.diff(Baseline.parse(RECORDED.toJson(), "b.json")).isEmpty());
    }

    @Test
    void removedEmptyCheckIsListed() {
        Baseline withEmpty = RECORDED.with("placeholder", BaselineEntry.countersOnly(Map.of()));

        assertEquals(
                List.of(new BaselineDiff.Change("placeholder", "(check)", "present", "absent")),
                withEmpty.diff(RECORDED).changes());
    }

    @Test
    void misspeltMemberIsRejected() {
        JsonInputException e = assertThrows(
                JsonInputException.class, () -> Baseline.parse("{\"a\": {\"allocBytesPerop\": 0}}", "b.json"));

        assertEquals(
                "b.json: $.a: unknown member \"allocBytesPerop\"; expected \"allocBytesPerOp\" and \"counters\"",
                e.getMessage());
    }

    @Test
    void fractionalCounterIsRejected() {
        JsonInputException e = assertThrows(
                JsonInputException.class,
                () -> Baseline.parse("{\"a\": {\"counters\": {\"ptesWritten\": 1.5}}}", "b.json"));

        assertEquals(
                "b.json: $.a.counters.ptesWritten: expected an integer within the long range, found 1.5",
                e.getMessage());
    }

    @Test
    void negativeAllocationIsRejected() {
        JsonInputException e = assertThrows(
                JsonInputException.class, () -> Baseline.parse("{\"a\": {\"allocBytesPerOp\": -8}}", "b.json"));

        assertEquals("b.json: $.a.allocBytesPerOp: bytes per operation cannot be negative, found -8", e.getMessage());
    }

    @Test
    void malformedFileNamesThePosition() {
        JsonInputException e = assertThrows(
                JsonInputException.class, () -> Baseline.parse("{\n  \"a\": {\"counters\": {\"x\": 1,}}\n}", "b.json"));

        assertEquals(2, e.line());
        assertEquals(29, e.column(), "the closing brace after the trailing comma");
    }

    @Test
    void negativeCounterIsRejectedInCode() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> BaselineEntry.countersOnly(Map.of("x", -1L)));

        assertEquals("counter x=-1 must be non-negative", e.getMessage());
    }
}

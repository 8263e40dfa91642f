package org.devmirror.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import org.devmirror.bench.report.json.JsonReader;
import org.devmirror.bench.report.json.JsonValue;
import org.devmirror.bench.report.json.JsonValue.JsonArray;
import org.devmirror.bench.report.json.JsonValue.JsonBoolean;
import org.devmirror.bench.report.json.JsonValue.JsonNumber;
import org.devmirror.bench.report.json.JsonValue.JsonObject;
import org.devmirror.bench.report.json.JsonValue.JsonString;
import org.devmirror.bench.report.json.JsonWriter;
import org.devmirror.device.driver.PolicyResolver;
import org.junit.jupiter.api.Test;

/** The {@code --json} object of a scenario run has the schema of docs/scenarios.md and the run's real figures. */
class RunJsonTest {
    private static final String MPROTECT = """
            # the device wrote a buffer; mprotect(PROT_READ) tells it
            device gpu
            buf = mmap 16p rw private anon
            gpu write buf 16p fill 7 -> OK
            expect faults 1
            mprotect buf 16p r -> OK
            expect events PROTECTION_VMA=1 UNMAP=0
            gpu snapshot buf 2p
            expect snapshot buf 2p = READ READ
            expect cpages 15
            expect oracle clean
            """;

    @Test
    void stepsExpectationsEventsDevicesAndOracleUnderTheAwarePolicy() throws Exception {
        // 1. Run the scenario and read its JSON back as a client would.
        JsonObject json = runJson(MPROTECT, "aware");
        assertEquals("event-aware", string(json, "policy"));

        // 2. One step per operation, with line, space, operation, result, faults, pages.
        List<JsonValue> steps = ((JsonArray) json.members().get("steps")).elements();
        assertEquals(4, steps.size());
        JsonObject write = (JsonObject) steps.get(1);
        assertEquals(4, number(write, "line"));
        assertEquals("main", string(write, "space"));
        assertEquals("OK", string(write, "result"));
        assertEquals(1, number(write, "faults"));
        assertEquals(16, number(write, "pages"));
        // the mprotect step lists its invalidation and the device's reaction: a downgrade in place
        JsonObject mprotect = (JsonObject) steps.get(2);
        JsonObject inv = (JsonObject) ((JsonArray) mprotect.members().get("invalidations")).elements().get(0);
        assertEquals("PROTECTION_VMA", string(inv, "event"));
        JsonObject gpuReaction = (JsonObject) ((JsonObject) mprotect.members().get("devices")).members().get("gpu");
        assertEquals(16, number(gpuReaction, "ptesDowngraded"));
        assertEquals(0, number(gpuReaction, "ptesZapped"));
        // the snapshot step carries its bytes by name
        JsonObject snapshot = (JsonObject) steps.get(3);
        assertEquals(List.of(new JsonString("READ"), new JsonString("READ")),
                ((JsonArray) snapshot.members().get("snapshot")).elements());

        // 3. Expectations: the wrong cpages is the one failure, with its line.
        JsonObject ex = (JsonObject) json.members().get("expectations");
        assertEquals(6, number(ex, "passed")); // the two "-> OK" suffixes count as expectations
        assertEquals(1, number(ex, "failed"));
        JsonObject failure = (JsonObject) ((JsonArray) ex.members().get("failures")).elements().get(0);
        assertEquals(10, number(failure, "line"));
        assertEquals("cpages: expected 15, got 2", string(failure, "message"));

        // 4. Events count every event type; devices carry the statistics; the oracle looked.
        JsonObject events = (JsonObject) json.members().get("events");
        assertEquals(8, events.members().size());
        assertEquals(1, number(events, "PROTECTION_VMA"));
        assertEquals(0, number(events, "UNMAP"));
        JsonObject gpu = (JsonObject) ((JsonObject) json.members().get("devices")).members().get("gpu");
        assertEquals(1, number(gpu, "deviceFaults"));
        assertEquals(16, number(gpu, "ptesDowngraded"));
        JsonObject oracle = (JsonObject) json.members().get("oracle");
        assertTrue(number(oracle, "checks") > 0);
        assertEquals(0, number(oracle, "violations"));
        assertEquals(new JsonBoolean(false), json.members().get("passed"));
    }

    @Test
    void theBlindPolicyZapsWhereTheAwareOneDowngrades() throws Exception {
        JsonObject json = runJson(MPROTECT, "blind");
        assertEquals("blind", string(json, "policy"));
        JsonObject gpu = (JsonObject) ((JsonObject) json.members().get("devices")).members().get("gpu");
        assertEquals(16, number(gpu, "ptesZapped"));
        assertEquals(0, number(gpu, "ptesDowngraded"));
        // the snapshot only looks (hmm_range_fault without HMM_PFN_REQ_FAULT): no second device fault
        assertEquals(1, number(gpu, "deviceFaults"));
        JsonObject perEvent = (JsonObject) ((JsonObject) gpu.members().get("perEvent")).members().get("PROTECTION_VMA");
        assertEquals(1, number(perEvent, "invalidations"));
        assertEquals(1, number(perEvent, "tlbFlushes"));
    }

    @Test
    void oracleCountsAndPassedAgreeWithTheTextReport() throws Exception {
        Scenario scenario = ScenarioParser.parse("ok.scn", """
                device gpu
                buf = mmap 4p rw private anon
                gpu read buf 4p -> OK
                expect oracle clean
                """);
        RunResult result = ScenarioRunner.run(scenario, PolicyResolver.resolve("policy", "aware"));
        JsonObject json = (JsonObject) JsonReader.parse(JsonWriter.write(result.toJson()));
        assertEquals(new JsonBoolean(true), json.members().get("passed"));
        assertEquals(result.oracleChecks(), number((JsonObject) json.members().get("oracle"), "checks"));
        assertTrue(result.text().contains("oracle: " + result.oracleChecks() + " checks, 0 violations"));
        assertTrue(result.text().endsWith("PASS\n"));
    }

    private static JsonObject runJson(String text, String policy) throws Exception {
        RunResult result = ScenarioRunner.run(ScenarioParser.parse("json.scn", text), PolicyResolver.resolve("policy", policy));
        return (JsonObject) JsonReader.parse(JsonWriter.write(result.toJson()));
    }

    private static String string(JsonObject o, String key) {
        return ((JsonString) o.members().get(key)).value();
    }

    private static long number(JsonObject o, String key) {
        JsonValue v = o.members().get(key);
        assertTrue(v instanceof JsonNumber, () -> key + " is a number in " + o);
        BigDecimal d = ((JsonNumber) v).value();
        return d.longValueExact();
    }
}

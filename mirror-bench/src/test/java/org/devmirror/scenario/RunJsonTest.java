package org.devmirror.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.device.cost.CostComponent;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.cost.DeviceTime;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.json.Json;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.run.RunResult;
import org.devmirror.scenario.run.ScenarioRunner;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

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
        JsonNode json = runJson(MPROTECT, "aware");
        assertEquals("event-aware", string(json, "policy"));

        // 2. One step per operation, with line, space, operation, result, faults, pages.
        JsonNode steps = json.get("steps");
        assertEquals(4, steps.size());
        JsonNode write = steps.get(1);
        assertEquals(4, number(write, "line"));
        assertEquals("main", string(write, "space"));
        assertEquals("OK", string(write, "result"));
        assertEquals(1, number(write, "faults"));
        assertEquals(16, number(write, "pages"));
        // the mprotect step lists its invalidation and the device's reaction: a downgrade in place
        JsonNode mprotect = steps.get(2);
        JsonNode inv = mprotect.get("invalidations").get(0);
        assertEquals("PROTECTION_VMA", string(inv, "event"));
        JsonNode gpuReaction = mprotect.get("devices").get("gpu");
        assertEquals(16, number(gpuReaction, "ptesDowngraded"));
        assertEquals(0, number(gpuReaction, "ptesZapped"));
        // the snapshot step carries its bytes by name
        JsonNode snapshot = steps.get(3);
        assertEquals(Json.strings(List.of("READ", "READ")), snapshot.get("snapshot"));

        // 3. Expectations: the wrong cpages is the one failure, with its line.
        JsonNode ex = json.get("expectations");
        assertEquals(6, number(ex, "passed")); // the two "-> OK" suffixes count as expectations
        assertEquals(1, number(ex, "failed"));
        JsonNode failure = ex.get("failures").get(0);
        assertEquals(10, number(failure, "line"));
        assertEquals("cpages: expected 15, got 2", string(failure, "message"));

        // 4. Events count every event type; devices carry the statistics; the oracle looked.
        JsonNode events = json.get("events");
        assertEquals(8, events.size());
        assertEquals(1, number(events, "PROTECTION_VMA"));
        assertEquals(0, number(events, "UNMAP"));
        JsonNode gpu = json.get("devices").get("gpu");
        assertEquals(1, number(gpu, "deviceFaults"));
        assertEquals(16, number(gpu, "ptesDowngraded"));
        JsonNode oracle = json.get("oracle");
        assertTrue(number(oracle, "checks") > 0);
        assertEquals(0, number(oracle, "violations"));
        assertTrue(json.get("passed").isBoolean());
        assertFalse(json.get("passed").booleanValue());
    }

    @Test
    void theBlindPolicyZapsWhereTheAwareOneDowngrades() throws Exception {
        JsonNode json = runJson(MPROTECT, "blind");
        assertEquals("blind", string(json, "policy"));
        JsonNode gpu = json.get("devices").get("gpu");
        assertEquals(16, number(gpu, "ptesZapped"));
        assertEquals(0, number(gpu, "ptesDowngraded"));
        // the snapshot only looks (hmm_range_fault without HMM_PFN_REQ_FAULT): no second device fault
        assertEquals(1, number(gpu, "deviceFaults"));
        JsonNode perEvent = gpu.get("perEvent").get("PROTECTION_VMA");
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
        JsonNode json = Json.parse(Json.write(result.toJson()), "json.scn");
        assertTrue(json.get("passed").booleanValue());
        assertEquals(result.oracleChecks(), number(json.get("oracle"), "checks"));
        assertTrue(result.text().contains("oracle: " + result.oracleChecks() + " checks, 0 violations"));
        assertTrue(result.text().endsWith("PASS\n"));
    }

    /**
     * Modelled device time: the device's counts priced by the profile asked for, in the JSON and
     * the text; the MPROTECT scenario's one fault of 16 pages, the downgrade and re-read of 16 PTEs
     * and its TLB flush, at the xe-4k figures.
     */
    @Test
    void deviceTimeIsTheDevicesCountsPricedByTheProfile() throws Exception {
        RunResult result = ScenarioRunner.run(
                ScenarioParser.parse("json.scn", MPROTECT), PolicyResolver.resolve("policy", "aware"));
        for (CostProfile profile : CostProfile.NAMED) {
            JsonNode json = Json.parse(Json.write(result.toJson(profile)), "json.scn");
            DeviceTime expected = profile.price(result.devices().get("gpu").counts());
            JsonNode gpuTime = json.get("devices").get("gpu").get("deviceTime");
            assertEquals(profile.name(), string(gpuTime, "profile"));
            assertEquals(expected.totalNs(), gpuTime.get("totalNs").doubleValue(), 0.001);
            for (CostComponent c : CostComponent.values()) {
                assertEquals(expected.ns(c), gpuTime.get("ns").get(c.label()).doubleValue(), 0.001, c.label());
            }
            assertEquals(
                    expected.totalNs(), json.get("deviceTime").get("totalNs").doubleValue(), 0.001); // one device
            assertTrue(
                    result.text(profile)
                            .contains("modelled device time (" + profile.name() + "): " + expected.format()),
                    result.text(profile));
        }
        CostProfile xe = CostProfile.XE_4K;
        // fault 5 us, walk 16 PTEs faulted and 16 re-read, bind 1 range and 16 PTEs, downgrade 16 PTEs, 1 flush of 10
        // us
        assertEquals(16, result.devices().get("gpu").totalReread());
        assertEquals(
                5_000 + 32 * xe.walkNsPerPte() + xe.bindNsPerRange() + 32 * xe.pteWriteNs() + 10_000,
                xe.price(result.devices().get("gpu").counts()).totalNs(),
                1e-6);
    }

    private static JsonNode runJson(String text, String policy) throws Exception {
        RunResult result =
                ScenarioRunner.run(ScenarioParser.parse("json.scn", text), PolicyResolver.resolve("policy", policy));
        return Json.parse(Json.write(result.toJson()), "json.scn");
    }

    private static String string(JsonNode o, String key) {
        assertTrue(o.get(key).isString(), () -> key + " is a string in " + o);
        return o.get(key).stringValue();
    }

    private static long number(JsonNode o, String key) {
        JsonNode v = o.get(key);
        assertTrue(v.isIntegralNumber(), () -> key + " is an integer in " + o);
        return v.longValue();
    }
}

package org.devmirror.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.cost.TlbBatching;
import org.devmirror.input.InputFileException;
import org.devmirror.json.Json;
import org.devmirror.json.JsonInputException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** Cost profile files: every named profile survives the round trip, and every bad file is refused by member and reason. */
class CostProfileFileTest {
    @Test
    void everyNamedProfileRoundTrips() throws JsonInputException {
        for (CostProfile p : CostProfile.NAMED) {
            assertEquals(p, CostProfileFile.parse(Json.write(CostProfileFile.toJson(p)), "x.json"));
        }
    }

    @Test
    void namesResolveToTheNamedProfileAndFilesAreRead() throws Exception {
        assertSame(CostProfile.PCIE4_DGPU, CostProfileFile.resolve("--cost-profile", "pcie4-dgpu"));
        CostProfile example = CostProfileFile.resolve("--cost-profile", "../examples/cost/slow-tlb.json");
        assertEquals("slow-tlb", example.name());
        assertEquals(50_000, example.tlbInvalidationNs());
        assertEquals(TlbBatching.OVERLAPPED, example.tlbBatching());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> CostProfileFile.resolve("--cost-profile", "no-such-device"));
        assertEquals(
                "--cost-profile no-such-device is neither a named profile (" + CostProfile.names()
                        + ") nor an existing file",
                e.getMessage());
    }

    @Test
    void unknownMemberIsRefused() {
        ObjectNode o = CostProfileFile.toJson(CostProfile.XE_4K);
        o.set("tlbNs", Json.number(1));
        assertEquals(
                "p.json: $.tlbNs: unknown member; a profile has exactly name, basis, faultNs,",
                error(o).substring(
                                0,
                                "p.json: $.tlbNs: unknown member; a profile has exactly name, basis, faultNs,"
                                        .length()));
    }

    @Test
    void missingMemberIsRefused() {
        ObjectNode o = CostProfileFile.toJson(CostProfile.XE_4K);
        o.remove("queueRestoreNs");
        assertEquals("p.json: $: missing member \"queueRestoreNs\"", error(o));
    }

    @Test
    void negativeNonFiniteAndMistypedValuesAreRefused() {
        ObjectNode o = CostProfileFile.toJson(CostProfile.XE_4K);
        o.set("faultNs", Json.number(-1));
        assertEquals("p.json: $.faultNs: must be non-negative, found -1", error(o));
        assertEquals(
                "p.json: $.walkNsPerPte: must be finite, found 1" + "0".repeat(400),
                error(Json.write(CostProfileFile.toJson(CostProfile.XE_4K))
                        .replaceFirst("\"walkNsPerPte\": [0-9.]+", "\"walkNsPerPte\": 1e400")));
        o = CostProfileFile.toJson(CostProfile.XE_4K);
        o.set("gts", Json.number(1.5));
        assertEquals("p.json: $.gts: expected an integer within the long range, found 1.5", error(o));
        o.set("gts", Json.number(0));
        assertEquals("p.json: $.gts: must be a whole number from 1 to 2147483647, found 0", error(o));
        o = CostProfileFile.toJson(CostProfile.XE_4K);
        o.set("tlbBatching", Json.string("parallel"));
        assertEquals("p.json: $.tlbBatching: \"parallel\" is not overlapped or serial", error(o));
        o = CostProfileFile.toJson(CostProfile.XE_4K);
        o.set("copyToSystemGBps", Json.number(0));
        assertEquals("p.json: $: copyToSystemGBps=0.0 must be finite and positive", error(o));
        o = CostProfileFile.toJson(CostProfile.XE_4K);
        o.set("faultNs", Json.string("5 us"));
        assertEquals("p.json: $.faultNs: expected a number, found string", error(o));
        assertEquals("p.json:1:1: no JSON value (empty input)", error(""));
    }

    @Test
    void unreadableFileNamesIt() {
        Exception e = assertThrows(InputFileException.class, () -> CostProfileFile.read(Path.of("../examples/cost")));
        assertEquals("cannot read ../examples/cost: it is a directory", e.getMessage());
    }

    private static String error(ObjectNode o) {
        return error(Json.write(o));
    }

    private static String error(String text) {
        return assertThrows(JsonInputException.class, () -> CostProfileFile.parse(text, "p.json"))
                .getMessage();
    }
}

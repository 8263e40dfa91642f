package org.devmirror.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * devmirror's Jackson configuration reads strict RFC 8259 text, rejects everything else with its
 * source, line and column, and writes a stable, diff-friendly text.
 */
class JsonTest {

    @Test
    void parsesEveryValueTypeInDocumentOrder() throws Exception {
        JsonNode v = Json.parse(
                " {\"s\": \"a\\\"b\\u00e9\\ud83d\\ude00\", \"n\": -1.5e2, \"i\": 12345678901234567890,"
                        + " \"t\": true, \"f\": false, \"z\": null, \"a\": [1, [], {}]}\n",
                "test");

        assertEquals(
                List.of("s", "n", "i", "t", "f", "z", "a"), List.copyOf(v.propertyNames()), "document order is kept");
        assertEquals("a\"b\u00e9\uD83D\uDE00", v.get("s").stringValue());
        assertEquals(0, new BigDecimal("-150").compareTo(v.get("n").decimalValue()));
        assertEquals(
                new BigDecimal("12345678901234567890"),
                v.get("i").decimalValue(),
                "integers beyond long survive exactly");
        assertTrue(v.get("t").booleanValue());
        assertTrue(v.get("z").isNull());
        assertEquals(3, v.get("a").size());
    }

    @Test
    void writerOutputIsStableAndReadsBackEqual() throws Exception {
        JsonNode v = Json.parse("{\"b\": [1, 2.5, \"x\\n\"], \"a\": {\"c\": null, \"d\": []}, \"e\": {}}", "test");

        String written = Json.write(v);

        assertEquals(v, Json.parse(written, "test"));
        assertEquals(written, Json.write(Json.parse(written, "test")), "writing is a fixed point");
        assertEquals("""
                {
                  "b": [
                    1,
                    2.5,
                    "x\\n"
                  ],
                  "a": {
                    "c": null,
                    "d": []
                  },
                  "e": {}
                }
                """, written);
    }

    @Test
    void numbersPrintInShortestPlainForm() {
        assertEquals("2\n", Json.write(Json.number(2.0)));
        assertEquals("0.5\n", Json.write(Json.number(0.5)));
        assertEquals("100\n", Json.write(Json.number(100.0)));
        assertEquals("0.00001\n", Json.write(Json.number(1e-5)));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("trailing comma in array", "[1, 2,]", 7),
                Arguments.of("trailing comma in object", "{\"a\": 1,}", 9),
                Arguments.of("leading zero", "[01]", 3),
                Arguments.of("bare decimal point", "[1.]", 3),
                Arguments.of("NaN literal", "[NaN]", 5),
                Arguments.of("single quotes", "['a']", 2),
                Arguments.of("missing colon", "{\"a\" 1}", 6),
                Arguments.of("duplicate member", "{\"a\": 1, \"a\": 2}", 13),
                Arguments.of("content after value", "{} {}", 4),
                Arguments.of("bad escape", "[\"\\x\"]", 4),
                Arguments.of("comment", "[1 /* x */]", 4),
                Arguments.of("misspelt literal", "[tru]", 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformedTextWithItsPosition(String name, String text, int column) {
        JsonInputException e = assertThrows(JsonInputException.class, () -> Json.parse(text, "f.json"));

        assertEquals(1, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
        assertEquals("f.json:1:" + column + ": " + e.problem(), e.getMessage());
        assertNull(e.path());
    }

    @Test
    void duplicateMemberIsNamed() {
        JsonInputException e =
                assertThrows(JsonInputException.class, () -> Json.parse("{\n  \"a\": 1,\n  \"a\": 2\n}", "f.json"));

        assertEquals(3, e.line());
        assertTrue(e.problem().contains("Duplicate Object property \"a\""), e.getMessage());
    }

    @Test
    void positionCountsLines() {
        // The error is on the third line, after two spaces.
        JsonInputException e = assertThrows(JsonInputException.class, () -> Json.parse("[\n1,\n  x]", "f.json"));

        assertEquals(3, e.line());
        assertEquals(3, e.column(), e.getMessage());
    }

    @Test
    void emptyInputAndControlCharactersAreRejected() {
        JsonInputException empty = assertThrows(JsonInputException.class, () -> Json.parse(" ", "f.json"));
        assertEquals("f.json:1:1: no JSON value (empty input)", empty.getMessage());
        JsonInputException e = assertThrows(JsonInputException.class, () -> Json.parse("[\"a\tb\"]", "f.json"));
        assertTrue(e.problem().contains("CTRL-CHAR"), e.getMessage());
    }

    @Test
    void excessiveNestingIsRejected() {
        String deep = "[".repeat(Json.MAX_NESTING_DEPTH + 1) + "]".repeat(Json.MAX_NESTING_DEPTH + 1);

        JsonInputException e = assertThrows(JsonInputException.class, () -> Json.parse(deep, "f.json"));

        assertTrue(e.problem().contains("exceeds the maximum allowed (" + Json.MAX_NESTING_DEPTH), e.getMessage());
        assertEquals(1, e.line());
    }

    @Test
    void nestingUpToTheLimitIsAccepted() throws Exception {
        String deep = "[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH);

        assertTrue(Json.parse(deep, "f.json").isArray());
    }

    @Test
    void writerRejectsNonFiniteNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.number(Double.NaN));

        assertEquals("value=NaN has no JSON representation", e.getMessage());
    }

    @Test
    void fieldReportsTypeMismatchWithPath() throws Exception {
        JsonField root = JsonField.root("{\"a\": [1, 2.5]}", "f.json");

        JsonInputException e = assertThrows(
                JsonInputException.class,
                () -> root.field("a").elements().get(1).asLong());

        assertEquals("f.json: $.a[1]: expected an integer within the long range, found 2.5", e.getMessage());
        assertEquals("$.a[1]", e.path());
        assertEquals(1, root.field("a").elements().get(0).asLong());
    }

    @Test
    void missingMemberIsNamed() throws Exception {
        JsonField root = JsonField.root("{\"a\": {}}", "f.json");

        JsonInputException e =
                assertThrows(JsonInputException.class, () -> root.field("a").field("b"));

        assertEquals("f.json: $.a: missing member \"b\"", e.getMessage());
    }
}

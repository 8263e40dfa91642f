package org.devmirror.bench.report.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The strict JSON reader accepts RFC 8259 text and rejects everything else with its position. */
class JsonReaderTest {

    @Test
    void parsesEveryValueType() throws Exception {
        JsonValue v = JsonReader.parse(" {\"s\": \"a\\\"b\\u00e9\\ud83d\\ude00\", \"n\": -1.5e2, \"i\": 12345678901234567890,"
                + " \"t\": true, \"f\": false, \"z\": null, \"a\": [1, [], {}]}\n");

        Map<String, JsonValue> m = ((JsonValue.JsonObject) v).members();
        assertEquals(List.of("s", "n", "i", "t", "f", "z", "a"), List.copyOf(m.keySet()), "document order is kept");
        assertEquals(new JsonValue.JsonString("a\"b\u00e9\uD83D\uDE00"), m.get("s"));
        assertEquals(new JsonValue.JsonNumber(new BigDecimal("-1.5e2")), m.get("n"));
        assertEquals(new BigDecimal("12345678901234567890"), ((JsonValue.JsonNumber) m.get("i")).value(),
                "integers beyond long survive exactly");
        assertEquals(new JsonValue.JsonBoolean(true), m.get("t"));
        assertEquals(new JsonValue.JsonBoolean(false), m.get("f"));
        assertEquals(JsonValue.JsonNull.INSTANCE, m.get("z"));
        assertEquals(3, ((JsonValue.JsonArray) m.get("a")).elements().size());
    }

    @Test
    void writerOutputReadsBackEqual() throws Exception {
        String text = "{\"b\": [1, 2.5, \"x\\n\\u0001\"], \"a\": {\"c\": null, \"d\": []}, \"e\": {}}";
        JsonValue v = JsonReader.parse(text);

        String written = JsonWriter.write(v);

        assertEquals(v, JsonReader.parse(written));
        assertEquals(written, JsonWriter.write(JsonReader.parse(written)), "writing is a fixed point");
        assertEquals("""
                {
                  "b": [
                    1,
                    2.5,
                    "x\\n\\u0001"
                  ],
                  "a": {
                    "c": null,
                    "d": []
                  },
                  "e": {}
                }
                """, written);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("trailing comma in array", "[1, 2,]", 7, "unexpected ']', expected a value"),
                Arguments.of("trailing comma in object", "{\"a\": 1,}", 9,
                        "expected a member name in double quotes, found '}'"),
                Arguments.of("leading zero", "[01]", 3, "leading zero in number"),
                Arguments.of("bare decimal point", "[1.]", 4, "expected a digit after the decimal point, found ']'"),
                Arguments.of("NaN literal", "[NaN]", 2, "unexpected 'N', expected a value"),
                Arguments.of("single quotes", "['a']", 2, "unexpected ''', expected a value"),
                Arguments.of("missing colon", "{\"a\" 1}", 6, "expected ':' after member name \"a\", found '1'"),
                Arguments.of("duplicate member", "{\"a\": 1, \"a\": 2}", 10, "duplicate member name \"a\""),
                Arguments.of("content after value", "{} {}", 4, "unexpected '{' after the end of the JSON value"),
                Arguments.of("empty input", "", 1, "unexpected end of input, expected a value"),
                Arguments.of("bad escape", "[\"\\x\"]", 4, "invalid escape '\\x'"),
                Arguments.of("lone low surrogate", "[\"\\udc00\"]", 3,
                        "low surrogate \\uDC00 without a preceding high surrogate"),
                Arguments.of("unpaired high surrogate", "[\"\\ud83d\"]", 3,
                        "high surrogate \\uD83D not followed by a low surrogate escape"),
                Arguments.of("comment", "[1 /* x */]", 4, "expected ',' or ']' in array, found '/'"),
                Arguments.of("misspelt literal", "[tru]", 2, "unexpected 't', expected a value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformedTextWithItsPosition(String name, String text, int column, String problem) {
        JsonParseException e = assertThrows(JsonParseException.class, () -> JsonReader.parse(text));

        assertEquals(1, e.line());
        assertEquals(column, e.column());
        assertEquals("line 1, column " + column + " (offset " + (column - 1) + "): " + problem, e.getMessage());
    }

    @Test
    void positionCountsLines() {
        // The error is on the third line, after two spaces.
        JsonParseException e = assertThrows(JsonParseException.class, () -> JsonReader.parse("[\n1,\n  x]"));

        assertEquals(3, e.line());
        assertEquals(3, e.column());
        assertEquals(7, e.offset());
    }

    @Test
    void rawControlCharacterInStringIsRejected() {
        JsonParseException e = assertThrows(JsonParseException.class, () -> JsonReader.parse("[\"a\tb\"]"));

        assertEquals("line 1, column 4 (offset 3): unescaped control character U+0009 in string", e.getMessage());
    }

    @Test
    void unterminatedStringNamesWhereItOpened() {
        JsonParseException e = assertThrows(JsonParseException.class, () -> JsonReader.parse("{\n \"abc"));

        assertEquals("line 2, column 6 (offset 7): unterminated string opened at line 2, column 2", e.getMessage());
    }

    @Test
    void excessiveNestingIsRejected() {
        String deep = "[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1);

        JsonParseException e = assertThrows(JsonParseException.class, () -> JsonReader.parse(deep));

        assertEquals("nesting deeper than " + JsonReader.MAX_DEPTH + " levels",
                e.getMessage().substring(e.getMessage().indexOf("): ") + 3));
    }

    @Test
    void writerRejectsNonFiniteNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonValue.JsonNumber.of(Double.NaN));

        assertEquals("value=NaN has no JSON representation", e.getMessage());
    }

    @Test
    void cursorReportsTypeMismatchWithPath() throws Exception {
        JsonCursor root = JsonCursor.root(JsonReader.parse("{\"a\": [1, 2.5]}"));

        JsonShapeException e = assertThrows(JsonShapeException.class,
                () -> root.field("a").elements().get(1).asLong());

        assertEquals("$.a[1]: expected an integer within the long range, found 2.5", e.getMessage());
        assertEquals(1, root.field("a").elements().get(0).asLong());
    }
}

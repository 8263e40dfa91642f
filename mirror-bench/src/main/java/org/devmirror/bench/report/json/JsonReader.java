package org.devmirror.bench.report.json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON parser. It accepts exactly one value surrounded by optional whitespace
 * and rejects everything the RFC does not allow: comments, trailing commas, single quotes, leading
 * zeros, {@code NaN}, unescaped control characters, lone surrogate escapes, duplicate object
 * member names, and anything after the value. Every rejection names the line and column.
 *
 * <p>Nesting deeper than {@link #MAX_DEPTH} is rejected rather than risking a stack overflow on
 * hostile input.
 */
public final class JsonReader {
    /** Deepest nesting of arrays and objects accepted; JMH results nest four levels. */
    public static final int MAX_DEPTH = 256;

    private final String text;
    private int pos; // index of the next unread character

    private JsonReader(String text) {
        this.text = text;
    }

    /** Parses {@code text} as one JSON value. */
    public static JsonValue parse(String text) throws JsonParseException {
        if (text == null) {
            throw new IllegalArgumentException("text=null; nothing to parse");
        }
        JsonReader reader = new JsonReader(text);
        reader.skipWhitespace();
        JsonValue value = reader.readValue(0);
        reader.skipWhitespace();
        if (reader.pos < text.length()) {
            throw reader.error("unexpected " + reader.describe(reader.pos) + " after the end of the JSON value");
        }
        return value;
    }

    private JsonValue readValue(int depth) throws JsonParseException {
        if (pos >= text.length()) {
            throw error("unexpected end of input, expected a value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> readObject(depth + 1);
            case '[' -> readArray(depth + 1);
            case '"' -> new JsonValue.JsonString(readString());
            case 't' -> readLiteral("true", new JsonValue.JsonBoolean(true));
            case 'f' -> readLiteral("false", new JsonValue.JsonBoolean(false));
            case 'n' -> readLiteral("null", JsonValue.JsonNull.INSTANCE);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield readNumber();
                }
                throw error("unexpected " + describe(pos) + ", expected a value");
            }
        };
    }

    private JsonValue readObject(int depth) throws JsonParseException {
        checkDepth(depth);
        int open = pos;
        pos++; // '{'
        Map<String, JsonValue> members = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return new JsonValue.JsonObject(members);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a member name in double quotes, found " + describe(pos));
            }
            int nameAt = pos;
            String name = readString();
            if (members.containsKey(name)) {
                throw errorAt(nameAt, "duplicate member name \"" + name + "\"");
            }
            skipWhitespace();
            expect(':', "after member name \"" + name + "\"");
            skipWhitespace();
            members.put(name, readValue(depth));
            skipWhitespace();
            if (pos >= text.length()) {
                throw error("unexpected end of input in the object opened at " + where(open));
            }
            char c = text.charAt(pos++);
            if (c == '}') {
                return new JsonValue.JsonObject(members);
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' in object, found " + describe(pos));
            }
        }
    }

    private JsonValue readArray(int depth) throws JsonParseException {
        checkDepth(depth);
        int open = pos;
        pos++; // '['
        List<JsonValue> elements = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return new JsonValue.JsonArray(elements);
        }
        while (true) {
            skipWhitespace();
            elements.add(readValue(depth));
            skipWhitespace();
            if (pos >= text.length()) {
                throw error("unexpected end of input in the array opened at " + where(open));
            }
            char c = text.charAt(pos++);
            if (c == ']') {
                return new JsonValue.JsonArray(elements);
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' in array, found " + describe(pos));
            }
        }
    }

    private String readString() throws JsonParseException {
        int open = pos;
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string opened at " + where(open));
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in string");
            }
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            pos++; // backslash
            if (pos >= text.length()) {
                throw error("unterminated escape sequence");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(readUnicodeEscape());
                default -> {
                    pos--;
                    throw error("invalid escape '\\" + e + "'");
                }
            }
        }
    }

    /** Reads the four hex digits after {@code \\u}, pairing surrogates as RFC 8259 section 7 asks. */
    private char[] readUnicodeEscape() throws JsonParseException {
        int escapeAt = pos - 2;
        char first = (char) readHex4();
        if (Character.isLowSurrogate(first)) {
            throw errorAt(escapeAt, "low surrogate \\u" + hex(first) + " without a preceding high surrogate");
        }
        if (!Character.isHighSurrogate(first)) {
            return new char[] {first};
        }
        if (!text.startsWith("\\u", pos)) {
            throw errorAt(escapeAt, "high surrogate \\u" + hex(first) + " not followed by a low surrogate escape");
        }
        pos += 2;
        char second = (char) readHex4();
        if (!Character.isLowSurrogate(second)) {
            throw errorAt(escapeAt, "high surrogate \\u" + hex(first) + " followed by \\u" + hex(second)
                    + ", which is not a low surrogate");
        }
        return new char[] {first, second};
    }

    private int readHex4() throws JsonParseException {
        if (pos + 4 > text.length()) {
            throw error("truncated \\u escape, expected four hex digits");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos), 16);
            if (d < 0) {
                throw error("expected a hex digit in \\u escape, found " + describe(pos));
            }
            v = (v << 4) | d;
            pos++;
        }
        return v;
    }

    /** RFC 8259 section 6: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}. */
    private JsonValue readNumber() throws JsonParseException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("leading zero in number");
            }
        } else if (isDigit(peek())) {
            skipDigits();
        } else {
            throw error("expected a digit in number, found " + describe(pos));
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw error("expected a digit after the decimal point, found " + describe(pos));
            }
            skipDigits();
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("expected a digit in exponent, found " + describe(pos));
            }
            skipDigits();
        }
        try {
            return new JsonValue.JsonNumber(new BigDecimal(text.substring(start, pos)));
        } catch (NumberFormatException | ArithmeticException e) {
            throw errorAt(start, "number " + text.substring(start, pos) + " is out of range");
        }
    }

    private JsonValue readLiteral(String literal, JsonValue value) throws JsonParseException {
        if (!text.startsWith(literal, pos)) {
            throw error("unexpected " + describe(pos) + ", expected a value");
        }
        pos += literal.length();
        return value;
    }

    private void expect(char c, String context) throws JsonParseException {
        if (peek() != c) {
            throw error("expected '" + c + "' " + context + ", found " + describe(pos));
        }
        pos++;
    }

    private void checkDepth(int depth) throws JsonParseException {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private void skipDigits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    /** The next character, or {@code 0xFFFF} at the end (never a JSON structural character). */
    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\uFFFF';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private String describe(int at) {
        if (at >= text.length()) {
            return "end of input";
        }
        char c = text.charAt(at);
        return c < 0x20 || c == 0x7F ? "character U+" + String.format("%04X", (int) c) : "'" + c + "'";
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
    }

    private String where(int at) {
        int[] lc = lineAndColumn(at);
        return "line " + lc[0] + ", column " + lc[1];
    }

    private JsonParseException error(String problem) {
        return errorAt(pos, problem);
    }

    private JsonParseException errorAt(int at, String problem) {
        int[] lc = lineAndColumn(at);
        return new JsonParseException(problem, lc[0], lc[1], at);
    }

    private int[] lineAndColumn(int at) {
        int line = 1;
        int lineStart = 0;
        int end = Math.min(at, text.length());
        for (int i = 0; i < end; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new int[] {line, at - lineStart + 1};
    }
}

package org.devmirror.bench.report.json;

import java.util.Iterator;
import java.util.Map;

/**
 * Prints a {@link JsonValue} as pretty JSON: two-space indentation, one member or element per
 * line, members in the object's own order, and a final newline. The output is a pure function of
 * the value, so a file written twice from the same data is byte-identical (version control shows
 * only real changes). Numbers are printed in plain decimal without an exponent.
 */
public final class JsonWriter {
    private static final String INDENT = "  ";

    private JsonWriter() {}

    /** The pretty-printed text of {@code value}, ending with a newline. */
    public static String write(JsonValue value) {
        StringBuilder out = new StringBuilder();
        write(value, 0, out);
        out.append('\n');
        return out.toString();
    }

    private static void write(JsonValue value, int depth, StringBuilder out) {
        switch (value) {
            case JsonValue.JsonObject o -> writeObject(o.members(), depth, out);
            case JsonValue.JsonArray a -> {
                if (a.elements().isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append("[\n");
                Iterator<JsonValue> it = a.elements().iterator();
                while (it.hasNext()) {
                    indent(depth + 1, out);
                    write(it.next(), depth + 1, out);
                    out.append(it.hasNext() ? ",\n" : "\n");
                }
                indent(depth, out);
                out.append(']');
            }
            case JsonValue.JsonString s -> quote(s.value(), out);
            case JsonValue.JsonNumber n -> out.append(n.value().stripTrailingZeros().toPlainString());
            case JsonValue.JsonBoolean b -> out.append(b.value());
            case JsonValue.JsonNull n -> out.append("null");
        }
    }

    private static void writeObject(Map<String, JsonValue> members, int depth, StringBuilder out) {
        if (members.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append("{\n");
        Iterator<Map.Entry<String, JsonValue>> it = members.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonValue> member = it.next();
            indent(depth + 1, out);
            quote(member.getKey(), out);
            out.append(": ");
            write(member.getValue(), depth + 1, out);
            out.append(it.hasNext() ? ",\n" : "\n");
        }
        indent(depth, out);
        out.append('}');
    }

    private static void indent(int depth, StringBuilder out) {
        out.append(INDENT.repeat(depth));
    }

    /** RFC 8259 section 7: quote, backslash and control characters must be escaped. */
    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}

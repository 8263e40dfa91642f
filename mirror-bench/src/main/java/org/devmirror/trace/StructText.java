package org.devmirror.trace;

import java.util.HashMap;
import java.util.Map;
import org.devmirror.trace.CallText.Rejected;

/**
 * Reads a struct as strace prints an ioctl argument, {@code {a=1, b={c=0x2, d=NAME|NAME}} =>
 * {e=3}} or {@code {a=1 => a=2}}, into its fields: {@code a}, {@code b.c}, {@code b.d}, each with its value text (comments
 * such as {@code /* UFFD_FEATURE_??? *}{@code /} removed). Only the part before {@code =>} (what the
 * call was given) is read.
 */
final class StructText {
    private StructText() {}

    static Map<String, String> fields(CallText call, String arg) throws Rejected {
        String given = arg.replaceAll("/\\*.*?\\*/", "");
        int out = arrow(given);
        if (out >= 0) {
            // "{in => out}" (the arrow inside the struct) or "{in} => {out}" (after it)
            given = given.substring(0, out).strip();
            if (!given.endsWith("}")) {
                given = given + "}";
            }
        }
        Map<String, String> fields = new HashMap<>();
        parse(call, given.strip(), "", fields);
        return fields;
    }

    // strace writes "{in => out}" or "{in} => {out}" for in/out structs: the arrow at depth 1 or 0
    private static int arrow(String text) {
        int depth = 0;
        for (int i = 0; i < text.length() - 1; i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == '=' && text.charAt(i + 1) == '>' && depth <= 1) {
                return i;
            }
        }
        return -1;
    }

    private static void parse(CallText call, String struct, String prefix, Map<String, String> out) throws Rejected {
        if (!struct.startsWith("{") || !struct.endsWith("}")) {
            throw new Rejected(SkipReason.MALFORMED, call.name + ": not a struct: " + struct);
        }
        String body = struct.substring(1, struct.length() - 1);
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= body.length(); i++) {
            char c = i < body.length() ? body.charAt(i) : ',';
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                field(call, body.substring(start, i).strip(), prefix, out);
                start = i + 1;
            }
        }
    }

    private static void field(CallText call, String field, String prefix, Map<String, String> out) throws Rejected {
        if (field.isEmpty() || field.equals("...")) {
            return;
        }
        int eq = field.indexOf('=');
        if (eq <= 0) {
            throw new Rejected(SkipReason.MALFORMED, call.name + ": not a field: " + field);
        }
        String name = prefix + field.substring(0, eq).strip();
        String value = field.substring(eq + 1).strip();
        if (value.startsWith("{")) {
            parse(call, value, name + ".", out);
        } else {
            out.put(name, value);
        }
    }
}

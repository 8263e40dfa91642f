package org.devmirror.input;

/**
 * Makes text that came from a user's input safe to print in a one-line error: control
 * characters and invisible format characters (a byte-order mark, a zero-width space) are shown
 * as escapes, so nothing the input holds can move the terminal's cursor, ring its bell or hide in
 * a quoted token; and a long token is cut with an ellipsis and its length.
 */
public final class TerminalText {
    /** Characters of a token shown before the ellipsis. */
    public static final int TOKEN_SHOWN = 40;

    private TerminalText() {}

    /** {@code text} with every control and format character escaped ({@code \t}, {@code \x1b}, {@code \u200b}). */
    public static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escaped = escaped(c);
            if (escaped != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                out.append(escaped != null ? escaped : String.valueOf(c));
            }
        }
        return out == null ? text : out.toString();
    }

    /**
     * A token as an error quotes it: escaped, and when longer than {@link #TOKEN_SHOWN}
     * characters, its start, an ellipsis and its length ({@code aaaa... (1000000 characters)}).
     */
    public static String token(String token) {
        if (token.length() <= TOKEN_SHOWN) {
            return escape(token);
        }
        return escape(token.substring(0, TOKEN_SHOWN)) + "\u2026 (" + token.length() + " characters)";
    }

    private static String escaped(char c) {
        return switch (c) {
            case '\t' -> "\\t";
            case '\r' -> "\\r";
            case '\n' -> "\\n";
            default -> {
                int type = Character.getType(c);
                if (type == Character.CONTROL) {
                    yield String.format("\\x%02x", (int) c);
                }
                if (type == Character.FORMAT
                        || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR) {
                    yield String.format("\\u%04x", (int) c);
                }
                yield null;
            }
        };
    }
}

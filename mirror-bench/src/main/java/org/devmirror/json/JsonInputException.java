package org.devmirror.json;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamLocation;

/**
 * JSON input that cannot be used, located for the person who has to fix it: malformed text by
 * {@code source:line:column} (both from 1), and well-formed JSON of the wrong shape (a missing
 * member, a string where a number belongs) by {@code source: $path}, where the path is
 * {@code $} for the document, then {@code .member} and {@code [index]}.
 */
public final class JsonInputException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;
    private final String path;
    private final String problem;

    private JsonInputException(String source, int line, int column, String path, String problem, Throwable cause) {
        super(
                source + (line > 0 ? ":" + line + ":" + column : "") + (path != null ? ": " + path : "") + ": "
                        + problem,
                cause);
        this.source = source;
        this.line = line;
        this.column = column;
        this.path = path;
        this.problem = problem;
    }

    /** Malformed text, at the location Jackson reports. */
    static JsonInputException of(String source, JacksonException e) {
        TokenStreamLocation at = e.getLocation();
        if (at == null && e.processor() instanceof JsonParser p) {
            at = p.currentLocation(); // a broken limit (nesting depth) carries no location of its own
        }
        int line = at == null ? 1 : Math.max(1, at.getLineNr());
        int column = at == null ? 1 : Math.max(1, at.getColumnNr());
        return new JsonInputException(source, line, column, null, withoutSourceMarker(e.getOriginalMessage()), e);
    }

    /** Empty input: Jackson reads it as no value at all rather than failing. */
    static JsonInputException empty(String source) {
        return new JsonInputException(source, 1, 1, null, "no JSON value (empty input)", null);
    }

    /**
     * Jackson names the source inside some messages ({@code [Source: REDACTED ...; byte offset:
     * #UNKNOWN]}, since the source text is deliberately left out); the message already starts
     * with the source, so that part goes.
     */
    private static String withoutSourceMarker(String message) {
        return message.replaceAll(" \\(start marker at \\[Source: REDACTED[^\\]]*#UNKNOWN\\]\\)", "")
                .replaceAll("\\[Source: REDACTED \\([^)]*\\); ", "[");
    }

    /** Well-formed JSON of the wrong shape at {@code path}. */
    static JsonInputException shape(String source, String path, String problem) {
        return new JsonInputException(source, 0, 0, path, problem, null);
    }

    /** The file or description the input came from. */
    public String source() {
        return source;
    }

    /** The line of a syntax error (from 1), or 0 for a shape error. */
    public int line() {
        return line;
    }

    /** The column of a syntax error (from 1), or 0 for a shape error. */
    public int column() {
        return column;
    }

    /** The path of a shape error, such as {@code $[3].primaryMetric.score}, or null for a syntax error. */
    public String path() {
        return path;
    }

    /** What is wrong, without the location. */
    public String problem() {
        return problem;
    }
}

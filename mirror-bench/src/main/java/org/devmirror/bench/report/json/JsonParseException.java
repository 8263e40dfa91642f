package org.devmirror.bench.report.json;

/**
 * Malformed JSON text, located by line, column (both from 1) and character offset (from 0), so
 * a hand-edited baseline file or a truncated JMH result can be fixed where it broke.
 */
public final class JsonParseException extends JsonException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;
    private final int offset;

    public JsonParseException(String problem, int line, int column, int offset) {
        super("line " + line + ", column " + column + " (offset " + offset + "): " + problem);
        this.line = line;
        this.column = column;
        this.offset = offset;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    public int offset() {
        return offset;
    }
}

package org.devmirror.bench.report.json;

/** JSON input that cannot be used: malformed text or the wrong shape. The message says where. */
public abstract sealed class JsonException extends Exception permits JsonParseException, JsonShapeException {
    private static final long serialVersionUID = 1L;

    protected JsonException(String message) {
        super(message);
    }
}

package org.devmirror.bench.report.json;

/**
 * Well-formed JSON that does not have the shape a reader expects (a missing member, a string
 * where a number belongs), located by a path such as {@code $[3].primaryMetric.score}.
 */
public final class JsonShapeException extends JsonException {
    private static final long serialVersionUID = 1L;

    private final String path;

    public JsonShapeException(String path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    /** Where the problem is: {@code $} is the document, then {@code .member} and {@code [index]}. */
    public String path() {
        return path;
    }
}

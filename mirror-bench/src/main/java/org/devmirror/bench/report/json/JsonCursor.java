package org.devmirror.bench.report.json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link JsonValue} together with its path from the document root, so that readers of a
 * particular format (JMH results, the baseline file) report shape errors as
 * {@code $[2].primaryMetric.score: expected a number, found string}.
 */
public record JsonCursor(JsonValue value, String path) {

    /** A cursor at the document root, {@code $}. */
    public static JsonCursor root(JsonValue value) {
        return new JsonCursor(value, "$");
    }

    /** The member {@code name} of this object. */
    public JsonCursor field(String name) throws JsonShapeException {
        return optionalField(name).orElseThrow(
                () -> new JsonShapeException(path, "missing member \"" + name + "\""));
    }

    /** The member {@code name} of this object, or empty when it is absent. */
    public Optional<JsonCursor> optionalField(String name) throws JsonShapeException {
        JsonValue member = asObject().members().get(name);
        return member == null ? Optional.empty() : Optional.of(new JsonCursor(member, path + "." + name));
    }

    /** The members of this object in document order. */
    public Map<String, JsonCursor> members() throws JsonShapeException {
        Map<String, JsonCursor> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonValue> e : asObject().members().entrySet()) {
            out.put(e.getKey(), new JsonCursor(e.getValue(), path + "." + e.getKey()));
        }
        return out;
    }

    /** The elements of this array. */
    public List<JsonCursor> elements() throws JsonShapeException {
        if (!(value instanceof JsonValue.JsonArray array)) {
            throw mismatch("an array");
        }
        List<JsonCursor> out = new ArrayList<>(array.elements().size());
        for (int i = 0; i < array.elements().size(); i++) {
            out.add(new JsonCursor(array.elements().get(i), path + "[" + i + "]"));
        }
        return out;
    }

    public String asString() throws JsonShapeException {
        if (value instanceof JsonValue.JsonString s) {
            return s.value();
        }
        throw mismatch("a string");
    }

    public double asDouble() throws JsonShapeException {
        return asDecimal().doubleValue();
    }

    /** This number as a {@code long}; fails for fractions and values beyond the {@code long} range. */
    public long asLong() throws JsonShapeException {
        BigDecimal d = asDecimal();
        try {
            return d.longValueExact();
        } catch (ArithmeticException e) {
            throw new JsonShapeException(path, "expected an integer within the long range, found " + d.toPlainString());
        }
    }

    public int asInt() throws JsonShapeException {
        long v = asLong();
        if (v != (int) v) {
            throw new JsonShapeException(path, "expected an integer within the int range, found " + v);
        }
        return (int) v;
    }

    public BigDecimal asDecimal() throws JsonShapeException {
        if (value instanceof JsonValue.JsonNumber n) {
            return n.value();
        }
        throw mismatch("a number");
    }

    /** Fails with this cursor's path and {@code problem}. */
    public JsonShapeException error(String problem) {
        return new JsonShapeException(path, problem);
    }

    private JsonValue.JsonObject asObject() throws JsonShapeException {
        if (value instanceof JsonValue.JsonObject o) {
            return o;
        }
        throw mismatch("an object");
    }

    private JsonShapeException mismatch(String expected) {
        return new JsonShapeException(path, "expected " + expected + ", found " + value.typeName());
    }
}

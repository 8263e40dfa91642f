package org.devmirror.bench.report.json;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed JSON value (RFC 8259): the tree {@link JsonReader} builds and {@link JsonWriter}
 * prints. Objects keep their members in document order, so a file read and written again keeps
 * its key order.
 */
public sealed interface JsonValue {

    /** A JSON object; member order is the document order, duplicate names are rejected on read. */
    record JsonObject(Map<String, JsonValue> members) implements JsonValue {
        public JsonObject {
            members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        }
    }

    /** A JSON array. */
    record JsonArray(List<JsonValue> elements) implements JsonValue {
        public JsonArray {
            elements = List.copyOf(elements);
        }
    }

    /** A JSON string, unescaped. */
    record JsonString(String value) implements JsonValue {
        public JsonString {
            if (value == null) {
                throw new IllegalArgumentException("value=null; a JSON string needs a value");
            }
        }
    }

    /**
     * A JSON number kept as its exact decimal value, so integers such as counters survive a round
     * trip without passing through {@code double}.
     */
    record JsonNumber(BigDecimal value) implements JsonValue {
        public JsonNumber {
            if (value == null) {
                throw new IllegalArgumentException("value=null; a JSON number needs a value");
            }
        }

        public static JsonNumber of(double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("value=" + value + " has no JSON representation");
            }
            return new JsonNumber(BigDecimal.valueOf(value));
        }

        public static JsonNumber of(long value) {
            return new JsonNumber(BigDecimal.valueOf(value));
        }
    }

    /** {@code true} or {@code false}. */
    record JsonBoolean(boolean value) implements JsonValue {}

    /** {@code null}. */
    record JsonNull() implements JsonValue {
        public static final JsonNull INSTANCE = new JsonNull();
    }

    /** The JSON type name used in error messages: object, array, string, number, boolean, null. */
    default String typeName() {
        return switch (this) {
            case JsonObject o -> "object";
            case JsonArray a -> "array";
            case JsonString s -> "string";
            case JsonNumber n -> "number";
            case JsonBoolean b -> "boolean";
            case JsonNull n -> "null";
        };
    }
}

package org.devmirror.json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeType;

/**
 * A parsed {@link JsonNode} together with its path from the document root and the source it was
 * read from, so that readers of one format (JMH results, the baseline file) report shape errors
 * as {@code results.json: $[2].primaryMetric.score: expected a number, found string}.
 *
 * @param node   the value
 * @param path   where it is: {@code $}, then {@code .member} and {@code [index]}
 * @param source the file or description the document came from
 */
public record JsonField(JsonNode node, String path, String source) {

    /** Parses {@code text} and returns a field at its root, {@code $}. */
    public static JsonField root(String text, String source) throws JsonInputException {
        return new JsonField(Json.parse(text, source), "$", source);
    }

    /** The member {@code name} of this object. */
    public JsonField field(String name) throws JsonInputException {
        Optional<JsonField> member = optionalField(name);
        if (member.isEmpty()) {
            throw error("missing member \"" + name + "\"");
        }
        return member.get();
    }

    /** The member {@code name} of this object, or empty when it is absent. */
    public Optional<JsonField> optionalField(String name) throws JsonInputException {
        JsonNode member = asObject().get(name);
        return member == null ? Optional.empty() : Optional.of(new JsonField(member, path + "." + name, source));
    }

    /** The members of this object in document order. */
    public Map<String, JsonField> members() throws JsonInputException {
        Map<String, JsonField> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : asObject().properties()) {
            out.put(e.getKey(), new JsonField(e.getValue(), path + "." + e.getKey(), source));
        }
        return out;
    }

    /** The elements of this array. */
    public List<JsonField> elements() throws JsonInputException {
        if (!node.isArray()) {
            throw mismatch("an array");
        }
        List<JsonField> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            out.add(new JsonField(node.get(i), path + "[" + i + "]", source));
        }
        return out;
    }

    /** Whether this value is a JSON string. */
    public boolean isString() {
        return node.isString();
    }

    public String asString() throws JsonInputException {
        if (node.isString()) {
            return node.stringValue();
        }
        throw mismatch("a string");
    }

    public double asDouble() throws JsonInputException {
        return asDecimal().doubleValue();
    }

    /** This number as a {@code long}; fails for fractions and values beyond the {@code long} range. */
    public long asLong() throws JsonInputException {
        BigDecimal d = asDecimal();
        try {
            return d.longValueExact();
        } catch (ArithmeticException e) {
            throw error("expected an integer within the long range, found " + d.toPlainString());
        }
    }

    public BigDecimal asDecimal() throws JsonInputException {
        if (node.isNumber()) {
            return node.decimalValue();
        }
        throw mismatch("a number");
    }

    /** Fails with this field's path and {@code problem}. */
    public JsonInputException error(String problem) {
        return JsonInputException.shape(source, path, problem);
    }

    private JsonNode asObject() throws JsonInputException {
        if (node.isObject()) {
            return node;
        }
        throw mismatch("an object");
    }

    private JsonInputException mismatch(String expected) {
        return error("expected " + expected + ", found " + typeName(node.getNodeType()));
    }

    /** The JSON type name used in error messages: object, array, string, number, boolean, null. */
    private static String typeName(JsonNodeType type) {
        return switch (type) {
            case OBJECT, POJO -> "object";
            case ARRAY -> "array";
            case STRING, BINARY -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            case NULL, MISSING -> "null";
        };
    }
}

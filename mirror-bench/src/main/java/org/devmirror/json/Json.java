package org.devmirror.json;

import java.math.BigDecimal;
import java.util.Collection;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * devmirror's one JSON configuration, on Jackson 3: how every file and report is read (scenario
 * and replay reports, the baseline, JMH results) and written.
 *
 * <p>Reading is strict RFC 8259: Jackson's defaults reject comments, trailing commas, single
 * quotes, leading zeros, {@code NaN} and unescaped control characters; on top of that a duplicate
 * member name is an error ({@link StreamReadFeature#STRICT_DUPLICATE_DETECTION}), so is anything
 * after the value ({@link DeserializationFeature#FAIL_ON_TRAILING_TOKENS}), and nesting deeper
 * than {@value #MAX_NESTING_DEPTH} levels is refused ({@link StreamReadConstraints}) rather than
 * risking a stack overflow on hostile input. Numbers with a fraction are read as
 * {@link BigDecimal} so counters and fractions keep their exact decimal value. Every rejection
 * becomes a {@link JsonInputException} naming the source, line and column.
 *
 * <p>Writing is stable so that version control shows only real changes ({@code perf/baseline.json}
 * above all): two-space indentation, one member or element per line, {@code "name": value},
 * members in insertion order, {@code []} and {@code {}} for empty containers, {@code \n} line
 * ends whatever the platform, numbers in plain decimal without an exponent, and a final newline.
 */
public final class Json {
    /** Deepest nesting of arrays and objects accepted; JMH results nest four levels. */
    public static final int MAX_NESTING_DEPTH = 256;

    private static final String INDENT = "  ";
    private static final String NEWLINE = "\n";

    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectNameValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter(INDENT, NEWLINE))
            .withArrayIndenter(new DefaultIndenter(INDENT, NEWLINE));

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING_DEPTH)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .defaultPrettyPrinter(PRETTY)
            .build();

    private static final JsonNodeFactory NODES = MAPPER.getNodeFactory();

    private Json() {}

    /**
     * Parses {@code text} as one JSON value; {@code source} (a file name, or a description such as
     * {@code "JMH results"}) starts every error message.
     */
    public static JsonNode parse(String text, String source) throws JsonInputException {
        if (text == null) {
            throw new IllegalArgumentException("text=null; nothing to parse");
        }
        try {
            JsonNode value = MAPPER.readTree(text);
            if (value == null || value.isMissingNode()) {
                throw JsonInputException.empty(source);
            }
            return value;
        } catch (JacksonException e) {
            throw JsonInputException.of(source, e);
        }
    }

    /** The pretty-printed text of {@code value}, ending with a newline. */
    public static String write(JsonNode value) {
        return MAPPER.writeValueAsString(value) + NEWLINE;
    }

    /** A new, empty object; members keep the order they are put in. */
    public static ObjectNode object() {
        return NODES.objectNode();
    }

    /** A new, empty array. */
    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** An array of {@code values} as JSON strings. */
    public static ArrayNode strings(Collection<String> values) {
        ArrayNode a = array();
        values.forEach(a::add);
        return a;
    }

    /** {@code value} as a JSON number. */
    public static JsonNode number(long value) {
        return NODES.numberNode(value);
    }

    /** {@code value} as a JSON string. */
    public static JsonNode string(String value) {
        if (value == null) {
            throw new IllegalArgumentException("value=null; a JSON string needs a value");
        }
        return NODES.stringNode(value);
    }

    /** {@code value} as {@code true} or {@code false}. */
    public static JsonNode bool(boolean value) {
        return NODES.booleanNode(value);
    }

    /** JSON {@code null}. */
    public static JsonNode nullValue() {
        return NODES.nullNode();
    }

    /**
     * {@code value} as a JSON number printed in its shortest plain decimal form ({@code 0.5},
     * {@code 2}, never {@code 2.0} or {@code 1E+2}).
     */
    public static JsonNode number(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value=" + value + " has no JSON representation");
        }
        BigDecimal d = BigDecimal.valueOf(value).stripTrailingZeros();
        return d.scale() <= 0 && d.precision() - d.scale() <= 18
                ? NODES.numberNode(d.longValueExact())
                : NODES.numberNode(d);
    }
}

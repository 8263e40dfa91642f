package org.devmirror.observe;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.cost.TlbBatching;
import org.devmirror.input.InputFile;
import org.devmirror.input.InputFileException;
import org.devmirror.json.Json;
import org.devmirror.json.JsonField;
import org.devmirror.json.JsonInputException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A {@link CostProfile} as a JSON file, and the one resolution of what {@code --cost-profile}
 * names: a profile of {@link CostProfile#NAMED} by its name, else a file. The file is one object
 * whose members are exactly the record's components ({@code name}, {@code basis}, {@code faultNs},
 * ...; examples/cost/ holds one): numbers for figures, {@code "overlapped"} or {@code "serial"}
 * for {@code tlbBatching}. Reading is strict: an unknown or missing member, a value of the wrong
 * type, a fraction where a count belongs, a negative or non-finite figure are each an error naming
 * the file, the member and the reason. The members are the record's own components, read through
 * reflection, so a parameter added to the model is a member of the file with no second list.
 */
public final class CostProfileFile {
    /** Larger than any profile needs; a file beyond it is refused before it is parsed. */
    public static final long MAX_BYTES = 64 * 1024;

    private CostProfileFile() {}

    /**
     * The profile {@code value} names: a named profile, else the file at that path.
     *
     * @param option the option's name, for the message when {@code value} is neither
     * @throws IllegalArgumentException when {@code value} is no profile name and no file exists there
     * @throws InputFileException       when the file cannot be read
     * @throws JsonInputException       when it is not a valid profile (file, member, reason)
     */
    public static CostProfile resolve(String option, String value) throws InputFileException, JsonInputException {
        CostProfile named = CostProfile.named(value);
        if (named != null) {
            return named;
        }
        Path file = Path.of(value);
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(option + " " + value + " is neither a named profile ("
                    + CostProfile.names() + ") nor an existing file");
        }
        return read(file);
    }

    /** Reads the profile in {@code file}; see the class comment for what is refused. */
    public static CostProfile read(Path file) throws InputFileException, JsonInputException {
        String source = file.toString();
        return parse(InputFile.readUtf8(file, MAX_BYTES, "cost profile"), source);
    }

    /** Parses a profile from {@code text}; {@code source} names it in errors. */
    public static CostProfile parse(String text, String source) throws JsonInputException {
        JsonField root = JsonField.root(text, source);
        Map<String, JsonField> members = root.members();
        RecordComponent[] components = CostProfile.class.getRecordComponents();
        for (String name : members.keySet()) {
            if (component(components, name) == null) {
                throw members.get(name).error("unknown member; a profile has exactly " + memberNames(components));
            }
        }
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            args[i] = value(root.field(c.getName()), c.getType());
        }
        try {
            return CostProfile.class.getDeclaredConstructor(types).newInstance(args);
        } catch (InvocationTargetException e) {
            // What the members' own checks leave to the constructor (a zero bandwidth, a blank
            // name); its message names the member: "copyToDeviceGBps=0.0 must be finite and positive".
            throw root.error(e.getCause().getMessage());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("CostProfile's canonical constructor cannot be called: " + e, e);
        }
    }

    private static Object value(JsonField field, Class<?> type) throws JsonInputException {
        if (type == String.class) {
            return field.asString();
        }
        if (type == TlbBatching.class) {
            try {
                return TlbBatching.ofLabel(field.asString());
            } catch (IllegalArgumentException e) {
                throw field.error(e.getMessage());
            }
        }
        if (type == int.class) {
            long n = field.asLong();
            if (n < 1 || n > Integer.MAX_VALUE) {
                throw field.error("must be a whole number from 1 to " + Integer.MAX_VALUE + ", found " + n);
            }
            return (int) n;
        }
        if (type == double.class) {
            BigDecimal d = field.asDecimal();
            double v = d.doubleValue();
            if (Double.isInfinite(v)) {
                throw field.error("must be finite, found " + d.toPlainString());
            }
            if (v < 0) {
                throw field.error("must be non-negative, found " + d.toPlainString());
            }
            return v;
        }
        throw new IllegalStateException("CostProfile component of type " + type + " has no JSON form");
    }

    private static RecordComponent component(RecordComponent[] components, String name) {
        for (RecordComponent c : components) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static String memberNames(RecordComponent[] components) {
        StringBuilder out = new StringBuilder();
        for (RecordComponent c : components) {
            out.append(out.isEmpty() ? "" : ", ").append(c.getName());
        }
        return out.toString();
    }

    /** The profile as a file would hold it, every parameter in the record's order; for reports. */
    public static ObjectNode toJson(CostProfile profile) {
        ObjectNode out = Json.object();
        for (RecordComponent c : CostProfile.class.getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(profile);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("CostProfile." + c.getName() + "() cannot be called: " + e, e);
            }
            out.set(c.getName(), json(v));
        }
        return out;
    }

    private static JsonNode json(Object v) {
        return switch (v) {
            case String s -> Json.string(s);
            case TlbBatching b -> Json.string(b.label());
            case Integer n -> Json.number(n.longValue());
            case Double d -> Json.number(d.doubleValue());
            default -> throw new IllegalStateException("CostProfile component value " + v + " has no JSON form");
        };
    }
}

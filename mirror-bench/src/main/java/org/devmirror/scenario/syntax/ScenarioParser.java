package org.devmirror.scenario.syntax;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.devmirror.input.InputFile;
import org.devmirror.input.TerminalText;
import org.devmirror.mm.Errno;
import org.devmirror.scenario.model.Address;
import org.devmirror.scenario.model.Declaration;
import org.devmirror.scenario.model.Expectation;
import org.devmirror.scenario.model.HostOp;
import org.devmirror.scenario.model.Operation;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.model.Statement;
import org.devmirror.scenario.syntax.ParseScope.Kind;
import org.devmirror.scenario.syntax.Tokens.LineError;

/**
 * Parses a scenario file (the grammar is docs/scenarios.md) into a {@link Scenario}: the whole
 * file, before anything runs, collecting every error rather than stopping at the first.
 *
 * <p>A line with an error contributes no statement, but the names it defines (a buffer binding,
 * a fork child, a device) are still defined, so one mistake does not cascade into "unknown
 * name" errors on every later line.
 *
 * <p>The only exception {@link #parse(String, String)} throws is
 * {@link ScenarioParseException}, whatever the input: truncated lines, binary garbage and huge
 * numbers are all reported as {@code FILE:LINE: message} errors.
 */
public final class ScenarioParser {
    private final String file;
    private final ParseScope scope = new ParseScope();
    private final OperationParser operations = new OperationParser(scope);
    private final ExpectationParser expectations = new ExpectationParser(scope);
    private final List<Statement> statements = new ArrayList<>();
    private final List<ParseError> errors = new ArrayList<>();
    // errors past ScenarioLimits.MAX_ERRORS: counted, not kept
    private long errorsNotShown;
    private long deviceMemory;
    // the part of deviceMemory that is device-coherent, taken from the scenario host's RAM
    private long coherentMemory;

    private ScenarioParser(String file) {
        this.file = file;
    }

    /** Parses the file at {@code path}, naming it in errors as given. */
    public static Scenario parse(Path path) throws IOException, ScenarioParseException {
        return parse(path.toString(), InputFile.readUtf8(path, ScenarioLimits.MAX_FILE_BYTES, "scenario file"));
    }

    /**
     * Parses {@code text}; {@code file} is the name errors start with.
     *
     * @throws ScenarioParseException listing every error of the file, in line order
     */
    public static Scenario parse(String file, String text) throws ScenarioParseException {
        ScenarioParser parser = new ScenarioParser(file);
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            parser.line(i + 1, lines[i]);
        }
        if (parser.statements.isEmpty() && parser.errors.isEmpty()) {
            // Nothing to run is not a pass: an empty file, or one of comments only, is not what
            // `run` reads (perhaps the wrong file), and exiting 0 on it would hide that.
            parser.error(1, "", "no statement in the file (only blank lines and comments)");
        }
        if (!parser.errors.isEmpty()) {
            throw new ScenarioParseException(file, parser.errors, parser.errorsNotShown);
        }
        return new Scenario(file, parser.statements);
    }

    private void line(int line, String text) {
        if (text.length() > ScenarioLimits.MAX_LINE_CHARS) {
            error(
                    line,
                    "",
                    "line of " + text.length() + " characters is longer than the limit of "
                            + ScenarioLimits.MAX_LINE_CHARS + " (docs/limits.md)");
            return;
        }
        int hash = text.indexOf('#');
        String code = hash < 0 ? text : text.substring(0, hash);
        String stripped = code.strip();
        if (stripped.isEmpty()) {
            return;
        }
        List<String> tokens = new ArrayList<>(Arrays.asList(stripped.split("\\s+")));
        for (String token : tokens) {
            if (token.length() > ScenarioLimits.MAX_TOKEN_CHARS) {
                error(
                        line,
                        token,
                        "token '" + TerminalText.token(token) + "' is longer than the limit of "
                                + ScenarioLimits.MAX_TOKEN_CHARS + " characters (docs/limits.md)");
                return;
            }
        }
        LineError suffixError = null;
        Errno expected = null;
        try {
            expected = resultSuffix(tokens);
        } catch (LineError e) {
            suffixError = e;
            tokens.subList(tokens.indexOf("->"), tokens.size()).clear();
        }
        try {
            if (tokens.isEmpty() && suffixError != null) {
                throw suffixError;
            }
            Statement statement = statement(new Tokens(tokens), line);
            if (suffixError != null) {
                throw suffixError;
            }
            statements.add(statement);
            if (statement instanceof Operation op) {
                scope.recordOperation(op);
            }
            if (expected != null) {
                if (!(statement instanceof Operation)) {
                    throw new LineError("->", "'->' only follows an operation, not '" + tokens.get(0) + "'");
                }
                statements.add(new Expectation.Result(line, line, expected));
            }
        } catch (LineError e) {
            String first = tokens.isEmpty() ? "" : tokens.get(0);
            boolean operation = OperationSyntax.HOST_KEYWORDS.contains(first)
                    || scope.isDevice(first)
                    || (tokens.size() > 1 && tokens.get(1).equals("="));
            if (operation) {
                scope.recordFailedOperation();
            }
            if (!e.consequential) {
                error(line, e.token, e.getMessage());
            }
        }
    }

    private void error(int line, String token, String message) {
        if (errors.size() < ScenarioLimits.MAX_ERRORS) {
            errors.add(new ParseError(file, line, token, message));
        } else {
            errorsNotShown++;
        }
    }

    /** Removes a trailing {@code -> CODE} from {@code tokens} and returns the code (null if none). */
    private static Errno resultSuffix(List<String> tokens) throws LineError {
        int arrow = tokens.indexOf("->");
        if (arrow < 0) {
            return null;
        }
        if (arrow != tokens.size() - 2 || arrow == 0) {
            throw new LineError(
                    "->",
                    "'->' must come after an operation and before exactly one result code, at the end of the line");
        }
        Errno code = ExpectationParser.code(tokens.get(arrow + 1));
        tokens.subList(arrow, tokens.size()).clear();
        return code;
    }

    @SuppressWarnings(
            "RefactorSwitch") // each case parses its own operands and returns; a switch expression with yield would
    // read no better
    private Statement statement(Tokens t, int line) throws LineError {
        String first = t.next("statement");
        if (t.accept("=")) {
            return binding(first, t, line);
        }
        switch (first) {
            case "device" -> {
                String name = t.name("device name");
                scope.define(name, Kind.DEVICE, line);
                long memory = Declaration.Device.DEFAULT_MEMORY;
                String memoryToken = null;
                if (t.accept("memory")) {
                    memoryToken = t.peek();
                    memory = t.pageSize("device memory size");
                    if (memory % ScenarioLimits.DEVICE_MEMORY_CHUNK != 0) {
                        throw new LineError(
                                memoryToken,
                                "device memory size '" + memoryToken
                                        + "' is not a multiple of 2M (device memory comes in 2 MiB blocks)");
                    }
                }
                String kindToken = t.peek();
                boolean coherent = t.accept("coherent");
                if (!coherent) {
                    t.accept("private");
                }
                t.end("device " + name);
                Declaration.Device device = new Declaration.Device(line, name, memory, coherent);
                long bytes = device.pages() * Tokens.PAGE_SIZE;
                if (coherent) {
                    coherentMemory += bytes;
                    if (coherentMemory > ScenarioLimits.MAX_COHERENT_MEMORY_BYTES) {
                        throw new LineError(
                                kindToken,
                                "device " + name + " brings the devices' coherent memory to " + (coherentMemory >> 20)
                                        + " MiB, beyond the limit of "
                                        + (ScenarioLimits.MAX_COHERENT_MEMORY_BYTES >> 20)
                                        + " MiB (coherent memory is taken from the host's RAM; docs/limits.md)");
                    }
                }
                deviceMemory += bytes;
                if (deviceMemory > ScenarioLimits.MAX_DEVICE_MEMORY_BYTES) {
                    throw new LineError(
                            memoryToken != null ? memoryToken : name,
                            "device " + name + " brings the devices' memory to "
                                    + (deviceMemory >> 20) + " MiB, beyond the limit of "
                                    + (ScenarioLimits.MAX_DEVICE_MEMORY_BYTES >> 20)
                                    + " MiB for all devices of a file (docs/limits.md)");
                }
                return device;
            }
            case "file" -> {
                String name = t.name("file name");
                scope.define(name, Kind.FILE, line);
                long size = t.pageSize("file size");
                t.end("file " + name);
                return new Declaration.File(line, name, size);
            }
            case "space" -> {
                String name = t.next("address space name");
                scope.selectSpace(name);
                t.end("space " + name);
                return new Declaration.SelectSpace(line, name);
            }
            case "step" -> {
                if (t.atEnd()) {
                    throw new LineError("", "missing step title at end of line");
                }
                List<String> words = new ArrayList<>();
                while (!t.atEnd()) {
                    words.add(t.next("step title"));
                }
                return new Declaration.Step(line, String.join(" ", words));
            }
            case "watch" -> {
                Address addr = t.address("watch address", true);
                scope.requireAddress(addr);
                long length = t.accessPageSize("watch length");
                t.end("watch");
                return new Declaration.Watch(line, addr, length);
            }
            case "expect" -> {
                return expectations.parse(t, line);
            }
            default -> {
                if (OperationSyntax.HOST_KEYWORDS.contains(first)) {
                    return operations.host(first, null, t, line);
                }
                if (scope.isDevice(first)) {
                    return operations.device(first, t, line);
                }
                if (OperationSyntax.DEVICE_VERBS.contains(t.peek() == null ? "" : t.peek())) {
                    throw new LineError(
                            first, "unknown device '" + first + "' (declare it with 'device " + first + "')");
                }
                throw new LineError(first, "unknown statement '" + first + "'");
            }
        }
    }

    /** {@code NAME = mmap ...} or {@code NAME = mremap ...} (the operations that are a {@link HostOp.Binding}); the name is bound even if the rest is bad. */
    private Statement binding(String name, Tokens t, int line) throws LineError {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new LineError(
                    name,
                    "bad buffer name '" + name + "' (names are letters, digits and '_', not starting with a digit)");
        }
        scope.define(name, Kind.BUFFER, line);
        List<String> binders = OperationSyntax.bindingKeywords();
        String op = t.next(OperationSyntax.alternatives(binders, true) + " after '" + name + " ='");
        if (!binders.contains(op)) {
            throw new LineError(
                    op, "only " + String.join(" and ", binders) + " return an address to bind, not '" + op + "'");
        }
        return operations.host(op, name, t, line);
    }
}

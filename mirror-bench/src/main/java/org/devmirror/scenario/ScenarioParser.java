package org.devmirror.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.devmirror.mm.Errno;
import org.devmirror.scenario.ParseScope.Kind;
import org.devmirror.scenario.Tokens.LineError;

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
    private static final Set<String> HOST_KEYWORDS = Set.of("mmap", "munmap", "mremap", "mprotect", "madvise",
            "read", "write", "fork", "clear-soft-dirty", "reclaim", "compact", "ksm", "thp", "oom-reap",
            "writeback", "exit", "uffd", "pagemap-scan", "numa-hint");
    private static final Set<String> DEVICE_VERBS = Set.of("read", "write", "atomic", "snapshot", "migrate",
            "migrate-back", "exclusive", "check-exclusive", "release", "fail-alloc");

    private final String file;
    private final ParseScope scope = new ParseScope();
    private final OperationParser operations = new OperationParser(scope);
    private final ExpectationParser expectations = new ExpectationParser(scope);
    private final List<Statement> statements = new ArrayList<>();
    private final List<ParseError> errors = new ArrayList<>();

    private ScenarioParser(String file) {
        this.file = file;
    }

    /** Parses the file at {@code path}, naming it in errors as given. */
    public static Scenario parse(Path path) throws IOException, ScenarioParseException {
        return parse(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
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
        if (!parser.errors.isEmpty()) {
            throw new ScenarioParseException(parser.errors);
        }
        return new Scenario(file, parser.statements);
    }

    private void line(int line, String text) {
        int hash = text.indexOf('#');
        String code = hash < 0 ? text : text.substring(0, hash);
        String stripped = code.strip();
        if (stripped.isEmpty()) {
            return;
        }
        List<String> tokens = new ArrayList<>(Arrays.asList(stripped.split("\\s+")));
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
            boolean operation = HOST_KEYWORDS.contains(first) || scope.isDevice(first)
                    || (tokens.size() > 1 && tokens.get(1).equals("="));
            if (operation) {
                scope.recordFailedOperation();
            }
            if (!e.consequential) {
                errors.add(new ParseError(file, line, e.token, e.getMessage()));
            }
        }
    }

    /** Removes a trailing {@code -> CODE} from {@code tokens} and returns the code (null if none). */
    private static Errno resultSuffix(List<String> tokens) throws LineError {
        int arrow = tokens.indexOf("->");
        if (arrow < 0) {
            return null;
        }
        if (arrow != tokens.size() - 2 || arrow == 0) {
            throw new LineError("->", "'->' must come after an operation and before exactly one result code, at the end of the line");
        }
        Errno code = ExpectationParser.code(tokens.get(arrow + 1));
        tokens.subList(arrow, tokens.size()).clear();
        return code;
    }

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
                if (t.accept("memory")) {
                    memory = t.pageSize("device memory size");
                }
                t.end("device " + name);
                return new Declaration.Device(line, name, memory);
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
            case "expect" -> {
                return expectations.parse(t, line);
            }
            default -> {
                if (HOST_KEYWORDS.contains(first)) {
                    return operations.host(first, null, t, line);
                }
                if (scope.isDevice(first)) {
                    return operations.device(first, t, line);
                }
                if (DEVICE_VERBS.contains(t.peek() == null ? "" : t.peek())) {
                    throw new LineError(first, "unknown device '" + first + "' (declare it with 'device " + first + "')");
                }
                throw new LineError(first, "unknown statement '" + first + "'");
            }
        }
    }

    /** {@code NAME = mmap ...} or {@code NAME = mremap ...}; the name is bound even if the rest is bad. */
    private Statement binding(String name, Tokens t, int line) throws LineError {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new LineError(name, "bad buffer name '" + name + "' (names are letters, digits and '_', not starting with a digit)");
        }
        scope.define(name, Kind.BUFFER, line);
        String op = t.next("'mmap' or 'mremap' after '" + name + " ='");
        if (!op.equals("mmap") && !op.equals("mremap")) {
            throw new LineError(op, "only mmap and mremap return an address to bind, not '" + op + "'");
        }
        return operations.host(op, name, t, line);
    }
}

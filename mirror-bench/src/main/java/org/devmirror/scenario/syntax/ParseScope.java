package org.devmirror.scenario.syntax;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.devmirror.scenario.model.Address;
import org.devmirror.scenario.model.DeviceOp;
import org.devmirror.scenario.model.Operation;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.syntax.Tokens.LineError;

/**
 * What the parser knows at a given line: the names defined so far and what each names, the
 * current address space, which spaces have exited, and the operations expectations refer back
 * to (the last operation; the last snapshot and read per device and space).
 */
final class ParseScope {
    /** What a name stands for. Names share one namespace, so a token never means two things. */
    enum Kind {
        BUFFER("buffer", "a buffer"),
        DEVICE("device", "a device"),
        FILE("file", "a file"),
        SPACE("address space", "an address space");

        final String noun;
        final String withArticle;

        Kind(String noun, String withArticle) {
            this.noun = noun;
            this.withArticle = withArticle;
        }
    }

    private record Definition(Kind kind, int line) {}

    /**
     * Statement words: the declarations, {@code expect}, and every host operation's keyword from the
     * {@link OperationSyntax} table. A name may not be one, so a line's first token is never ambiguous.
     */
    static final Set<String> KEYWORDS = Stream.concat(
                    Stream.of("device", "file", "space", "step", "watch", "expect"),
                    OperationSyntax.HOST_KEYWORDS.stream())
            .collect(Collectors.toUnmodifiableSet());

    private final Map<String, Definition> names = new HashMap<>();
    // space name -> line of its exit statement
    private final Map<String, Integer> exited = new HashMap<>();
    private final Map<String, DeviceOp.Snapshot> lastSnapshot = new HashMap<>();
    private final Map<String, DeviceOp.Read> lastRead = new HashMap<>();
    // "space\0device" -> line of the 'DEV lock' whose lock is still held
    private final Map<String, Integer> heldLocks = new HashMap<>();
    private String space = Scenario.MAIN_SPACE;
    // address spaces defined so far: main and every fork child
    private int spaces = 1;
    private Operation lastOperation;
    // the most recent operation line had an error, so lastOperation is not the one expectations mean
    private boolean lastOperationFailed;

    ParseScope() {
        names.put(Scenario.MAIN_SPACE, new Definition(Kind.SPACE, 0));
    }

    /**
     * Defines {@code name} as {@code kind} at {@code line}. Buffers may be rebound (a later mmap
     * reuses the name); anything else defined twice, or a name of another kind, is an error.
     */
    void define(String name, Kind kind, int line) throws LineError {
        if (KEYWORDS.contains(name)) {
            throw new LineError(name, "'" + name + "' is a keyword and cannot name " + kind.withArticle);
        }
        Definition existing = names.get(name);
        if (existing != null && !(existing.kind == Kind.BUFFER && kind == Kind.BUFFER)) {
            String where = existing.line == 0 ? "predefined" : "defined on line " + existing.line;
            throw new LineError(name, "'" + name + "' is already " + existing.kind.withArticle + " (" + where + ")");
        }
        names.put(name, new Definition(kind, line));
        if (kind == Kind.SPACE) {
            spaces++;
        }
    }

    /** Address spaces defined so far, {@code main} included. */
    int spaces() {
        return spaces;
    }

    /** {@code name} must be defined as {@code kind}. */
    void require(String name, Kind kind) throws LineError {
        Definition d = names.get(name);
        if (d == null) {
            throw new LineError(name, "unknown " + kind.noun + " '" + name + "'");
        }
        if (d.kind != kind) {
            throw new LineError(name, "'" + name + "' is " + d.kind.withArticle + ", not " + kind.withArticle);
        }
    }

    boolean isDevice(String name) {
        Definition d = names.get(name);
        return d != null && d.kind == Kind.DEVICE;
    }

    /** The buffer an address names must be bound. */
    void requireAddress(Address address) throws LineError {
        if (address.base() != null) {
            require(address.base(), Kind.BUFFER);
        }
    }

    String space() {
        return space;
    }

    void selectSpace(String name) throws LineError {
        require(name, Kind.SPACE);
        space = name;
    }

    /** Operations may not run in a space whose process has exited; {@code keyword} is the statement. */
    void requireLiveSpace(String keyword) throws LineError {
        Integer exitLine = exited.get(space);
        if (exitLine != null) {
            throw new LineError(
                    keyword,
                    "'" + keyword + "' in address space '" + space + "', which exited on line " + exitLine
                            + " (select another with 'space NAME')");
        }
    }

    void markExited(int line) {
        exited.put(space, line);
    }

    /** An operation line had an error: expectations after it check nothing, and say nothing more. */
    void recordFailedOperation() {
        lastOperationFailed = true;
    }

    boolean lastOperationFailed() {
        return lastOperationFailed;
    }

    void recordOperation(Operation op) {
        lastOperation = op;
        lastOperationFailed = false;
        if (op instanceof DeviceOp.Snapshot s) {
            lastSnapshot.put(key(s.space(), s.device()), s);
            lastSnapshot.put(key(s.space(), null), s);
        } else if (op instanceof DeviceOp.Read r) {
            lastRead.put(key(r.space(), r.device()), r);
        }
    }

    /** The operation an expectation at this point checks, or null if none came before. */
    Operation lastOperation() {
        return lastOperation;
    }

    /** The last snapshot in the current space by {@code device} (any device when null), or null. */
    DeviceOp.Snapshot lastSnapshot(String device) {
        return lastSnapshot.get(key(space, device));
    }

    /** The last read in the current space by {@code device}, or null. */
    DeviceOp.Read lastRead(String device) {
        return lastRead.get(key(space, device));
    }

    /** {@code DEV lock} in the current space: the lock must not be held already. */
    void holdLock(String device, int line, String verb) throws LineError {
        Integer since = heldLocks.putIfAbsent(key(space, device), line);
        if (since != null) {
            throw new LineError(
                    verb,
                    "'" + device + "' already holds its driver lock for address space '" + space + "' (since line "
                            + since + ")");
        }
    }

    /** {@code DEV unlock} in the current space: a {@code DEV lock} must hold it. */
    void releaseLock(String device, String verb) throws LineError {
        if (heldLocks.remove(key(space, device)) == null) {
            throw new LineError(
                    verb,
                    "'" + device + "' does not hold its driver lock for address space '" + space
                            + "' (no 'lock' before this line)");
        }
    }

    private static String key(String space, String device) {
        return device == null ? space : space + '\0' + device;
    }
}

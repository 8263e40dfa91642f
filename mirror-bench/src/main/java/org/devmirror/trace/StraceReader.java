package org.devmirror.trace;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.devmirror.input.InputFile;
import org.devmirror.trace.CallText.Rejected;

/**
 * Reads the output of {@code strace -f -e trace=memory,process} (or {@code -e trace=memory}, with
 * or without {@code -f}, {@code -t}/{@code -tt}/{@code -ttt}/{@code -r} timestamps and {@code -T}
 * durations) into {@link Syscall} records, one call at a time.
 *
 * <p>Line shapes understood (strace's src/strace.c and src/syscall.c print them):
 * <pre>
 *   [PID ]   [TIME ]   name(args) = result [&lt;secs&gt;]          a complete call
 *   [PID ]   [TIME ]   name(args &lt;unfinished ...&gt;              the first half of a call ...
 *   [PID ]   [TIME ]   &lt;... name resumed&gt;rest) = result       ... joined with its second half
 *   [PID ]   [TIME ]   --- SIGCHLD {...} ---                    signal: skipped
 *   [PID ]   [TIME ]   +++ exited with N +++ / +++ killed by SIG +++
 *   strace: Process N attached                                notice: skipped
 * </pre>
 * PID is {@code 1234} (strace -o FILE) or {@code [pid 1234]} (strace to a terminal). Unfinished
 * halves are held per pid until resumed; one still open when its task ends, when the same task
 * starts another, or at the end of the trace is skipped as {@link SkipReason#UNFINISHED}.
 *
 * <p>Nothing in the input makes the reader throw: every line that yields no record is counted
 * in {@link #stats()} with its {@link SkipReason} and line number (and passed to the
 * {@linkplain #onSkip skip listener}). Only the underlying {@link Reader}'s {@link IOException}
 * escapes.
 *
 * <p>Memory is bounded: the reader streams, keeps one open half per task (at most
 * {@link #MAX_PENDING}), and cuts lines at {@link #MAX_LINE_CHARS}. Not thread-safe.
 */
public final class StraceReader implements AutoCloseable {
    /** Lines longer than this are skipped as {@link SkipReason#MALFORMED} (strace's default -s 32 keeps lines short). */
    public static final int MAX_LINE_CHARS = 1 << 20;
    /**
     * Bytes of a trace file: {@link #readAll} keeps every call in memory, about 200 bytes each;
     * the shipped traces are under 200 KB, an strace of a whole compiler run a few MB.
     */
    public static final long MAX_FILE_BYTES = 64L << 20;
    /** Most tasks that may have an unfinished call open at once. */
    public static final int MAX_PENDING = 1 << 16;

    private static final String UNFINISHED = "<unfinished ...>";
    private static final String RESUMED = " resumed>";

    /** A call's first half, waiting for its {@code <... name resumed>}. */
    private record Pending(long line, String name, String text) {}

    private final Reader in;
    private final LineSource lines;
    private final TraceStats stats = new TraceStats();
    // task id -> its open first half; at most one per task, since a task makes one call at a time
    private final Map<Integer, Pending> pending = new HashMap<>();
    private Consumer<Skip> skipListener = skip -> {};
    private long lineNumber;
    private boolean drained;

    /** Reads from {@code in}; {@link #close()} closes it. */
    public StraceReader(Reader in) {
        this.in = in;
        this.lines = new LineSource(in, MAX_LINE_CHARS);
    }

    /**
     * Opens {@code file} as UTF-8; undecodable bytes become U+FFFD rather than an error. Reading
     * fails with an {@link org.devmirror.input.InputFileException} past {@link #MAX_FILE_BYTES}.
     */
    public static StraceReader open(Path file) throws IOException {
        return new StraceReader(InputFile.openUtf8(file, MAX_FILE_BYTES, "trace"));
    }

    /** Reads a whole trace into memory: for small traces and tests. */
    public static Trace readAll(Path file) throws IOException {
        try (StraceReader reader = open(file)) {
            List<Syscall> calls = new ArrayList<>();
            for (Syscall call = reader.next(); call != null; call = reader.next()) {
                calls.add(call);
            }
            return new Trace(List.copyOf(calls), reader.stats());
        }
    }

    /** A whole trace: its records in completion order, and what was skipped. */
    public record Trace(List<Syscall> calls, TraceStats stats) {}

    /** Calls {@code listener} with every skip as it happens, in addition to counting it. */
    public StraceReader onSkip(Consumer<Skip> listener) {
        this.skipListener = listener;
        return this;
    }

    /** Counters so far; final once {@link #next()} has returned null. */
    public TraceStats stats() {
        return stats;
    }

    /** The next record, or null when the trace is exhausted. */
    public Syscall next() throws IOException {
        String raw;
        while ((raw = lines.next()) != null) {
            lineNumber++;
            stats.countLine();
            if (lines.truncated()) {
                skip(lineNumber, SkipReason.MALFORMED, "line longer than " + MAX_LINE_CHARS + " characters", null);
                continue;
            }
            Syscall call = line(raw.strip());
            if (call != null) {
                stats.countParsed(call.kind());
                return call;
            }
        }
        if (!drained) {
            drained = true;
            List<Map.Entry<Integer, Pending>> open = new ArrayList<>(pending.entrySet());
            open.sort(Comparator.comparingLong(e -> e.getValue().line()));
            for (Map.Entry<Integer, Pending> e : open) {
                unfinished(e.getValue(), "no resumed half before the end of the trace");
            }
            pending.clear();
        }
        return null;
    }

    /** Handles one non-blank-stripped line; returns its record or null when it was skipped. */
    private Syscall line(String text) {
        if (text.isEmpty()) {
            return null;
        }
        if (text.startsWith("strace: ")) {
            skip(lineNumber, SkipReason.STRACE_NOTICE, CallText.abbreviate(text), null);
            return null;
        }
        int pid = Syscall.NO_PID;
        String body = text;
        if (body.startsWith("[pid")) {
            int close = body.indexOf(']');
            Integer parsed =
                    close < 0 ? null : parsePid(body.substring(4, close).strip());
            if (parsed == null) {
                skip(lineNumber, SkipReason.MALFORMED, "bad pid prefix: " + CallText.abbreviate(text), null);
                return null;
            }
            pid = parsed;
            body = body.substring(close + 1).strip();
        } else {
            int space = firstSpace(body);
            Integer parsed = space > 0 ? parsePid(body.substring(0, space)) : null;
            if (parsed != null) {
                pid = parsed;
                body = body.substring(space).strip();
            }
        }
        body = stripTimestamp(body);
        if (body.startsWith("---")) {
            skip(lineNumber, SkipReason.SIGNAL, CallText.abbreviate(body), null);
            return null;
        }
        if (body.startsWith("+++")) {
            return processEnd(pid, body);
        }
        if (body.startsWith("<...")) {
            return resumed(pid, body);
        }
        if (body.endsWith(UNFINISHED)) {
            String first =
                    body.substring(0, body.length() - UNFINISHED.length()).stripTrailing();
            int paren = first.indexOf('(');
            if (paren <= 0) {
                skip(
                        lineNumber,
                        SkipReason.MALFORMED,
                        "unfinished line without a call: " + CallText.abbreviate(body),
                        null);
                return null;
            }
            Pending previous = pending.remove(pid);
            if (previous != null) {
                unfinished(previous, "task started another call");
            }
            Pending half = new Pending(lineNumber, first.substring(0, paren), first);
            if (pending.size() >= MAX_PENDING) {
                unfinished(half, "too many tasks with unfinished calls");
            } else {
                pending.put(pid, half);
            }
            return null;
        }
        Pending abandoned = pending.remove(pid);
        if (abandoned != null) {
            unfinished(abandoned, "task started another call");
        }
        return decode(lineNumber, pid, body);
    }

    /** Joins {@code <... name resumed>rest} with the held first half of {@code pid}. */
    private Syscall resumed(int pid, String body) {
        int end = body.indexOf(RESUMED);
        if (end < 0) {
            skip(lineNumber, SkipReason.MALFORMED, "garbled resumed line: " + CallText.abbreviate(body), null);
            return null;
        }
        String name = body.substring(4, end).strip();
        Pending half = pending.remove(pid);
        if (half == null || !half.name().equals(name)) {
            if (half != null) {
                unfinished(half, "resumed as " + name);
            }
            skip(lineNumber, SkipReason.ORPHAN_RESUMED, name, name);
            return null;
        }
        return decode(half.line(), pid, half.text() + body.substring(end + RESUMED.length()));
    }

    private Syscall decode(long line, int pid, String body) {
        try {
            return CallDecoder.decode(line, pid, body);
        } catch (Rejected r) {
            int paren = body.indexOf('(');
            String name = paren > 0 && r.reason != SkipReason.MALFORMED ? body.substring(0, paren) : null;
            skip(line, r.reason, r.detail, name);
            return null;
        }
    }

    /** {@code +++ exited with N +++}, {@code +++ killed by SIGX [(core dumped)] +++}, or a notice. */
    private Syscall processEnd(int pid, String body) {
        Pending half = pending.remove(pid);
        if (half != null) {
            unfinished(half, "task ended");
        }
        String inner = body.endsWith("+++") && body.length() >= 6
                ? body.substring(3, body.length() - 3).strip()
                : null;
        if (inner != null && inner.startsWith("exited with ")) {
            Integer status = parsePid(inner.substring("exited with ".length()).strip());
            if (status != null) {
                return new Syscall.ProcessEnd(lineNumber, pid, status, null);
            }
        } else if (inner != null && inner.startsWith("killed by SIG")) {
            String signal = inner.substring("killed by ".length()).split("\\s+", -1)[0];
            return new Syscall.ProcessEnd(lineNumber, pid, -1, signal);
        } else if (inner != null && !inner.isEmpty()) {
            skip(lineNumber, SkipReason.STRACE_NOTICE, CallText.abbreviate(inner), null);
            return null;
        }
        skip(lineNumber, SkipReason.MALFORMED, "garbled process end: " + CallText.abbreviate(body), null);
        return null;
    }

    private void unfinished(Pending half, String why) {
        skip(half.line(), SkipReason.UNFINISHED, half.name() + ": " + why, half.name());
    }

    private void skip(long line, SkipReason reason, String detail, String name) {
        Skip skip = new Skip(line, reason, detail);
        stats.countSkipped(skip, CallText.isCallName(name) ? name : null);
        skipListener.accept(skip);
    }

    /**
     * Drops a {@code -t} ({@code 21:06:52}), {@code -tt} ({@code 21:06:52.051231}),
     * {@code -ttt} ({@code 1764104812.051231}) or {@code -r} ({@code 0.000123}) timestamp. A
     * call name never starts with a digit, so a leading token of digits, colons and dots is one.
     */
    private static String stripTimestamp(String body) {
        int space = firstSpace(body);
        if (space <= 0 || !Character.isDigit(body.charAt(0))) {
            return body;
        }
        for (int i = 0; i < space; i++) {
            char c = body.charAt(i);
            if (!Character.isDigit(c) && c != ':' && c != '.') {
                return body;
            }
        }
        return body.substring(space).strip();
    }

    private static int firstSpace(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isWhitespace(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** A non-negative decimal int, or null. */
    private static Integer parsePid(String text) {
        if (text.isEmpty() || text.length() > 10) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return null;
            }
        }
        long value = Long.parseLong(text);
        return value <= Integer.MAX_VALUE ? (int) value : null;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

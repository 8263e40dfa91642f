package org.devmirror.scenario.syntax;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.devmirror.scenario.model.Address;
import org.devmirror.scenario.model.DataPattern;

/**
 * A cursor over the whitespace-separated tokens of one scenario line, with readers for each
 * literal of the grammar (docs/scenarios.md, "Lexical structure"). Every reader either returns
 * a checked value or throws {@link LineError} naming the offending token.
 */
final class Tokens {
    /** What is wrong with a line; becomes one {@link ParseError}. */
    static final class LineError extends Exception {
        private static final long serialVersionUID = 1L;
        final String token;
        /** The line only refers to an earlier line that already failed: report nothing more. */
        final boolean consequential;

        LineError(String token, String message) {
            this(token, message, false);
        }

        LineError(String token, String message, boolean consequential) {
            super(message, null, false, false);
            this.token = token;
            this.consequential = consequential;
        }
    }

    static final long PAGE_SIZE = 4096;
    /** User addresses are below TASK_SIZE, the 47-bit x86-64 user half. */
    static final long TASK_SIZE = 1L << 47;

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern NUMBER = Pattern.compile("(0[xX][0-9a-fA-F]+|[0-9]+)([KkMmGgp]?)");
    private static final String SIZE_HELP = "expected a number like 4096, 0x1000, 16K, 2M, 1G or 16p";

    private final List<String> tokens;
    private int next;

    Tokens(List<String> tokens) {
        this.tokens = tokens;
    }

    boolean atEnd() {
        return next == tokens.size();
    }

    /** The next token without consuming it, or null at the end. */
    String peek() {
        return atEnd() ? null : tokens.get(next);
    }

    /** Consumes the next token if it equals {@code word}. */
    boolean accept(String word) {
        if (word.equals(peek())) {
            next++;
            return true;
        }
        return false;
    }

    /** The next token; {@code missing WHAT at end of line} if there is none. */
    String next(String what) throws LineError {
        if (atEnd()) {
            throw new LineError("", "missing " + what + " at end of line");
        }
        return tokens.get(next++);
    }

    /** Consumes {@code word} or fails naming what came instead. */
    void expect(String word, String context) throws LineError {
        String token = next("'" + word + "' " + context);
        if (!token.equals(word)) {
            throw new LineError(token, "expected '" + word + "' " + context + ", found '" + token + "'");
        }
    }

    /** The line must have nothing left. */
    void end(String statement) throws LineError {
        if (!atEnd()) {
            String extra = tokens.get(next);
            throw new LineError(extra, "unexpected '" + extra + "' after " + statement);
        }
    }

    /** A name token: letters, digits and '_', not starting with a digit. */
    String name(String what) throws LineError {
        String token = next(what);
        if (!NAME.matcher(token).matches()) {
            throw new LineError(
                    token,
                    "bad " + what + " '" + token + "' (names are letters, digits and '_', not starting with a digit)");
        }
        return token;
    }

    /** A size in bytes: a number with an optional K, M, G (binary) or p (4 KiB pages) suffix. */
    long size(String what) throws LineError {
        String token = next(what);
        return sizeValue(token, what);
    }

    /** A positive size that is a whole number of pages (the length of a page-granular operation). */
    long pageSize(String what) throws LineError {
        String token = next(what);
        long size = sizeValue(token, what);
        if (size == 0) {
            throw new LineError(token, what + " '" + token + "' is zero");
        }
        if (size % PAGE_SIZE != 0) {
            throw new LineError(token, what + " '" + token + "' is not a multiple of the page size (4096)");
        }
        return size;
    }

    /** A size that is a whole number of pages, zero allowed (a file offset). */
    long pageSizeOrZero(String what) throws LineError {
        String token = next(what);
        long size = sizeValue(token, what);
        if (size % PAGE_SIZE != 0) {
            throw new LineError(token, what + " '" + token + "' is not a multiple of the page size (4096)");
        }
        return size;
    }

    /**
     * A positive byte length of one access (CPU accesses need not be page granular), at most
     * {@link ScenarioLimits#MAX_ACCESS_BYTES}.
     */
    long byteLength(String what) throws LineError {
        String token = next(what);
        long size = sizeValue(token, what);
        if (size == 0) {
            throw new LineError(token, what + " '" + token + "' is zero");
        }
        return withinAccessLimit(size, token, what);
    }

    /** A {@link #pageSize} that one access covers: at most {@link ScenarioLimits#MAX_ACCESS_BYTES}. */
    long accessPageSize(String what) throws LineError {
        String token = peek();
        return withinAccessLimit(pageSize(what), token, what);
    }

    private static long withinAccessLimit(long size, String token, String what) throws LineError {
        if (size > ScenarioLimits.MAX_ACCESS_BYTES) {
            throw new LineError(
                    token,
                    what + " '" + token + "' is beyond the limit of one access, "
                            + (ScenarioLimits.MAX_ACCESS_BYTES >> 20)
                            + " MiB (the scenario host's RAM; docs/limits.md)");
        }
        return size;
    }

    /** A plain count: a decimal or hex number without a suffix. */
    long count(String what) throws LineError {
        String token = next(what);
        Matcher m = NUMBER.matcher(token);
        if (!m.matches() || !m.group(2).isEmpty()) {
            throw new LineError(token, "bad " + what + " '" + token + "' (expected a number like 1024 or 0x400)");
        }
        return number(token, m.group(1), what);
    }

    /**
     * An address: {@code NAME}, {@code NAME+SIZE}, {@code NAME-SIZE} or an absolute SIZE. With
     * {@code pageAligned}, the offset (or absolute address) must be a multiple of 4 KiB. An
     * absolute address must lie below TASK_SIZE.
     */
    Address address(String what, boolean pageAligned) throws LineError {
        String token = next(what);
        Address address;
        if (!token.isEmpty() && Character.isDigit(token.charAt(0))) {
            long value = sizeValue(token, what);
            if (value >= TASK_SIZE) {
                throw new LineError(token, what + " '" + token + "' is beyond the 47-bit user address space");
            }
            address = new Address(null, value);
        } else {
            int sign = Math.max(token.indexOf('+'), token.indexOf('-'));
            String base = sign < 0 ? token : token.substring(0, sign);
            if (!NAME.matcher(base).matches()) {
                throw new LineError(token, "bad " + what + " '" + token + "' (expected NAME, NAME+OFFSET or a number)");
            }
            long offset = 0;
            if (sign >= 0) {
                offset = sizeValue(token.substring(sign + 1), token, what);
                if (token.charAt(sign) == '-') {
                    offset = -offset;
                }
            }
            address = new Address(base, offset);
        }
        if (pageAligned && address.offset() % PAGE_SIZE != 0) {
            throw new LineError(token, what + " '" + token + "' is not page aligned");
        }
        return address;
    }

    /** A protection word: none, r, rw, rx or rwx, as Linux PROT_* bits. */
    static int prot(String token) throws LineError {
        return switch (token) {
            case "none" -> 0;
            case "r" -> 1;
            case "rw" -> 3;
            case "rx" -> 5;
            case "rwx" -> 7;
            default -> throw new LineError(token, "bad protection '" + token + "' (expected none, r, rw, rx or rwx)");
        };
    }

    /**
     * DATA: {@code pattern index[+K]}, {@code fill BYTE}, {@code zero} or {@code bytes HH...}
     * (the bytes run to the end of the line).
     */
    @SuppressWarnings(
            "RefactorSwitch") // each case parses its own operands and returns; a switch expression with yield would
    // read no better
    DataPattern data() throws LineError {
        String kind = next("data (pattern index, fill BYTE, zero or bytes HH ...)");
        switch (kind) {
            case "pattern" -> {
                String token = next("pattern name");
                if (token.equals("index")) {
                    return new DataPattern.Index(0);
                }
                if (token.startsWith("index+")) {
                    Matcher m = NUMBER.matcher(token.substring("index+".length()));
                    if (m.matches() && m.group(2).isEmpty()) {
                        return new DataPattern.Index(number(token, m.group(1), "pattern start"));
                    }
                }
                throw new LineError(token, "bad pattern '" + token + "' (expected index or index+N)");
            }
            case "fill" -> {
                return new DataPattern.Fill(byteValue(next("fill byte")));
            }
            case "zero" -> {
                return new DataPattern.Fill(0);
            }
            case "bytes" -> {
                if (atEnd()) {
                    throw new LineError("", "missing byte values after 'bytes' at end of line");
                }
                byte[] values = new byte[tokens.size() - next];
                for (int i = 0; i < values.length; i++) {
                    String token = tokens.get(next++);
                    if (!token.matches("[0-9a-fA-F]{2}")) {
                        throw new LineError(
                                token, "bad byte '" + token + "' (bytes are two hex digits, like 0a or ff)");
                    }
                    values[i] = (byte) Integer.parseInt(token, 16);
                }
                return new DataPattern.Bytes(values);
            }
            default ->
                throw new LineError(
                        kind, "bad data '" + kind + "' (expected pattern index, fill BYTE, zero or bytes HH ...)");
        }
    }

    /** A byte value 0..255, decimal or hex. */
    static int byteValue(String token) throws LineError {
        Matcher m = NUMBER.matcher(token);
        if (m.matches() && m.group(2).isEmpty()) {
            long value = number(token, m.group(1), "byte");
            if (value <= 0xFF) {
                return (int) value;
            }
        }
        throw new LineError(token, "bad byte '" + token + "' (expected 0..255, like 0xAB)");
    }

    private static long sizeValue(String token, String what) throws LineError {
        return sizeValue(token, token, what);
    }

    /** Parses {@code text} as a size; errors name {@code token}, the whole token it came from. */
    private static long sizeValue(String text, String token, String what) throws LineError {
        Matcher m = NUMBER.matcher(text);
        if (!m.matches()) {
            throw new LineError(token, "bad " + what + " '" + token + "' (" + SIZE_HELP + ")");
        }
        long value = number(token, m.group(1), what);
        long unit = switch (m.group(2)) {
            case "K", "k" -> 1L << 10;
            case "M", "m" -> 1L << 20;
            case "G", "g" -> 1L << 30;
            case "p" -> PAGE_SIZE;
            default -> 1;
        };
        try {
            return Math.multiplyExact(value, unit);
        } catch (ArithmeticException e) {
            throw new LineError(token, what + " '" + token + "' overflows 64 bits");
        }
    }

    private static long number(String token, String digits, String what) throws LineError {
        try {
            return digits.startsWith("0x") || digits.startsWith("0X")
                    ? Long.parseLong(digits.substring(2), 16)
                    : Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new LineError(token, what + " '" + token + "' overflows 64 bits");
        }
    }
}

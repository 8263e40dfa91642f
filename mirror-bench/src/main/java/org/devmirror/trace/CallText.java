package org.devmirror.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The lexical half of decoding one strace call line, {@code name(arg, arg, ...) = result ...}:
 * the name, the top-level arguments, and the result. strace's argument syntax nests
 * ({@code {flags=..., child_tid=...}}, {@code [...]}, {@code "quoted, with ) and ,"},
 * {@code /* 39 vars *}{@code /}), so arguments are split on commas outside of all of those.
 */
final class CallText {
    /** A line that is not a decodable call; carries the {@link SkipReason} to count it under. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        final SkipReason reason;
        final String detail;

        Rejected(SkipReason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
            this.detail = detail;
        }
    }

    final String name;
    final List<String> args;
    /** The text after {@code "= "}, without strace's {@code -T} {@code <seconds>} suffix. */
    final String result;

    private CallText(String name, List<String> args, String result) {
        this.name = name;
        this.args = args;
        this.result = result;
    }

    /** Splits {@code body}; {@link SkipReason#MALFORMED} if it is not a complete call. */
    static CallText parse(String body) throws Rejected {
        int open = 0;
        while (open < body.length() && isNameChar(body.charAt(open))) {
            open++;
        }
        if (open == 0 || open == body.length() || body.charAt(open) != '(') {
            throw new Rejected(SkipReason.MALFORMED, "not a system call: " + abbreviate(body));
        }
        String name = body.substring(0, open);
        List<String> args = new ArrayList<>();
        int depth = 0;
        int argStart = open + 1;
        int i = open + 1;
        int close = -1;
        while (i < body.length() && close < 0) {
            char c = body.charAt(i);
            if (c == '"') {
                i = skipString(body, i);
                continue;
            }
            if (c == '/' && i + 1 < body.length() && body.charAt(i + 1) == '*') {
                int end = body.indexOf("*/", i + 2);
                i = end < 0 ? body.length() : end + 2;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ']' || c == '}') && depth > 0) {
                depth--;
            } else if (c == ')') {
                if (depth == 0) {
                    close = i;
                } else {
                    depth--;
                }
            } else if (c == ',' && depth == 0) {
                args.add(body.substring(argStart, i).strip());
                argStart = i + 1;
            }
            i++;
        }
        if (close < 0) {
            throw new Rejected(SkipReason.MALFORMED, name + ": truncated arguments");
        }
        String last = body.substring(argStart, close).strip();
        if (!last.isEmpty() || !args.isEmpty()) {
            args.add(last);
        }
        String rest = stripDuration(body.substring(close + 1).strip());
        if (!rest.startsWith("=")) {
            throw new Rejected(SkipReason.MALFORMED, name + ": no return value");
        }
        String result = rest.substring(1).strip();
        if (result.isEmpty()) {
            throw new Rejected(SkipReason.MALFORMED, name + ": empty return value");
        }
        return new CallText(name, List.copyOf(args), result);
    }

    /** The return value as a number; FAILED / NO_RESULT / MALFORMED for anything else. */
    long returnValue() throws Rejected {
        String[] words = result.split("\\s+", 3);
        if (words[0].equals("?")) {
            throw new Rejected(SkipReason.NO_RESULT, name + " returned ?" + (words.length > 1 ? " " + words[1] : ""));
        }
        if (words.length > 1 && words[1].startsWith("E")) {
            throw new Rejected(SkipReason.FAILED, name + " " + words[1]);
        }
        return number(words[0]);
    }

    /**
     * Argument {@code index}; a line with fewer arguments is malformed (a decoder that does not
     * check the count first, such as execve's, meets {@code execve()} in a damaged trace).
     */
    private String arg(int index) throws Rejected {
        if (index >= args.size()) {
            throw new Rejected(SkipReason.MALFORMED, name + " has " + args.size() + " arguments, no argument " + index);
        }
        return args.get(index);
    }

    /** The argument count must be one of {@code counts}. */
    void requireArgs(int... counts) throws Rejected {
        for (int n : counts) {
            if (args.size() == n) {
                return;
            }
        }
        throw new Rejected(SkipReason.MALFORMED, name + " has " + args.size() + " arguments");
    }

    /** Argument {@code index} as a number (NULL is 0; an fd decoded by {@code -y} keeps its number). */
    long numberArg(int index) throws Rejected {
        String arg = arg(index);
        int path = arg.indexOf('<');
        return number(path > 0 ? arg.substring(0, path) : arg);
    }

    /** Argument {@code index} as a flag word made of {@code names}, numbers, and {@code N<<SHIFT} terms. */
    long flagsArg(int index, Map<String, Long> names) throws Rejected {
        return flags(arg(index), names);
    }

    long flags(String text, Map<String, Long> names) throws Rejected {
        long value = 0;
        for (String term : text.split("\\|", -1)) {
            String t = term.strip();
            Long known = names.get(t);
            if (known != null) {
                value |= known;
            } else if (t.contains("<<MAP_HUGE_SHIFT")) {
                value |= number(t.substring(0, t.indexOf('<'))) << LinuxMm.MAP_HUGE_SHIFT;
            } else if (!t.isEmpty() && Character.isDigit(t.charAt(0))) {
                value |= number(t);
            } else {
                throw new Rejected(SkipReason.MALFORMED, name + ": unknown flag " + abbreviate(t));
            }
        }
        return value;
    }

    /** A string argument without its quotes, with strace's escapes undone for quote and backslash. */
    String stringArg(int index) throws Rejected {
        String arg = arg(index);
        if (arg.length() < 2 || arg.charAt(0) != '"') {
            throw new Rejected(SkipReason.MALFORMED, name + ": argument " + index + " is not a string");
        }
        int end = skipString(arg, 0);
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < end - 1; i++) {
            char c = arg.charAt(i);
            if (c == '\\' && i + 1 < end - 1) {
                c = arg.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Parses strace's decimal or {@code 0x} hex, signed or unsigned 64-bit; NULL is 0. */
    long number(String text) throws Rejected {
        String t = text.strip();
        try {
            if (t.equals("NULL")) {
                return 0;
            }
            boolean negative = t.startsWith("-");
            String digits = negative ? t.substring(1) : t;
            long magnitude = digits.startsWith("0x") || digits.startsWith("0X")
                    ? Long.parseUnsignedLong(digits.substring(2), 16)
                    : Long.parseUnsignedLong(digits);
            return negative ? -magnitude : magnitude;
        } catch (NumberFormatException e) {
            throw new Rejected(SkipReason.MALFORMED, name + ": not a number: " + abbreviate(t));
        }
    }

    /** Removes strace -T's trailing {@code <0.000017>}. */
    private static String stripDuration(String rest) {
        if (rest.endsWith(">")) {
            int lt = rest.lastIndexOf('<');
            if (lt >= 0 && rest.substring(lt + 1, rest.length() - 1).matches("[0-9.]+")) {
                return rest.substring(0, lt).strip();
            }
        }
        return rest;
    }

    /** Index just past the closing quote of the string starting at {@code start} (or the end). */
    private static int skipString(String text, int start) {
        int i = start + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '"') {
                return i + 1;
            }
            i++;
        }
        return text.length();
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }

    static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    /**
     * Whether {@code name} can be a system call's name: 1 to 32 lower-case letters, digits and
     * underscores. A trace line's text before its parenthesis is only counted as a call when it
     * is one, so garbage (control characters, a tab and "at ", a terminal escape) from a damaged
     * trace never reaches the report.
     */
    static boolean isCallName(String name) {
        if (name == null || name.isEmpty() || name.length() > 32) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }
}

package org.devmirror.cli;

import java.util.List;

/**
 * Bad input: a command found that a file, an option or an argument cannot be used. Thrown out
 * of a command's {@code call()}, it reaches {@link DevmirrorCommand}'s handler, which prints
 * {@link #lines()} (control characters escaped) and exits {@link DevmirrorCommand#EXIT_BAD_INPUT}.
 * Each line names the file, line and token where there are any, and says why.
 */
public final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    // List.copyOf's lists are serializable; the declared type is only the interface
    @SuppressWarnings("serial")
    private final List<String> lines;

    public BadInputException(String line) {
        this(List.of(line));
    }

    /** Several errors, one per line (the errors of a scenario file). */
    public BadInputException(List<String> lines) {
        super(String.join("\n", lines), null, false, false);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("lines=[] must name at least one error");
        }
        this.lines = List.copyOf(lines);
    }

    public List<String> lines() {
        return lines;
    }
}

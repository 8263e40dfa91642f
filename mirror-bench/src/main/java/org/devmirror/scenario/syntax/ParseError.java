package org.devmirror.scenario.syntax;

/**
 * One error of a scenario file: where, the offending token ({@code ""} when something is
 * missing at the end of the line), and what is wrong. {@link #toString()} is the
 * {@code FILE:LINE: message} form the command line prints.
 */
public record ParseError(String file, int line, String token, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ": " + message;
    }
}

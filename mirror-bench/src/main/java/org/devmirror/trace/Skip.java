package org.devmirror.trace;

/**
 * One skipped line of a trace: where, why, and a short detail (the syscall name, the errno, or
 * what did not parse), for the report of what a replay left out.
 */
public record Skip(long line, SkipReason reason, String detail) {
    @Override
    public String toString() {
        return "line " + line + ": " + reason + " (" + detail + ")";
    }
}

package org.devmirror.replay;

/**
 * A trace goes beyond a limit of the replay (docs/limits.md): the replay stops at {@link #line()}
 * and the command line reports bad input there, rather than running the machine out of memory.
 */
public final class ReplayLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long line;

    ReplayLimitException(long line, String message) {
        super(message, null, false, false);
        this.line = line;
    }

    /** The trace line at which the limit was reached. */
    public long line() {
        return line;
    }
}

package org.devmirror.trace;

/** Why {@link StraceReader} turned a line of a trace into no {@link Syscall}. */
public enum SkipReason {
    /** The call returned an error ({@code = -1 ENOMEM (...)}): it changed nothing. */
    FAILED,
    /**
     * The call has no result ({@code = ?}, or a restart code such as {@code ERESTARTSYS}): it was
     * interrupted or its task died inside it, so what it did is unknown.
     */
    NO_RESULT,
    /** A signal delivery line ({@code --- SIGCHLD {...} ---}). */
    SIGNAL,
    /** A well-formed call that does not change an address space (wait4, kill, mlock, ...). */
    UNMODELLED_SYSCALL,
    /**
     * A modelled ioctl (a userfaultfd request or {@code PAGEMAP_SCAN}) whose argument strace did
     * not decode: it printed a pointer (strace 6.1 does so for UFFDIO_WRITEPROTECT, UFFDIO_MOVE
     * and PAGEMAP_SCAN), so the range is unknown.
     */
    UNDECODED_ARGUMENT,
    /** strace's own commentary: {@code strace: Process N attached}, {@code +++ superseded by execve ...}. */
    STRACE_NOTICE,
    /** An {@code <unfinished ...>} call whose {@code <... resumed>} half never came. */
    UNFINISHED,
    /** A {@code <... NAME resumed>} half with no matching {@code <unfinished ...>} before it. */
    ORPHAN_RESUMED,
    /** Anything that does not parse: truncated, garbled, unknown flag names, overlong lines. */
    MALFORMED;

    /** Number of reasons. */
    public static final int COUNT = values().length;
}

package org.devmirror.replay;

/**
 * Why a replay left out a call the strace reader delivered (the reader's own skips, failed calls
 * and unparsable lines, are {@link org.devmirror.trace.SkipReason}s).
 */
public enum ReplaySkip {
    /**
     * An address or length the kernel would have refused (unaligned, a zero-length {@code mmap} or
     * {@code munmap}, past TASK_SIZE); the trace says it succeeded. A zero-length {@code mprotect}
     * or {@code madvise} is no bad range: the kernel returns 0 and does nothing, and so does the replay.
     */
    BAD_RANGE,
    /** An {@code madvise} advice that changes no page table in devmirror's model (WILLNEED, DONTDUMP, ...). */
    UNMODELLED_ADVICE,
    /** {@code brk} before the program's first {@code brk(NULL)} query, so the heap's start is unknown. */
    UNKNOWN_BREAK,
    /**
     * {@code truncate(path, ...)}: a trace of memory calls has no {@code open}, so which mapped
     * file a path names is unknown ({@code ftruncate} names the descriptor and is replayed).
     */
    UNKNOWN_FILE,
    /** The simulated host rejected the arguments (its message is the detail). */
    HOST_REJECTED,
    /**
     * A {@code fork}/{@code clone}/{@code vfork}/{@code clone3} whose result is the caller's own
     * pid: no kernel returns that (the child gets a fresh pid from {@code alloc_pid}), so the line
     * was edited or garbled.
     */
    CHILD_IS_CALLER,
    /** A userfaultfd registration without {@code UFFDIO_REGISTER_MODE_WP}: missing and minor faults are not modelled. */
    UNMODELLED_MODE,
    /** An exit or end notice of a task the replay already ended (strace prints both {@code exit_group} and {@code +++ exited}). */
    TASK_ALREADY_ENDED;

    /** Number of reasons. */
    public static final int COUNT = values().length;
}

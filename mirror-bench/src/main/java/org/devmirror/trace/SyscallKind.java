package org.devmirror.trace;

/** The kinds of {@link Syscall} record, for per-kind counters indexed by {@link #ordinal()}. */
public enum SyscallKind {
    MMAP,
    MUNMAP,
    MREMAP,
    MPROTECT,
    BRK,
    MADVISE,
    /** ftruncate, truncate. */
    TRUNCATE,
    FALLOCATE,
    /** fork, vfork, clone, clone3. */
    CLONE,
    /** execve, execveat. */
    EXECVE,
    /** exit, exit_group. */
    EXIT,
    /** ioctl with a modelled request: the userfaultfd ioctls and PAGEMAP_SCAN. */
    IOCTL,
    /** {@code +++ exited with N +++} and {@code +++ killed by SIG +++}. */
    PROCESS_END;

    /** Number of kinds. */
    public static final int COUNT = values().length;
}

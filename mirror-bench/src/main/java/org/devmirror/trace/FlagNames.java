package org.devmirror.trace;

import static java.util.Map.entry;

import java.util.Map;

/**
 * The symbolic names strace prints for each flag word, mapped to their {@link LinuxMm} values.
 * strace prints a flag word as {@code NAME|NAME|0x...}: known bits by name, leftover bits as one
 * number ({@code printflags64} in strace's src/xlat.c), and the hugetlb size of mmap as
 * {@code N<<MAP_HUGE_SHIFT}.
 */
final class FlagNames {
    static final Map<String, Long> PROT = Map.ofEntries(
            entry("PROT_NONE", (long) LinuxMm.PROT_NONE),
            entry("PROT_READ", (long) LinuxMm.PROT_READ),
            entry("PROT_WRITE", (long) LinuxMm.PROT_WRITE),
            entry("PROT_EXEC", (long) LinuxMm.PROT_EXEC),
            entry("PROT_SEM", (long) LinuxMm.PROT_SEM),
            entry("PROT_GROWSDOWN", (long) LinuxMm.PROT_GROWSDOWN),
            entry("PROT_GROWSUP", (long) LinuxMm.PROT_GROWSUP));

    static final Map<String, Long> MAP = Map.ofEntries(
            entry("MAP_SHARED", (long) LinuxMm.MAP_SHARED),
            entry("MAP_PRIVATE", (long) LinuxMm.MAP_PRIVATE),
            entry("MAP_SHARED_VALIDATE", (long) LinuxMm.MAP_SHARED_VALIDATE),
            entry("MAP_DROPPABLE", (long) LinuxMm.MAP_DROPPABLE),
            entry("MAP_FIXED", (long) LinuxMm.MAP_FIXED),
            entry("MAP_ANONYMOUS", (long) LinuxMm.MAP_ANONYMOUS),
            entry("MAP_ANON", (long) LinuxMm.MAP_ANONYMOUS),
            entry("MAP_32BIT", (long) LinuxMm.MAP_32BIT),
            entry("MAP_GROWSDOWN", (long) LinuxMm.MAP_GROWSDOWN),
            entry("MAP_DENYWRITE", (long) LinuxMm.MAP_DENYWRITE),
            entry("MAP_EXECUTABLE", (long) LinuxMm.MAP_EXECUTABLE),
            entry("MAP_LOCKED", (long) LinuxMm.MAP_LOCKED),
            entry("MAP_NORESERVE", (long) LinuxMm.MAP_NORESERVE),
            entry("MAP_POPULATE", (long) LinuxMm.MAP_POPULATE),
            entry("MAP_NONBLOCK", (long) LinuxMm.MAP_NONBLOCK),
            entry("MAP_STACK", (long) LinuxMm.MAP_STACK),
            entry("MAP_HUGETLB", (long) LinuxMm.MAP_HUGETLB),
            entry("MAP_SYNC", (long) LinuxMm.MAP_SYNC),
            entry("MAP_FIXED_NOREPLACE", (long) LinuxMm.MAP_FIXED_NOREPLACE),
            entry("MAP_UNINITIALIZED", (long) LinuxMm.MAP_UNINITIALIZED),
            entry("MAP_HUGE_64KB", 16L << LinuxMm.MAP_HUGE_SHIFT),
            entry("MAP_HUGE_2MB", 21L << LinuxMm.MAP_HUGE_SHIFT),
            entry("MAP_HUGE_1GB", 30L << LinuxMm.MAP_HUGE_SHIFT));

    static final Map<String, Long> MREMAP = Map.ofEntries(
            entry("MREMAP_MAYMOVE", (long) LinuxMm.MREMAP_MAYMOVE),
            entry("MREMAP_FIXED", (long) LinuxMm.MREMAP_FIXED),
            entry("MREMAP_DONTUNMAP", (long) LinuxMm.MREMAP_DONTUNMAP));

    /** fallocate's mode bits (include/uapi/linux/falloc.h) devmirror models; others are MALFORMED. */
    static final Map<String, Long> FALLOC = Map.ofEntries(
            entry("FALLOC_FL_KEEP_SIZE", (long) LinuxMm.FALLOC_FL_KEEP_SIZE),
            entry("FALLOC_FL_PUNCH_HOLE", (long) LinuxMm.FALLOC_FL_PUNCH_HOLE));

    /** madvise's advice is a single value, not a bit set. */
    static final Map<String, Long> MADV = Map.ofEntries(
            entry("MADV_NORMAL", (long) LinuxMm.MADV_NORMAL),
            entry("MADV_RANDOM", (long) LinuxMm.MADV_RANDOM),
            entry("MADV_SEQUENTIAL", (long) LinuxMm.MADV_SEQUENTIAL),
            entry("MADV_WILLNEED", (long) LinuxMm.MADV_WILLNEED),
            entry("MADV_DONTNEED", (long) LinuxMm.MADV_DONTNEED),
            entry("MADV_FREE", (long) LinuxMm.MADV_FREE),
            entry("MADV_REMOVE", (long) LinuxMm.MADV_REMOVE),
            entry("MADV_DONTFORK", (long) LinuxMm.MADV_DONTFORK),
            entry("MADV_DOFORK", (long) LinuxMm.MADV_DOFORK),
            entry("MADV_MERGEABLE", (long) LinuxMm.MADV_MERGEABLE),
            entry("MADV_UNMERGEABLE", (long) LinuxMm.MADV_UNMERGEABLE),
            entry("MADV_HUGEPAGE", (long) LinuxMm.MADV_HUGEPAGE),
            entry("MADV_NOHUGEPAGE", (long) LinuxMm.MADV_NOHUGEPAGE),
            entry("MADV_DONTDUMP", (long) LinuxMm.MADV_DONTDUMP),
            entry("MADV_DODUMP", (long) LinuxMm.MADV_DODUMP),
            entry("MADV_WIPEONFORK", (long) LinuxMm.MADV_WIPEONFORK),
            entry("MADV_KEEPONFORK", (long) LinuxMm.MADV_KEEPONFORK),
            entry("MADV_COLD", (long) LinuxMm.MADV_COLD),
            entry("MADV_PAGEOUT", (long) LinuxMm.MADV_PAGEOUT),
            entry("MADV_POPULATE_READ", (long) LinuxMm.MADV_POPULATE_READ),
            entry("MADV_POPULATE_WRITE", (long) LinuxMm.MADV_POPULATE_WRITE),
            entry("MADV_DONTNEED_LOCKED", (long) LinuxMm.MADV_DONTNEED_LOCKED),
            entry("MADV_COLLAPSE", (long) LinuxMm.MADV_COLLAPSE),
            entry("MADV_HWPOISON", (long) LinuxMm.MADV_HWPOISON),
            entry("MADV_SOFT_OFFLINE", (long) LinuxMm.MADV_SOFT_OFFLINE),
            entry("MADV_GUARD_INSTALL", (long) LinuxMm.MADV_GUARD_INSTALL),
            entry("MADV_GUARD_REMOVE", (long) LinuxMm.MADV_GUARD_REMOVE));

    /**
     * clone's flags end with the exit signal by name ({@code ...|SIGCHLD}); it lives in the
     * {@link LinuxMm#CSIGNAL} byte. x86-64 signal numbers (arch/x86/include/uapi/asm/signal.h).
     */
    static final Map<String, Long> CLONE = Map.ofEntries(
            entry("CLONE_VM", LinuxMm.CLONE_VM),
            entry("CLONE_FS", LinuxMm.CLONE_FS),
            entry("CLONE_FILES", LinuxMm.CLONE_FILES),
            entry("CLONE_SIGHAND", LinuxMm.CLONE_SIGHAND),
            entry("CLONE_PIDFD", LinuxMm.CLONE_PIDFD),
            entry("CLONE_PTRACE", LinuxMm.CLONE_PTRACE),
            entry("CLONE_VFORK", LinuxMm.CLONE_VFORK),
            entry("CLONE_PARENT", LinuxMm.CLONE_PARENT),
            entry("CLONE_THREAD", LinuxMm.CLONE_THREAD),
            entry("CLONE_NEWNS", LinuxMm.CLONE_NEWNS),
            entry("CLONE_SYSVSEM", LinuxMm.CLONE_SYSVSEM),
            entry("CLONE_SETTLS", LinuxMm.CLONE_SETTLS),
            entry("CLONE_PARENT_SETTID", LinuxMm.CLONE_PARENT_SETTID),
            entry("CLONE_CHILD_CLEARTID", LinuxMm.CLONE_CHILD_CLEARTID),
            entry("CLONE_DETACHED", LinuxMm.CLONE_DETACHED),
            entry("CLONE_UNTRACED", LinuxMm.CLONE_UNTRACED),
            entry("CLONE_CHILD_SETTID", LinuxMm.CLONE_CHILD_SETTID),
            entry("CLONE_NEWCGROUP", LinuxMm.CLONE_NEWCGROUP),
            entry("CLONE_NEWUTS", LinuxMm.CLONE_NEWUTS),
            entry("CLONE_NEWIPC", LinuxMm.CLONE_NEWIPC),
            entry("CLONE_NEWUSER", LinuxMm.CLONE_NEWUSER),
            entry("CLONE_NEWPID", LinuxMm.CLONE_NEWPID),
            entry("CLONE_NEWNET", LinuxMm.CLONE_NEWNET),
            entry("CLONE_IO", LinuxMm.CLONE_IO),
            entry("CLONE_CLEAR_SIGHAND", LinuxMm.CLONE_CLEAR_SIGHAND),
            entry("CLONE_INTO_CGROUP", LinuxMm.CLONE_INTO_CGROUP),
            entry("CLONE_NEWTIME", LinuxMm.CLONE_NEWTIME),
            entry("SIGHUP", 1L),
            entry("SIGINT", 2L),
            entry("SIGQUIT", 3L),
            entry("SIGILL", 4L),
            entry("SIGTRAP", 5L),
            entry("SIGABRT", 6L),
            entry("SIGBUS", 7L),
            entry("SIGFPE", 8L),
            entry("SIGKILL", 9L),
            entry("SIGUSR1", 10L),
            entry("SIGSEGV", 11L),
            entry("SIGUSR2", 12L),
            entry("SIGPIPE", 13L),
            entry("SIGALRM", 14L),
            entry("SIGTERM", 15L),
            entry("SIGSTKFLT", 16L),
            entry("SIGCHLD", LinuxMm.SIGCHLD),
            entry("SIGCONT", 18L),
            entry("SIGSTOP", 19L),
            entry("SIGTSTP", 20L),
            entry("SIGTTIN", 21L),
            entry("SIGTTOU", 22L),
            entry("SIGURG", 23L),
            entry("SIGXCPU", 24L),
            entry("SIGXFSZ", 25L),
            entry("SIGVTALRM", 26L),
            entry("SIGPROF", 27L),
            entry("SIGWINCH", 28L),
            entry("SIGIO", 29L),
            entry("SIGPWR", 30L),
            entry("SIGSYS", 31L));

    private FlagNames() {}
}

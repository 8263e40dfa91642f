package org.devmirror.trace;

import java.util.Map;

/**
 * One completed, successful system call (or process end) of a traced program that changes an
 * address space: what strace printed for it, decoded into the kernel's values.
 *
 * <p>Every record carries the 1-based {@link #line()} of the trace where the call <em>began</em>
 * (for a call strace split into {@code <unfinished ...>} and {@code <... resumed>}, the first
 * half), and the {@link #pid()} that made it: the thread id strace printed, or
 * {@link #NO_PID} for a trace written without {@code -f}, which has no pid column. Records are
 * delivered in the order the calls <em>completed</em>, which is the order their effects became
 * visible (an {@code mmap} has its address only when it returns).
 *
 * <p>Failed calls are never records: {@link StraceReader} skips them with
 * {@link SkipReason#FAILED}, because they changed nothing.
 */
public sealed interface Syscall {
    /** The pid of every record of a trace without pid prefixes (strace run without {@code -f}). */
    int NO_PID = 0;

    /** 1-based line of the trace where the call began. */
    long line();

    /** Thread id that made the call, or {@link #NO_PID}. */
    int pid();

    /** Which of the modelled calls this is. */
    SyscallKind kind();

    /**
     * {@code mmap(addr, length, prot, flags, fd, offset) = result}: the new mapping is
     * {@code [result, result + length)}. {@code addr} is the hint (0 for NULL); {@code fd} is
     * -1 for an anonymous mapping.
     */
    record Mmap(long line, int pid, long addr, long length, int prot, int flags, int fd, long offset, long result)
            implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.MMAP;
        }

        /** {@code MAP_ANONYMOUS} is set: no file backs the mapping. */
        public boolean isAnonymous() {
            return (flags & LinuxMm.MAP_ANONYMOUS) != 0;
        }

        /** The mapping type is {@code MAP_SHARED} or {@code MAP_SHARED_VALIDATE}. */
        public boolean isShared() {
            return (flags & LinuxMm.MAP_SHARED) != 0;
        }
    }

    /** {@code munmap(addr, length) = 0}. */
    record Munmap(long line, int pid, long addr, long length) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.MUNMAP;
        }
    }

    /**
     * {@code mremap(oldAddr, oldLength, newLength, flags[, newAddr]) = result}: the mapping now
     * lives at {@code [result, result + newLength)}. {@code newAddr} is 0 unless
     * {@code MREMAP_FIXED} passed one.
     */
    record Mremap(
            long line, int pid, long oldAddr, long oldLength, long newLength, int flags, long newAddr, long result)
            implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.MREMAP;
        }
    }

    /** {@code mprotect(addr, length, prot) = 0}. */
    record Mprotect(long line, int pid, long addr, long length, int prot) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.MPROTECT;
        }
    }

    /**
     * {@code brk(requested) = result}: the program break is now {@code result}. {@code requested}
     * is 0 for {@code brk(NULL)}, the query every program starts with. brk reports failure by
     * returning the old break, so a result below the request is not an error record.
     */
    record Brk(long line, int pid, long requested, long result) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.BRK;
        }
    }

    /** {@code madvise(addr, length, advice) = 0}; {@code advice} is a {@code MADV_*} value. */
    record Madvise(long line, int pid, long addr, long length, int advice) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.MADVISE;
        }
    }

    /**
     * {@code ftruncate(fd, length) = 0} ({@code fd} the descriptor, {@code path} null) or
     * {@code truncate(path, length) = 0} ({@code fd} -1).
     */
    record Truncate(long line, int pid, int fd, String path, long length) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.TRUNCATE;
        }
    }

    /** {@code fallocate(fd, mode, offset, length) = 0}; {@code mode} is {@code FALLOC_FL_*} bits. */
    record Fallocate(long line, int pid, int fd, int mode, long offset, long length) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.FALLOCATE;
        }
    }

    /**
     * A new task: {@code fork}, {@code vfork}, {@code clone} or {@code clone3} (the call's
     * {@code name}), returning {@code childPid} in the parent. {@code flags} are the clone flags
     * (fork is {@code SIGCHLD}; vfork is {@code CLONE_VM|CLONE_VFORK|SIGCHLD}, as
     * kernel/fork.c builds them).
     */
    record Clone(long line, int pid, String name, long flags, int childPid) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.CLONE;
        }

        /**
         * {@code CLONE_VM} is set: the child runs in the parent's address space (a thread, or a
         * vfork child until it execs); otherwise it gets a copy (copy_mm → dup_mm).
         */
        public boolean sharesAddressSpace() {
            return (flags & LinuxMm.CLONE_VM) != 0;
        }
    }

    /**
     * {@code execve(path, ...) = 0} (or {@code execveat}): the caller's old address space is
     * released and it continues in a fresh one (exec_mmap).
     */
    record Execve(long line, int pid, String path) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.EXECVE;
        }
    }

    /**
     * {@code exit(status)} ({@code group} false: this thread) or {@code exit_group(status)}
     * ({@code group} true: every thread of the process). strace prints {@code = ?} for both.
     */
    record Exit(long line, int pid, boolean group, int status) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.EXIT;
        }
    }

    /**
     * {@code ioctl(fd, REQUEST, {...}) = result} for a request a replay models (the names of
     * {@link IoctlNames#FIELDS}: the userfaultfd ioctls and {@code PAGEMAP_SCAN}), with the fields
     * of its argument struct that matter, decoded to numbers ({@code range.start}, {@code mode},
     * ...; nested struct fields dotted). strace prints the struct the call was given, then
     * {@code =>} and what the kernel wrote back; only the given part is read.
     */
    record Ioctl(long line, int pid, int fd, String request, Map<String, Long> args, long result) implements Syscall {
        public Ioctl {
            args = Map.copyOf(args);
        }

        @Override
        public SyscallKind kind() {
            return SyscallKind.IOCTL;
        }

        /** A decoded field; every field {@link IoctlNames#FIELDS} lists for the request is present. */
        public long arg(String field) {
            Long v = args.get(field);
            if (v == null) {
                throw new IllegalArgumentException("field=" + field + " is not decoded for " + request);
            }
            return v;
        }
    }

    /**
     * strace's notice that a task is gone: {@code +++ exited with N +++} ({@code killedBy} null)
     * or {@code +++ killed by SIGNAME +++} ({@code status} -1, {@code killedBy} the signal).
     */
    record ProcessEnd(long line, int pid, int status, String killedBy) implements Syscall {
        @Override
        public SyscallKind kind() {
            return SyscallKind.PROCESS_END;
        }
    }
}

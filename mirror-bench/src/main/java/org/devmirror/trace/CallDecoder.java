package org.devmirror.trace;

import org.devmirror.trace.CallText.Rejected;

/**
 * The semantic half of decoding a strace call: turns a complete
 * {@code name(args) = result} into the {@link Syscall} record of a modelled call, or rejects it
 * with the {@link SkipReason} to count it under.
 */
final class CallDecoder {
    private CallDecoder() {}

    /**
     * Decodes {@code body}, which began on {@code line} in task {@code pid}.
     *
     * @return the record; never null
     * @throws Rejected for a failed, unfinished, unmodelled or malformed call
     */
    static Syscall decode(long line, int pid, String body) throws Rejected {
        CallText call = CallText.parse(body);
        return switch (call.name) {
            case "mmap" -> {
                call.requireArgs(6);
                long result = call.returnValue();
                yield new Syscall.Mmap(line, pid, call.numberArg(0), call.numberArg(1),
                        (int) call.flagsArg(2, FlagNames.PROT), (int) call.flagsArg(3, FlagNames.MAP),
                        (int) call.numberArg(4), call.numberArg(5), result);
            }
            case "munmap" -> {
                call.requireArgs(2);
                call.returnValue();
                yield new Syscall.Munmap(line, pid, call.numberArg(0), call.numberArg(1));
            }
            case "mremap" -> {
                call.requireArgs(4, 5);
                long result = call.returnValue();
                long newAddr = call.args.size() == 5 ? call.numberArg(4) : 0;
                yield new Syscall.Mremap(line, pid, call.numberArg(0), call.numberArg(1), call.numberArg(2),
                        (int) call.flagsArg(3, FlagNames.MREMAP), newAddr, result);
            }
            case "mprotect" -> {
                call.requireArgs(3);
                call.returnValue();
                yield new Syscall.Mprotect(line, pid, call.numberArg(0), call.numberArg(1),
                        (int) call.flagsArg(2, FlagNames.PROT));
            }
            case "brk" -> {
                call.requireArgs(1);
                long result = call.returnValue();
                yield new Syscall.Brk(line, pid, call.numberArg(0), result);
            }
            case "madvise" -> {
                call.requireArgs(3);
                call.returnValue();
                yield new Syscall.Madvise(line, pid, call.numberArg(0), call.numberArg(1),
                        (int) call.flagsArg(2, FlagNames.MADV));
            }
            case "ftruncate" -> {
                call.requireArgs(2);
                call.returnValue();
                yield new Syscall.Truncate(line, pid, (int) call.numberArg(0), null, call.numberArg(1));
            }
            case "truncate" -> {
                call.requireArgs(2);
                call.returnValue();
                yield new Syscall.Truncate(line, pid, -1, call.stringArg(0), call.numberArg(1));
            }
            case "fallocate" -> {
                call.requireArgs(4);
                call.returnValue();
                yield new Syscall.Fallocate(line, pid, (int) call.numberArg(0), (int) call.flagsArg(1, FlagNames.FALLOC),
                        call.numberArg(2), call.numberArg(3));
            }
            case "fork" -> new Syscall.Clone(line, pid, "fork", LinuxMm.SIGCHLD, childPid(call));
            case "vfork" -> new Syscall.Clone(line, pid, "vfork",
                    LinuxMm.CLONE_VM | LinuxMm.CLONE_VFORK | LinuxMm.SIGCHLD, childPid(call));
            case "clone", "clone3" -> {
                int child = childPid(call);
                yield new Syscall.Clone(line, pid, call.name, cloneFlags(call), child);
            }
            case "execve" -> {
                call.returnValue();
                yield new Syscall.Execve(line, pid, call.stringArg(0));
            }
            case "execveat" -> {
                call.returnValue();
                yield new Syscall.Execve(line, pid, call.stringArg(1));
            }
            case "exit", "exit_group" -> {
                call.requireArgs(1);
                yield new Syscall.Exit(line, pid, call.name.equals("exit_group"), (int) call.numberArg(0));
            }
            default -> throw new Rejected(SkipReason.UNMODELLED_SYSCALL, call.name);
        };
    }

    /** The child's pid, which the parent's call returns. */
    private static int childPid(CallText call) throws Rejected {
        long child = call.returnValue();
        if (child <= 0 || child > Integer.MAX_VALUE) {
            throw new Rejected(SkipReason.MALFORMED, call.name + ": child pid " + child);
        }
        return (int) child;
    }

    /**
     * clone prints {@code flags=A|B|SIGCHLD} as one argument; clone3 prints a struct
     * {@code {flags=A|B, ...}} as its first argument. Without a flags field the call is a plain
     * fork (clone3 with {@code flags=0} may omit it).
     */
    private static long cloneFlags(CallText call) throws Rejected {
        for (String arg : call.args) {
            int at = arg.indexOf("flags=");
            if (at >= 0) {
                int end = at + "flags=".length();
                while (end < arg.length() && arg.charAt(end) != ',' && arg.charAt(end) != '}') {
                    end++;
                }
                return call.flags(arg.substring(at + "flags=".length(), end), FlagNames.CLONE);
            }
        }
        return 0;
    }
}

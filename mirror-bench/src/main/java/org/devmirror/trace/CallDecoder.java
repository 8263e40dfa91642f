package org.devmirror.trace;

import java.util.HashMap;
import java.util.Map;
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
                yield new Syscall.Mmap(
                        line,
                        pid,
                        call.numberArg(0),
                        call.numberArg(1),
                        (int) call.flagsArg(2, FlagNames.PROT),
                        (int) call.flagsArg(3, FlagNames.MAP),
                        (int) call.numberArg(4),
                        call.numberArg(5),
                        result);
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
                yield new Syscall.Mremap(
                        line,
                        pid,
                        call.numberArg(0),
                        call.numberArg(1),
                        call.numberArg(2),
                        (int) call.flagsArg(3, FlagNames.MREMAP),
                        newAddr,
                        result);
            }
            case "mprotect" -> {
                call.requireArgs(3);
                call.returnValue();
                yield new Syscall.Mprotect(
                        line, pid, call.numberArg(0), call.numberArg(1), (int) call.flagsArg(2, FlagNames.PROT));
            }
            case "brk" -> {
                call.requireArgs(1);
                long result = call.returnValue();
                yield new Syscall.Brk(line, pid, call.numberArg(0), result);
            }
            case "madvise" -> {
                call.requireArgs(3);
                call.returnValue();
                yield new Syscall.Madvise(
                        line, pid, call.numberArg(0), call.numberArg(1), (int) call.flagsArg(2, FlagNames.MADV));
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
                yield new Syscall.Fallocate(
                        line,
                        pid,
                        (int) call.numberArg(0),
                        (int) call.flagsArg(1, FlagNames.FALLOC),
                        call.numberArg(2),
                        call.numberArg(3));
            }
            case "fork" -> new Syscall.Clone(line, pid, "fork", LinuxMm.SIGCHLD, childPid(call));
            case "vfork" ->
                new Syscall.Clone(
                        line, pid, "vfork", LinuxMm.CLONE_VM | LinuxMm.CLONE_VFORK | LinuxMm.SIGCHLD, childPid(call));
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
            case "ioctl" -> ioctl(line, pid, call);
            default -> throw new Rejected(SkipReason.UNMODELLED_SYSCALL, call.name);
        };
    }

    /** {@code ioctl(fd, REQUEST, ARG) = result} for a modelled request. */
    private static Syscall ioctl(long line, int pid, CallText call) throws Rejected {
        call.requireArgs(2, 3);
        String request = call.args.get(1);
        String named = IoctlNames.RAW.getOrDefault(request, request);
        Map<String, Map<String, Long>> fields = IoctlNames.FIELDS.get(named);
        if (fields == null) {
            throw new Rejected(SkipReason.UNMODELLED_SYSCALL, "ioctl " + request);
        }
        long result = call.returnValue();
        String arg = call.args.size() == 3 ? call.args.get(2) : "";
        if (!arg.startsWith("{")) {
            throw new Rejected(SkipReason.UNDECODED_ARGUMENT, "ioctl " + named + " " + arg);
        }
        Map<String, String> text = StructText.fields(call, arg);
        Map<String, Long> args = new HashMap<>();
        for (Map.Entry<String, Map<String, Long>> f : fields.entrySet()) {
            String value = text.get(f.getKey());
            if (value == null) {
                throw new Rejected(SkipReason.MALFORMED, "ioctl " + named + ": no " + f.getKey() + " in " + arg);
            }
            args.put(f.getKey(), call.flags(value, f.getValue()));
        }
        return new Syscall.Ioctl(line, pid, (int) call.numberArg(0), named, args, result);
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

package org.devmirror.scenario;

import java.util.Locale;
import org.devmirror.scenario.ParseScope.Kind;
import org.devmirror.scenario.Tokens.LineError;

/**
 * Parses the operation statements of docs/scenarios.md: host operations (first token a host
 * keyword, or {@code NAME = mmap|mremap}) and device operations (first token a declared device).
 */
final class OperationParser {
    private final ParseScope scope;

    OperationParser(ParseScope scope) {
        this.scope = scope;
    }

    /** {@code keyword} is the statement's first token, already consumed; {@code binding} the {@code NAME =} or null. */
    HostOp host(String keyword, String binding, Tokens t, int line) throws LineError {
        scope.requireLiveSpace(keyword);
        String space = scope.space();
        HostOp op = switch (keyword) {
            case "mmap" -> mmap(t, line, space, binding);
            case "mremap" -> mremap(t, line, space, binding);
            case "munmap" -> new HostOp.Munmap(line, space, address(t, "munmap address"), t.pageSize("munmap length"));
            case "mprotect" -> new HostOp.Mprotect(line, space, address(t, "mprotect address"),
                    t.pageSize("mprotect length"), Tokens.prot(t.next("protection (none, r, rw, rx or rwx)")));
            case "madvise" -> new HostOp.Madvise(line, space, address(t, "madvise address"),
                    t.pageSize("madvise length"), advice(t.next("advice")));
            case "read" -> new HostOp.CpuRead(line, space, byteAddress(t, "read address"), t.byteLength("read length"));
            case "write" -> cpuWrite(t, line, space);
            case "fork" -> {
                String child = t.name("child address space name");
                if (scope.spaces() >= ScenarioLimits.MAX_SPACES) {
                    throw new LineError(child, "fork of '" + child + "' would make " + (scope.spaces() + 1)
                            + " address spaces, beyond the limit of " + ScenarioLimits.MAX_SPACES + " (docs/limits.md)");
                }
                scope.define(child, Kind.SPACE, line);
                yield new HostOp.Fork(line, space, child);
            }
            case "clear-soft-dirty" -> new HostOp.ClearSoftDirty(line, space);
            case "reclaim" -> new HostOp.Reclaim(line, space, address(t, "reclaim address"), t.pageSize("reclaim length"));
            case "compact" -> new HostOp.Compact(line, space, address(t, "compact address"), t.pageSize("compact length"));
            case "ksm" -> new HostOp.Ksm(line, space, address(t, "ksm address"), t.pageSize("ksm length"));
            case "thp" -> {
                String verb = t.next("'collapse' or 'split' after 'thp'");
                yield switch (verb) {
                    case "collapse" -> new HostOp.ThpCollapse(line, space, address(t, "thp collapse address"));
                    case "split" -> new HostOp.ThpSplit(line, space, address(t, "thp split address"));
                    default -> throw new LineError(verb, "bad thp operation '" + verb + "' (expected collapse or split)");
                };
            }
            case "oom-reap" -> new HostOp.OomReap(line, space);
            case "writeback" -> new HostOp.Writeback(line, space, file(t));
            case "truncate" -> new HostOp.Truncate(line, space, file(t), t.size("truncate size"));
            case "punch-hole" -> {
                String file = file(t);
                long offset = t.size("punch-hole offset");
                yield new HostOp.PunchHole(line, space, file, offset, t.byteLength("punch-hole length"));
            }
            case "memory-failure" -> new HostOp.MemoryFailure(line, space, address(t, "memory-failure address"));
            case "exit" -> {
                scope.markExited(line);
                yield new HostOp.Exit(line, space);
            }
            case "uffd" -> uffd(t, line, space);
            case "pagemap-scan" -> new HostOp.PagemapScan(line, space, address(t, "pagemap-scan address"),
                    t.pageSize("pagemap-scan length"), flag(t, "wp"));
            case "numa-hint" -> new HostOp.NumaHint(line, space, address(t, "numa-hint address"), t.pageSize("numa-hint length"));
            default -> throw new IllegalStateException("keyword=" + keyword + " is not a host operation");
        };
        t.end(keyword);
        return op;
    }

    /** {@code device} is the declared device named by the first token; the verb comes next. */
    DeviceOp device(String device, Tokens t, int line) throws LineError {
        String verb = t.next("device operation after '" + device + "'");
        scope.requireLiveSpace(device + " " + verb);
        String space = scope.space();
        String what = device + " " + verb;
        DeviceOp op = switch (verb) {
            case "read" -> new DeviceOp.Read(line, space, device, address(t, what + " address"), t.accessPageSize(what + " length"));
            case "write" -> {
                Address addr = address(t, what + " address");
                long length = t.accessPageSize(what + " length");
                yield new DeviceOp.Write(line, space, device, addr, length, fitted(t, length));
            }
            case "atomic" -> {
                Address addr = address(t, what + " address");
                long length = t.accessPageSize(what + " length");
                long addend = 1;
                if (t.accept("add")) {
                    addend = t.count("addend");
                }
                yield new DeviceOp.Atomic(line, space, device, addr, length, addend);
            }
            case "snapshot" -> new DeviceOp.Snapshot(line, space, device, address(t, what + " address"), t.accessPageSize(what + " length"));
            case "migrate" -> new DeviceOp.MigrateToDevice(line, space, device, address(t, what + " address"),
                    t.accessPageSize(what + " length"));
            case "migrate-back" -> new DeviceOp.MigrateToSystem(line, space, device, address(t, what + " address"),
                    t.accessPageSize(what + " length"));
            case "exclusive" -> new DeviceOp.Exclusive(line, space, device, address(t, what + " address"),
                    t.accessPageSize(what + " length"));
            case "check-exclusive" -> new DeviceOp.CheckExclusive(line, space, device, address(t, what + " address"),
                    t.accessPageSize(what + " length"));
            case "release" -> new DeviceOp.Release(line, space, device);
            case "lock" -> {
                scope.holdLock(device, line, verb);
                yield new DeviceOp.HoldLock(line, space, device);
            }
            case "unlock" -> {
                scope.releaseLock(device, verb);
                yield new DeviceOp.ReleaseLock(line, space, device);
            }
            case "fail-alloc" -> {
                String token = t.peek();
                long count = t.atEnd() ? 1 : t.count("allocation count");
                if (count < 1 || count > Integer.MAX_VALUE) {
                    throw new LineError(token, "fail-alloc count '" + token + "' is not in 1.." + Integer.MAX_VALUE);
                }
                yield new DeviceOp.FailAlloc(line, space, device, (int) count);
            }
            default -> throw new LineError(verb, "bad device operation '" + verb + "' (expected read, write, atomic, "
                    + "snapshot, migrate, migrate-back, exclusive, check-exclusive, release, fail-alloc, lock or unlock)");
        };
        t.end(what);
        return op;
    }

    /** {@code uffd open|register|unregister|protect|unprotect|move ...}. */
    private HostOp uffd(Tokens t, int line, String space) throws LineError {
        String verb = t.next("'open', 'register', 'unregister', 'protect', 'unprotect' or 'move' after 'uffd'");
        return switch (verb) {
            case "open" -> {
                boolean async = false;
                boolean unpopulated = false;
                while (!t.atEnd()) {
                    String word = t.next("uffd open feature");
                    switch (word) {
                        case "async" -> {
                            once(async, word, "'async'");
                            async = true;
                        }
                        case "unpopulated" -> {
                            once(unpopulated, word, "'unpopulated'");
                            unpopulated = true;
                        }
                        default -> throw new LineError(word, "bad uffd feature '" + word + "' (expected async or unpopulated)");
                    }
                }
                yield new HostOp.UffdOpen(line, space, async, unpopulated);
            }
            case "register" -> new HostOp.UffdRegister(line, space, address(t, "uffd register address"), t.pageSize("uffd register length"));
            case "unregister" -> new HostOp.UffdUnregister(line, space, address(t, "uffd unregister address"),
                    t.pageSize("uffd unregister length"));
            case "protect" -> new HostOp.UffdWriteProtect(line, space, address(t, "uffd protect address"),
                    t.pageSize("uffd protect length"), true, false);
            case "unprotect" -> new HostOp.UffdWriteProtect(line, space, address(t, "uffd unprotect address"),
                    t.pageSize("uffd unprotect length"), false, flag(t, "dontwake"));
            case "move" -> new HostOp.UffdMove(line, space, address(t, "uffd move destination"), address(t, "uffd move source"),
                    t.pageSize("uffd move length"), flag(t, "allow-holes"));
            default -> throw new LineError(verb, "bad uffd operation '" + verb
                    + "' (expected open, register, unregister, protect, unprotect or move)");
        };
    }

    /** An optional trailing word: true if it is there. */
    private static boolean flag(Tokens t, String word) {
        return t.accept(word);
    }

    /** {@code mmap SIZE} then options in any order: PROT, private|shared, anon|file NAME, offset SIZE, fixed, huge, hugetlb, at ADDR. */
    private HostOp.Mmap mmap(Tokens t, int line, String space, String binding) throws LineError {
        long length = t.pageSize("mmap length");
        Integer prot = null;
        Boolean shared = null;
        boolean anon = false;
        String file = null;
        String offsetToken = null;
        long offset = 0;
        boolean fixed = false;
        boolean huge = false;
        boolean hugetlb = false;
        Address at = null;
        while (!t.atEnd()) {
            String word = t.next("mmap option");
            switch (word) {
                case "none", "r", "rw", "rx", "rwx" -> {
                    once(prot != null, word, "protection");
                    prot = Tokens.prot(word);
                }
                case "private", "shared" -> {
                    once(shared != null, word, "'private' or 'shared'");
                    shared = word.equals("shared");
                }
                case "anon" -> {
                    once(anon || file != null, word, "'anon' or 'file'");
                    anon = true;
                }
                case "file" -> {
                    once(anon || file != null, word, "'anon' or 'file'");
                    file = t.next("file name after 'file'");
                    scope.require(file, Kind.FILE);
                }
                case "offset" -> {
                    once(offsetToken != null, word, "'offset'");
                    offsetToken = word;
                    offset = t.pageSizeOrZero("file offset");
                }
                case "fixed" -> {
                    once(fixed, word, "'fixed'");
                    fixed = true;
                }
                case "huge" -> {
                    once(huge, word, "'huge'");
                    huge = true;
                }
                case "hugetlb" -> {
                    once(hugetlb, word, "'hugetlb'");
                    hugetlb = true;
                }
                case "at" -> {
                    once(at != null, word, "'at'");
                    at = address(t, "mmap address");
                }
                default -> throw new LineError(word, "bad mmap option '" + word + "' (expected none, r, rw, rx, rwx, "
                        + "private, shared, anon, file NAME, offset SIZE, fixed, huge, hugetlb or at ADDR)");
            }
        }
        if (prot == null) {
            throw new LineError("", "mmap needs a protection (none, r, rw, rx or rwx)");
        }
        if (shared == null) {
            throw new LineError("", "mmap needs 'private' or 'shared'");
        }
        if (!anon && file == null) {
            throw new LineError("", "mmap needs 'anon' or 'file NAME'");
        }
        if (offsetToken != null && file == null) {
            throw new LineError(offsetToken, "'offset' needs 'file NAME' (anonymous mappings have no offset)");
        }
        if (fixed && at == null) {
            throw new LineError("fixed", "'fixed' needs 'at ADDR'");
        }
        if (hugetlb && (shared || !anon)) {
            throw new LineError("hugetlb", "'hugetlb' needs 'private anon' (MAP_HUGETLB is modelled for private anonymous memory only)");
        }
        return new HostOp.Mmap(line, space, binding, length, prot, shared, file, offset, fixed, huge, at, hugetlb);
    }

    /** {@code mremap ADDR OLDSIZE NEWSIZE [maymove] [fixed at ADDR] [dontunmap]}. */
    private HostOp.Mremap mremap(Tokens t, int line, String space, String binding) throws LineError {
        Address addr = address(t, "mremap address");
        long oldLength = t.pageSize("mremap old length");
        long newLength = t.pageSize("mremap new length");
        boolean mayMove = false;
        boolean fixed = false;
        boolean dontUnmap = false;
        Address at = null;
        while (!t.atEnd()) {
            String word = t.next("mremap option");
            switch (word) {
                case "maymove" -> {
                    once(mayMove, word, "'maymove'");
                    mayMove = true;
                }
                case "fixed" -> {
                    once(fixed, word, "'fixed'");
                    fixed = true;
                }
                case "dontunmap" -> {
                    once(dontUnmap, word, "'dontunmap'");
                    dontUnmap = true;
                }
                case "at" -> {
                    once(at != null, word, "'at'");
                    at = address(t, "mremap new address");
                }
                default -> throw new LineError(word, "bad mremap option '" + word
                        + "' (expected maymove, fixed, at ADDR or dontunmap)");
            }
        }
        if (fixed != (at != null)) {
            throw new LineError(fixed ? "fixed" : "at", fixed ? "'fixed' needs 'at ADDR'" : "'at ADDR' needs 'fixed'");
        }
        return new HostOp.Mremap(line, space, binding, addr, oldLength, newLength, mayMove, fixed, at, dontUnmap);
    }

    private HostOp.CpuWrite cpuWrite(Tokens t, int line, String space) throws LineError {
        Address addr = byteAddress(t, "write address");
        long length = t.byteLength("write length");
        return new HostOp.CpuWrite(line, space, addr, length, fitted(t, length));
    }

    /** DATA whose unit divides {@code length}, so the range holds whole repetitions of it. */
    static DataPattern fitted(Tokens t, long length) throws LineError {
        String first = t.peek();
        DataPattern data = t.data();
        if (length % data.unit() != 0) {
            throw new LineError(first, "length " + length + " is not a multiple of the " + data.unit()
                    + "-byte unit of '" + first + "'");
        }
        return data;
    }

    private static HostOp.Madvise.Advice advice(String token) throws LineError {
        for (HostOp.Madvise.Advice advice : HostOp.Madvise.Advice.values()) {
            if (advice.name().toLowerCase(Locale.ROOT).equals(token)) {
                return advice;
            }
        }
        StringBuilder names = new StringBuilder();
        for (HostOp.Madvise.Advice advice : HostOp.Madvise.Advice.values()) {
            names.append(names.isEmpty() ? "" : ", ").append(advice.name().toLowerCase(Locale.ROOT));
        }
        throw new LineError(token, "bad advice '" + token + "' (expected one of " + names + ")");
    }

    /** A declared file's name. */
    private String file(Tokens t) throws LineError {
        String file = t.next("file name");
        scope.require(file, Kind.FILE);
        return file;
    }

    /** A page-aligned address whose buffer, if any, is bound. */
    private Address address(Tokens t, String what) throws LineError {
        Address address = t.address(what, true);
        scope.requireAddress(address);
        return address;
    }

    /** A byte-granular address (CPU accesses) whose buffer, if any, is bound. */
    private Address byteAddress(Tokens t, String what) throws LineError {
        Address address = t.address(what, false);
        scope.requireAddress(address);
        return address;
    }

    private static void once(boolean seen, String token, String what) throws LineError {
        if (seen) {
            throw new LineError(token, "'" + token + "' repeats or conflicts with an earlier " + what);
        }
    }
}

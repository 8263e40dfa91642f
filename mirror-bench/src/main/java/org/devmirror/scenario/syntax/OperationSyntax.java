package org.devmirror.scenario.syntax;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Predicate;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Prot;
import org.devmirror.scenario.model.DeviceOp;
import org.devmirror.scenario.model.HostOp;
import org.devmirror.scenario.model.Operation;
import org.devmirror.scenario.syntax.ParseScope.Kind;
import org.devmirror.scenario.syntax.Tokens.LineError;

/**
 * The one table of the scenario language's operations (docs/scenarios.md, "Host operations" and
 * "Device operations"). Each {@link Entry} says which words start the operation, which model record
 * it becomes, how its operands parse, and how they are written back. From this table come the
 * operation parser's dispatch, the statement keywords a name may not be ({@link #HOST_KEYWORDS},
 * and through them {@code ParseScope.KEYWORDS}), the device verbs, the lists in error messages, and
 * the text of an operation in a run's trace and JSON ({@link #write}).
 *
 * <p>Adding an operation is one entry here, one record in {@code HostOp} or {@code DeviceOp}, and
 * one case in the runner's switch (docs/guide/adding-a-scenario-operation.md).
 * {@code OperationSyntaxTest} checks that every operation record has an entry and that writing
 * an operation back and parsing the text gives the same record.
 */
final class OperationSyntax {
    /** Who performs an operation: the current address space, or a declared device named first. */
    enum Side {
        /** {@code KEYWORD [VERB] OPERANDS}: the current address space. */
        HOST,
        /** {@code DEV VERB OPERANDS}: a declared device, on its mirror of the current space. */
        DEVICE
    }

    /** What an operation's result counts, and so which of {@code expect faults} and {@code expect cpages} may check it. */
    enum Counts {
        /** Neither: the operation has only a result. */
        NOTHING,
        /** Pages handled (reclaimed, moved, merged, found, hinted): {@code expect cpages}. */
        PAGES,
        /** A device command's {@code hmm_dmirror_cmd.faults} and {@code cpages}: both. */
        FAULTS_AND_PAGES;

        boolean pages() {
            return this != NOTHING;
        }

        boolean faults() {
            return this == FAULTS_AND_PAGES;
        }
    }

    /** Reads an operation's operands (its words already consumed) into its record. */
    @FunctionalInterface
    interface Parse<R extends Operation> {
        R parse(OperationCall c) throws LineError;
    }

    /** Writes an operation's operands back ("" when it has none), sizes in hex. */
    @FunctionalInterface
    interface Operands<R extends Operation> {
        String of(R op);
    }

    /**
     * One operation of the language.
     *
     * @param side     who performs it
     * @param words    the words that start it after the device name, if any: a keyword ({@code "munmap"}),
     *                 a keyword and a verb ({@code "uffd register"}), or a device verb ({@code "migrate"})
     * @param type     the record it parses into
     * @param counts   what its result counts besides the result code
     * @param writes   which records of {@code type} this entry writes back, when several entries share a
     *                 record ({@code uffd protect} and {@code uffd unprotect})
     * @param parse    reads the operands
     * @param operands writes the operands back
     */
    record Entry<R extends Operation>(
            Side side,
            String words,
            Class<R> type,
            Counts counts,
            Predicate<R> writes,
            Parse<R> parse,
            Operands<R> operands) {
        /** The first word: the statement keyword of a host operation, the verb of a device operation. */
        String keyword() {
            int space = words.indexOf(' ');
            return space < 0 ? words : words.substring(0, space);
        }

        /** The second word of a two-word host operation ({@code collapse} of {@code thp collapse}), or null. */
        String verb() {
            int space = words.indexOf(' ');
            return space < 0 ? null : words.substring(space + 1);
        }

        boolean writes(Operation op) {
            return type.isInstance(op) && writes.test(type.cast(op));
        }

        /** {@code op} (one this entry {@link #writes}) as a scenario line. */
        String write(Operation op) {
            R typed = type.cast(op);
            StringBuilder out = new StringBuilder();
            if (typed instanceof HostOp.Binding b && b.binding() != null) {
                out.append(b.binding()).append(" = ");
            }
            if (typed instanceof DeviceOp d) {
                out.append(d.device()).append(' ');
            }
            out.append(words);
            String tail = operands.of(typed);
            return tail.isEmpty()
                    ? out.toString()
                    : out.append(' ').append(tail).toString();
        }
    }

    /** Every operation, in the order docs/scenarios.md and the error messages list them. */
    static final List<Entry<?>> ENTRIES = List.of(
            host(
                    "mmap",
                    HostOp.Mmap.class,
                    OperationParser::mmap,
                    m -> hex(m.length()) + " " + prot(m.prot())
                            + (m.shared() ? " shared" : " private")
                            + (m.file() == null
                                    ? " anon"
                                    : " file " + m.file()
                                            + (m.fileOffset() != 0 ? " offset " + hex(m.fileOffset()) : ""))
                            + (m.fixed() ? " fixed" : "") + (m.huge() ? " huge" : "")
                            + (m.at() != null ? " at " + m.at() : "")),
            host(
                    "munmap",
                    HostOp.Munmap.class,
                    c -> new HostOp.Munmap(c.line, c.space, c.address("address"), c.pageSize("length")),
                    m -> m.addr() + " " + hex(m.length())),
            host(
                    "mremap",
                    HostOp.Mremap.class,
                    OperationParser::mremap,
                    m -> m.addr() + " " + hex(m.oldLength()) + " "
                            + hex(m.newLength()) + (m.mayMove() ? " maymove" : "") + (m.fixed() ? " fixed" : "")
                            + (m.at() != null ? " at " + m.at() : "") + (m.dontUnmap() ? " dontunmap" : "")),
            host(
                    "mprotect",
                    HostOp.Mprotect.class,
                    c -> new HostOp.Mprotect(c.line, c.space, c.address("address"), c.pageSize("length"), c.prot()),
                    m -> m.addr() + " " + hex(m.length()) + " " + prot(m.prot())),
            host(
                    "madvise",
                    HostOp.Madvise.class,
                    c -> new HostOp.Madvise(
                            c.line, c.space, c.address("address"), c.pageSize("length"), advice(c.t.next("advice"))),
                    m -> m.addr() + " " + hex(m.length()) + " "
                            + m.advice().name().toLowerCase(Locale.ROOT)),
            host(
                    "read",
                    HostOp.CpuRead.class,
                    c -> new HostOp.CpuRead(c.line, c.space, c.byteAddress("address"), c.byteLength("length")),
                    r -> r.addr() + " " + hex(r.length())),
            host(
                    "write",
                    HostOp.CpuWrite.class,
                    c -> {
                        var addr = c.byteAddress("address");
                        long length = c.byteLength("length");
                        return new HostOp.CpuWrite(c.line, c.space, addr, length, c.data(length));
                    },
                    w -> w.addr() + " " + hex(w.length()) + " " + w.data()),
            host("fork", HostOp.Fork.class, OperationSyntax::fork, f -> f.child()),
            host(
                    "clear-soft-dirty",
                    HostOp.ClearSoftDirty.class,
                    c -> new HostOp.ClearSoftDirty(c.line, c.space),
                    x -> ""),
            host(
                    "reclaim",
                    Counts.PAGES,
                    HostOp.Reclaim.class,
                    c -> new HostOp.Reclaim(c.line, c.space, c.address("address"), c.pageSize("length")),
                    r -> r.addr() + " " + hex(r.length())),
            host(
                    "compact",
                    Counts.PAGES,
                    HostOp.Compact.class,
                    c -> new HostOp.Compact(c.line, c.space, c.address("address"), c.pageSize("length")),
                    r -> r.addr() + " " + hex(r.length())),
            host(
                    "ksm",
                    Counts.PAGES,
                    HostOp.Ksm.class,
                    c -> new HostOp.Ksm(c.line, c.space, c.address("address"), c.pageSize("length")),
                    r -> r.addr() + " " + hex(r.length())),
            host(
                    "thp collapse",
                    HostOp.ThpCollapse.class,
                    c -> new HostOp.ThpCollapse(c.line, c.space, c.address("address")),
                    x -> x.addr().toString()),
            host(
                    "thp split",
                    HostOp.ThpSplit.class,
                    c -> new HostOp.ThpSplit(c.line, c.space, c.address("address")),
                    x -> x.addr().toString()),
            host("oom-reap", HostOp.OomReap.class, c -> new HostOp.OomReap(c.line, c.space), x -> ""),
            host(
                    "writeback",
                    HostOp.Writeback.class,
                    c -> new HostOp.Writeback(c.line, c.space, c.file()),
                    w -> w.file()),
            host(
                    "truncate",
                    HostOp.Truncate.class,
                    c -> new HostOp.Truncate(c.line, c.space, c.file(), c.size("size")),
                    x -> x.file() + " " + hex(x.size())),
            host(
                    "punch-hole",
                    HostOp.PunchHole.class,
                    c -> {
                        String file = c.file();
                        long offset = c.size("offset");
                        return new HostOp.PunchHole(c.line, c.space, file, offset, c.byteLength("length"));
                    },
                    p -> p.file() + " " + hex(p.offset()) + " " + hex(p.length())),
            host(
                    "memory-failure",
                    HostOp.MemoryFailure.class,
                    c -> new HostOp.MemoryFailure(c.line, c.space, c.address("address")),
                    f -> f.addr().toString()),
            host(
                    "exit",
                    HostOp.Exit.class,
                    c -> {
                        c.scope.markExited(c.line);
                        return new HostOp.Exit(c.line, c.space);
                    },
                    x -> ""),
            host(
                    "uffd open",
                    HostOp.UffdOpen.class,
                    OperationSyntax::uffdOpen,
                    u -> words(u.async() ? "async" : "", u.unpopulated() ? "unpopulated" : "")),
            host(
                    "uffd register",
                    HostOp.UffdRegister.class,
                    c -> new HostOp.UffdRegister(c.line, c.space, c.address("address"), c.pageSize("length")),
                    u -> u.addr() + " " + hex(u.length())),
            host(
                    "uffd unregister",
                    HostOp.UffdUnregister.class,
                    c -> new HostOp.UffdUnregister(c.line, c.space, c.address("address"), c.pageSize("length")),
                    u -> u.addr() + " " + hex(u.length())),
            new Entry<>(
                    Side.HOST,
                    "uffd protect",
                    HostOp.UffdWriteProtect.class,
                    Counts.NOTHING,
                    HostOp.UffdWriteProtect::protect,
                    c -> new HostOp.UffdWriteProtect(
                            c.line, c.space, c.address("address"), c.pageSize("length"), true, false),
                    u -> u.addr() + " " + hex(u.length())),
            new Entry<>(
                    Side.HOST,
                    "uffd unprotect",
                    HostOp.UffdWriteProtect.class,
                    Counts.NOTHING,
                    u -> !u.protect(),
                    c -> new HostOp.UffdWriteProtect(
                            c.line, c.space, c.address("address"), c.pageSize("length"), false, c.flag("dontwake")),
                    u -> u.addr() + " " + hex(u.length()) + (u.dontWake() ? " dontwake" : "")),
            host(
                    "uffd move",
                    Counts.PAGES,
                    HostOp.UffdMove.class,
                    c -> new HostOp.UffdMove(
                            c.line,
                            c.space,
                            c.address("destination"),
                            c.address("source"),
                            c.pageSize("length"),
                            c.flag("allow-holes")),
                    u -> u.dst() + " " + u.src() + " " + hex(u.length()) + (u.allowHoles() ? " allow-holes" : "")),
            host(
                    "pagemap-scan",
                    Counts.PAGES,
                    HostOp.PagemapScan.class,
                    c -> new HostOp.PagemapScan(
                            c.line, c.space, c.address("address"), c.pageSize("length"), c.flag("wp")),
                    p -> p.addr() + " " + hex(p.length()) + (p.wp() ? " wp" : "")),
            host(
                    "numa-hint",
                    Counts.PAGES,
                    HostOp.NumaHint.class,
                    c -> new HostOp.NumaHint(c.line, c.space, c.address("address"), c.pageSize("length")),
                    n -> n.addr() + " " + hex(n.length())),
            device(
                    "read",
                    DeviceOp.Read.class,
                    c -> new DeviceOp.Read(c.line, c.space, c.device, c.address("address"), c.accessPageSize("length")),
                    r -> r.addr() + " " + hex(r.length())),
            device(
                    "write",
                    DeviceOp.Write.class,
                    c -> {
                        var addr = c.address("address");
                        long length = c.accessPageSize("length");
                        return new DeviceOp.Write(c.line, c.space, c.device, addr, length, c.data(length));
                    },
                    w -> w.addr() + " " + hex(w.length()) + " " + w.data()),
            device(
                    "atomic",
                    DeviceOp.Atomic.class,
                    c -> {
                        var addr = c.address("address");
                        long length = c.accessPageSize("length");
                        long addend = c.flag("add") ? c.t.count("addend") : 1;
                        return new DeviceOp.Atomic(c.line, c.space, c.device, addr, length, addend);
                    },
                    a -> a.addr() + " " + hex(a.length()) + " add " + a.addend()),
            device(
                    "snapshot",
                    DeviceOp.Snapshot.class,
                    c -> new DeviceOp.Snapshot(
                            c.line, c.space, c.device, c.address("address"), c.accessPageSize("length")),
                    s -> s.addr() + " " + hex(s.length())),
            device(
                    "migrate",
                    DeviceOp.MigrateToDevice.class,
                    c -> new DeviceOp.MigrateToDevice(
                            c.line, c.space, c.device, c.address("address"), c.accessPageSize("length")),
                    m -> m.addr() + " " + hex(m.length())),
            device(
                    "migrate-back",
                    DeviceOp.MigrateToSystem.class,
                    c -> new DeviceOp.MigrateToSystem(
                            c.line, c.space, c.device, c.address("address"), c.accessPageSize("length")),
                    m -> m.addr() + " " + hex(m.length())),
            device(
                    "exclusive",
                    DeviceOp.Exclusive.class,
                    c -> new DeviceOp.Exclusive(
                            c.line, c.space, c.device, c.address("address"), c.accessPageSize("length")),
                    x -> x.addr() + " " + hex(x.length())),
            device(
                    "check-exclusive",
                    DeviceOp.CheckExclusive.class,
                    c -> new DeviceOp.CheckExclusive(
                            c.line, c.space, c.device, c.address("address"), c.accessPageSize("length")),
                    x -> x.addr() + " " + hex(x.length())),
            device(
                    "release",
                    Counts.NOTHING,
                    DeviceOp.Release.class,
                    c -> new DeviceOp.Release(c.line, c.space, c.device),
                    x -> ""),
            device(
                    "fail-alloc",
                    Counts.NOTHING,
                    DeviceOp.FailAlloc.class,
                    OperationSyntax::failAlloc,
                    f -> String.valueOf(f.count())),
            device(
                    "lock",
                    DeviceOp.HoldLock.class,
                    c -> {
                        c.scope.holdLock(c.device, c.line, "lock");
                        return new DeviceOp.HoldLock(c.line, c.space, c.device);
                    },
                    x -> ""),
            device(
                    "unlock",
                    DeviceOp.ReleaseLock.class,
                    c -> {
                        c.scope.releaseLock(c.device, "unlock");
                        return new DeviceOp.ReleaseLock(c.line, c.space, c.device);
                    },
                    x -> ""));

    /** The first words of host operations: with the declaration words, what a name may not be. */
    static final Set<String> HOST_KEYWORDS = words(Side.HOST);
    /** The verbs that follow a device's name. */
    static final Set<String> DEVICE_VERBS = words(Side.DEVICE);

    private OperationSyntax() {}

    /** The entries {@code side} starts with {@code keyword}: one, several sharing a keyword, or none. */
    static List<Entry<?>> entries(Side side, String keyword) {
        List<Entry<?>> out = new ArrayList<>();
        for (Entry<?> e : ENTRIES) {
            if (e.side() == side && e.keyword().equals(keyword)) {
                out.add(e);
            }
        }
        return out;
    }

    /** The host operations whose result a {@code NAME =} binds: mmap and mremap. */
    static List<String> bindingKeywords() {
        List<String> out = new ArrayList<>();
        for (Entry<?> e : ENTRIES) {
            if (HostOp.Binding.class.isAssignableFrom(e.type())) {
                out.add(e.words());
            }
        }
        return out;
    }

    /** {@code op} written back as a scenario line (sizes in hex), for the trace and the JSON. */
    static String write(Operation op) {
        return entryOf(op).write(op);
    }

    /** The entry {@code op} was parsed by (the one that writes it back). */
    static Entry<?> entryOf(Operation op) {
        for (Entry<?> e : ENTRIES) {
            if (e.writes(op)) {
                return e;
            }
        }
        throw new IllegalStateException(
                "no syntax entry writes " + op.getClass().getName());
    }

    /** "a, b or c" ({@code quote}: "'a', 'b' or 'c'"). */
    static String alternatives(List<String> words, boolean quote) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < words.size(); i++) {
            out.append(i == 0 ? "" : i == words.size() - 1 ? " or " : ", ");
            out.append(quote ? "'" + words.get(i) + "'" : words.get(i));
        }
        return out.toString();
    }

    /** A host operation with a result code only. */
    private static <R extends HostOp> Entry<R> host(String words, Class<R> type, Parse<R> parse, Operands<R> operands) {
        return host(words, Counts.NOTHING, type, parse, operands);
    }

    private static <R extends HostOp> Entry<R> host(
            String words, Counts counts, Class<R> type, Parse<R> parse, Operands<R> operands) {
        return new Entry<>(Side.HOST, words, type, counts, op -> true, parse, operands);
    }

    /** A device command, whose answer counts faults and pages. */
    private static <R extends DeviceOp> Entry<R> device(
            String verb, Class<R> type, Parse<R> parse, Operands<R> operands) {
        return device(verb, Counts.FAULTS_AND_PAGES, type, parse, operands);
    }

    private static <R extends DeviceOp> Entry<R> device(
            String verb, Counts counts, Class<R> type, Parse<R> parse, Operands<R> operands) {
        return new Entry<>(Side.DEVICE, verb, type, counts, op -> true, parse, operands);
    }

    private static Set<String> words(Side side) {
        Set<String> out = new LinkedHashSet<>();
        for (Entry<?> e : ENTRIES) {
            if (e.side() == side) {
                out.add(e.keyword());
            }
        }
        return Set.copyOf(out);
    }

    private static HostOp.Fork fork(OperationCall c) throws LineError {
        String child = c.t.name("child address space name");
        if (c.scope.spaces() >= ScenarioLimits.MAX_SPACES) {
            throw new LineError(
                    child,
                    "fork of '" + child + "' would make " + (c.scope.spaces() + 1)
                            + " address spaces, beyond the limit of " + ScenarioLimits.MAX_SPACES
                            + " (docs/limits.md)");
        }
        c.scope.define(child, Kind.SPACE, c.line);
        return new HostOp.Fork(c.line, c.space, child);
    }

    private static HostOp.UffdOpen uffdOpen(OperationCall c) throws LineError {
        boolean async = false;
        boolean unpopulated = false;
        while (!c.t.atEnd()) {
            String word = c.t.next("uffd open feature");
            switch (word) {
                case "async" -> {
                    OperationParser.once(async, word, "'async'");
                    async = true;
                }
                case "unpopulated" -> {
                    OperationParser.once(unpopulated, word, "'unpopulated'");
                    unpopulated = true;
                }
                default -> throw new LineError(word, "bad uffd feature '" + word + "' (expected async or unpopulated)");
            }
        }
        return new HostOp.UffdOpen(c.line, c.space, async, unpopulated);
    }

    private static DeviceOp.FailAlloc failAlloc(OperationCall c) throws LineError {
        String token = c.t.peek();
        long count = c.t.atEnd() ? 1 : c.t.count("allocation count");
        if (count < 1 || count > Integer.MAX_VALUE) {
            throw new LineError(token, "fail-alloc count '" + token + "' is not in 1.." + Integer.MAX_VALUE);
        }
        return new DeviceOp.FailAlloc(c.line, c.space, c.device, (int) count);
    }

    private static Advice advice(String token) throws LineError {
        List<String> names = new ArrayList<>();
        for (Advice advice : Advice.values()) {
            String name = advice.name().toLowerCase(Locale.ROOT);
            if (name.equals(token)) {
                return advice;
            }
            names.add(name);
        }
        throw new LineError(token, "bad advice '" + token + "' (expected one of " + String.join(", ", names) + ")");
    }

    private static String words(String... words) {
        StringJoiner out = new StringJoiner(" ");
        for (String w : words) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out.toString();
    }

    private static String hex(long n) {
        return "0x" + Long.toHexString(n);
    }

    private static String prot(int prot) {
        return switch (prot) {
            case Prot.NONE -> "none";
            case Prot.READ -> "r";
            case Prot.RW -> "rw";
            case Prot.READ | Prot.EXEC -> "rx";
            default -> "rwx";
        };
    }
}

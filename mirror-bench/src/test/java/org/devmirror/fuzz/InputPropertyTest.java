package org.devmirror.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Generated inputs for the four readers of user files, in every build: arbitrary bytes, and lines
 * of each format's own tokens (scenario words, strace records, JSON), each input checked against
 * the contract of {@link UserFiles}. Seeded, so a build is repeatable; the jqwik database under
 * {@code target/} replays a failure first.
 */
class InputPropertyTest {
    private static final UserFiles FILES = new UserFiles();

    @AfterContainer
    static void removeFiles() throws IOException {
        FILES.close();
    }

    private static final List<String> SCENARIO_WORDS = List.of(
            "device",
            "gpu",
            "memory",
            "2M",
            "3M",
            "file",
            "f",
            "16p",
            "space",
            "main",
            "buf",
            "=",
            "mmap",
            "munmap",
            "mremap",
            "mprotect",
            "madvise",
            "read",
            "write",
            "fork",
            "child",
            "exit",
            "expect",
            "data",
            "oracle",
            "clean",
            "faults",
            "cpages",
            "events",
            "UNMAP=1",
            "snapshot",
            "migrate",
            "migrate-back",
            "atomic",
            "add",
            "exclusive",
            "check-exclusive",
            "release",
            "rw",
            "r",
            "none",
            "private",
            "shared",
            "anon",
            "fixed",
            "huge",
            "at",
            "0x1000",
            "0x100000000",
            "1048576p",
            "4096",
            "buf+4p",
            "pattern",
            "index",
            "fill",
            "0xAB",
            "zero",
            "->",
            "OK",
            "EFAULT",
            "ENOMEM",
            "dontneed",
            "maymove",
            "uffd",
            "register",
            "wp",
            "pagemap",
            "numa-hint",
            "truncate",
            "punch-hole",
            "hwpoison",
            "#",
            "\t",
            "\u00e9",
            "\u0000",
            "\ufeff",
            "\u001b[2J",
            "-1",
            "18446744073709551616",
            "p",
            "");

    private static final List<String> SYSCALLS = List.of(
            "mmap",
            "munmap",
            "mprotect",
            "madvise",
            "mremap",
            "brk",
            "clone",
            "clone3",
            "fork",
            "vfork",
            "exit",
            "exit_group",
            "ioctl",
            "userfaultfd",
            "execve",
            "openat",
            "shmat",
            "shmdt",
            "fallocate",
            "ftruncate",
            "process_madvise",
            "mbind",
            "move_pages",
            "nosuch");
    private static final List<String> ARGS = List.of(
            "NULL",
            "0",
            "4096",
            "2097152",
            "0x7f0000000000",
            "-1",
            "3",
            "PROT_READ",
            "PROT_READ|PROT_WRITE",
            "PROT_NONE",
            "MAP_PRIVATE|MAP_ANONYMOUS",
            "MAP_SHARED",
            "MAP_FIXED",
            "MADV_DONTNEED",
            "MADV_FREE",
            "MREMAP_MAYMOVE",
            "CLONE_VM|SIGCHLD",
            "flags=CLONE_CHILD_CLEARTID|SIGCHLD",
            "HMM_DMIRROR_READ",
            "{addr=0x7f0000000000, npages=1}",
            "\"str\"",
            "...",
            "0x",
            "99999999999999999999999");
    private static final List<String> RETURNS = List.of(
            "= 0",
            "= -1 ENOMEM (Cannot allocate memory)",
            "= 0x7f0000000000",
            "= 100",
            "= 101",
            "= ?",
            "<unfinished ...>",
            "= -1 EINVAL (Invalid argument)",
            "");

    private static final List<String> JSON_TOKENS = List.of(
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "\"a\"",
            "\"b\"",
            "\"value\"",
            "\"tolerance\"",
            "\"unit\"",
            "\"B/op\"",
            "0",
            "1",
            "-1",
            "1.5",
            "1e308",
            "1e999",
            "9223372036854775808",
            "true",
            "null",
            "\"\\u0000\"",
            "\"",
            "\\");

    private static Arbitrary<String> lines(Arbitrary<String> line, int maxLines) {
        return line.list().ofMaxSize(maxLines).map(l -> String.join("\n", l));
    }

    private static Arbitrary<byte[]> utf8(Arbitrary<String> text) {
        return text.map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    private static Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(512);
    }

    @Provide
    Arbitrary<byte[]> scenarioFiles() {
        Arbitrary<String> token = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of(SCENARIO_WORDS)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(12)));
        Arbitrary<String> line = token.list().ofMaxSize(9).map(l -> String.join(" ", l));
        return Arbitraries.frequencyOf(Tuple.of(6, utf8(lines(line, 30))), Tuple.of(1, bytes()));
    }

    @Provide
    Arbitrary<byte[]> traces() {
        Arbitrary<String> pid = Arbitraries.of("100", "101", "102", "[pid 101]", "");
        Arbitrary<String> args = Arbitraries.of(ARGS).list().ofMaxSize(6).map(l -> String.join(", ", l));
        Arbitrary<String> call = Combinators.combine(pid, Arbitraries.of(SYSCALLS), args, Arbitraries.of(RETURNS))
                .as((p, name, a, r) -> p + " " + name + "(" + a + ") " + r);
        Arbitrary<String> other = Arbitraries.of(
                "100 <... mmap resumed>) = 0x7f0000001000",
                "100 +++ exited with 0 +++",
                "--- SIGCHLD {si_signo=SIGCHLD} ---",
                "101 +++ killed by SIGKILL +++",
                "");
        Arbitrary<String> line = Arbitraries.frequencyOf(
                Tuple.of(8, call),
                Tuple.of(2, other),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40)));
        return Arbitraries.frequencyOf(Tuple.of(6, utf8(lines(line, 40))), Tuple.of(1, bytes()));
    }

    @Provide
    Arbitrary<byte[]> baselines() {
        Arbitrary<String> json =
                Arbitraries.of(JSON_TOKENS).list().ofMaxSize(60).map(l -> String.join("", l));
        Arbitrary<String> entry = Combinators.combine(
                        Arbitraries.of("\"a\"", "\"b.c\"", "\"\""),
                        Arbitraries.of("0", "12", "-3", "1.5", "\"x\"", "null", "1e400"),
                        Arbitraries.of("0", "0.1", "-1", "2"))
                .as((k, v, t) -> k + ": {\"value\": " + v + ", \"tolerance\": " + t + "}");
        Arbitrary<String> object = entry.list().ofMaxSize(4).map(l -> "{" + String.join(", ", l) + "}");
        return Arbitraries.frequencyOf(Tuple.of(3, utf8(json)), Tuple.of(3, utf8(object)), Tuple.of(1, bytes()));
    }

    @Property(tries = 200, seed = "20261202", edgeCases = EdgeCasesMode.MIXIN)
    void scenarioParser(@ForAll("scenarioFiles") byte[] data) throws IOException {
        FILES.scenario(data);
    }

    @Property(tries = 200, seed = "20261202", edgeCases = EdgeCasesMode.MIXIN)
    void straceReader(@ForAll("traces") byte[] data) throws IOException {
        FILES.trace(data);
    }

    @Property(tries = 40, seed = "20261202", edgeCases = EdgeCasesMode.MIXIN)
    void traceReplay(@ForAll("traces") byte[] data) {
        FILES.replay(data);
    }

    @Property(tries = 200, seed = "20261202", edgeCases = EdgeCasesMode.MIXIN)
    void baselineLoading(@ForAll("baselines") byte[] data) throws IOException {
        FILES.baseline(data);
    }
}

package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.scenario.model.Address;
import org.devmirror.scenario.model.DataPattern;
import org.devmirror.scenario.model.Declaration;
import org.devmirror.scenario.model.DeviceOp;
import org.devmirror.scenario.model.DmirrorProt;
import org.devmirror.scenario.model.Expectation;
import org.devmirror.scenario.model.HostOp;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.syntax.ParseError;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.devmirror.trace.StraceReader;
import org.devmirror.trace.TraceStats;

/**
 * The scenario parser and the strace reader fed random, truncated and hostile input: the parser
 * either accepts the file or reports {@code FILE:LINE: message} errors on lines that exist, the
 * reader never throws and accounts for every line, neither throws anything else, neither hangs
 * (each input has a time limit), and a huge input is handled in bounded memory.
 */
class HostileInputTest {
    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final Pattern FILE_LINE = Pattern.compile("^hostile\\.scn:[1-9][0-9]*: .+", Pattern.DOTALL);

    /** A scenario that parses, to truncate and mutate. */
    private static final String VALID = """
            # hmm-tests.c anon_write, then the usual suspects
            device gpu memory 8M
            file f 16p
            buf = mmap 1024p rw private anon
            gpu write buf 1024p pattern index -> OK
            expect faults 1
            expect cpages 1024
            fork child
            space child
            write buf+4p 8p fill 0xAB
            madvise buf 16p dontneed
            mremap buf 1024p 2048p maymove
            gpu migrate buf 64p
            gpu atomic buf 4p add 3
            expect data buf 4p pattern index
            expect events UNMAP=1 CLEAR=2
            gpu snapshot buf 2p
            expect snapshot gpu buf 2p = READ|WRITE NONE
            expect oracle clean
            exit
            """;

    private static final List<String> WORDS = List.of(
            "device",
            "file",
            "space",
            "mmap",
            "munmap",
            "mremap",
            "mprotect",
            "madvise",
            "read",
            "write",
            "fork",
            "reclaim",
            "compact",
            "ksm",
            "thp",
            "writeback",
            "exit",
            "expect",
            "gpu",
            "buf",
            "main",
            "=",
            "->",
            "OK",
            "EINVAL",
            "rw",
            "r",
            "none",
            "rwx",
            "private",
            "shared",
            "anon",
            "file",
            "fixed",
            "huge",
            "at",
            "pattern",
            "index",
            "index+7",
            "fill",
            "0xff",
            "zero",
            "bytes",
            "AB",
            "CD",
            "4096",
            "16p",
            "2M",
            "0x1000",
            "1G",
            "999999999999999999999999",
            "-1",
            "buf+4p",
            "buf-4p",
            "buf+",
            "+",
            "maymove",
            "dontunmap",
            "collapse",
            "split",
            "migrate",
            "migrate-back",
            "atomic",
            "add",
            "snapshot",
            "exclusive",
            "check-exclusive",
            "release",
            "fail-alloc",
            "events",
            "UNMAP=1",
            "CLEAR=x",
            "oracle",
            "clean",
            "data",
            "faults",
            "cpages",
            "#",
            "\t",
            "\u00e9",
            "\u0000",
            "\uffff",
            "\ud83d\ude00",
            "\r",
            "\n",
            "\r\n",
            "offset",
            "memory",
            "18446744073709551616p",
            "0x",
            "p",
            "K",
            "k");

    @Provide
    Arbitrary<String> soup() {
        Arbitrary<String> word = Arbitraries.of(WORDS);
        Arbitrary<String> junk = Arbitraries.strings().ofMaxLength(20);
        Arbitrary<String> token =
                Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, word), net.jqwik.api.Tuple.of(1, junk));
        Arbitrary<String> line = token.list().ofMaxSize(10).map(l -> String.join(" ", l));
        return line.list().ofMaxSize(40).map(l -> String.join("\n", l));
    }

    @Provide
    Arbitrary<String> mutatedValid() {
        Arbitrary<Integer> cut = Arbitraries.integers().between(0, VALID.length());
        Arbitrary<Integer> at = Arbitraries.integers().between(0, VALID.length());
        Arbitrary<String> insert = Arbitraries.of(WORDS);
        return net.jqwik.api.Combinators.combine(cut, at, insert).as((c, a, ins) -> {
            String truncated = VALID.substring(0, c);
            int p = Math.min(a, truncated.length());
            return truncated.substring(0, p) + ins + truncated.substring(p);
        });
    }

    @Property(tries = 400)
    void parserReportsOnlyFileLineErrorsOnSoup(@ForAll("soup") String text) {
        checkParser(text);
    }

    @Property(tries = 400)
    void parserReportsOnlyFileLineErrorsOnTruncatedAndMutatedFiles(@ForAll("mutatedValid") String text) {
        checkParser(text);
    }

    /** The valid file itself parses, into exactly its statements (so the mutations start from something meaningful). */
    @Example
    void validScenarioParses() throws ScenarioParseException {
        Scenario s = ScenarioParser.parse("hostile.scn", VALID);

        long page = 4096;
        Address buf = new Address("buf", 0);
        assertEquals(
                List.of(
                        new Declaration.Device(2, "gpu", 8 << 20),
                        new Declaration.File(3, "f", 16 * page),
                        new HostOp.Mmap(4, "main", "buf", 1024 * page, Prot.RW, false, null, 0, false, false, null),
                        new DeviceOp.Write(5, "main", "gpu", buf, 1024 * page, new DataPattern.Index(0)),
                        new Expectation.Result(5, 5, Errno.OK),
                        new Expectation.Faults(6, 5, 1),
                        new Expectation.Cpages(7, 5, 1024),
                        new HostOp.Fork(8, "main", "child"),
                        new Declaration.SelectSpace(9, "child"),
                        new HostOp.CpuWrite(
                                10, "child", new Address("buf", 4 * page), 8 * page, new DataPattern.Fill(0xAB)),
                        new HostOp.Madvise(11, "child", buf, 16 * page, Advice.DONTNEED),
                        new HostOp.Mremap(12, "child", null, buf, 1024 * page, 2048 * page, true, false, null, false),
                        new DeviceOp.MigrateToDevice(13, "child", "gpu", buf, 64 * page),
                        new DeviceOp.Atomic(14, "child", "gpu", buf, 4 * page, 3),
                        new Expectation.Data(15, "child", null, 0, buf, 4 * page, new DataPattern.Index(0)),
                        new Expectation.Events(
                                16, 14, null, Map.of(MmuNotifierEvent.UNMAP, 1L, MmuNotifierEvent.CLEAR, 2L)),
                        new DeviceOp.Snapshot(17, "child", "gpu", buf, 2 * page),
                        new Expectation.Snapshot(18, "child", "gpu", 17, buf, 2 * page, new byte[] {
                            (byte) (DmirrorProt.READ | DmirrorProt.WRITE), DmirrorProt.NONE
                        }),
                        new Expectation.OracleClean(19),
                        new HostOp.Exit(20, "child")),
                s.statements());
    }

    /** A 4 MiB line and 200 000 short lines: errors or success, within the time limit, no OutOfMemoryError. */
    @Example
    void hugeInputsStayBounded() {
        checkParser("write buf 4p bytes " + "AB ".repeat(4 << 18));
        checkParser("munmap 0x1000 1p\n".repeat(200_000));
        checkParser("x".repeat(4 << 20));
    }

    private static void checkParser(String text) {
        long lines = text.isEmpty() ? 0 : text.split("\r\n|\r|\n", -1).length;
        assertTimeoutPreemptively(LIMIT, () -> {
            try {
                ScenarioParser.parse("hostile.scn", text);
            } catch (ScenarioParseException e) {
                assertTrue(!e.errors().isEmpty(), "a parse exception with no error");
                for (ParseError err : e.errors()) {
                    assertTrue(FILE_LINE.matcher(err.toString()).matches(), "not FILE:LINE: message: " + err);
                    assertTrue(
                            err.line() >= 1 && err.line() <= Math.max(1, lines),
                            "line " + err.line() + " of " + lines + ": " + err);
                }
            }
        });
    }

    // ------------------------------------------------------------------ strace reader

    private static final List<String> STRACE = List.of(
            "1234  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000",
            "[pid 1235] munmap(0x7f0000000000, 4096) = 0",
            "1234  mprotect(0x7f0000000000, 4096, PROT_READ <unfinished ...>",
            "1234  <... mprotect resumed>) = 0",
            "1236  <... munmap resumed>) = -1 EINVAL (Invalid argument)",
            "1234  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD) = 1240",
            "1240  +++ exited with 0 +++",
            "--- SIGSEGV {si_signo=SIGSEGV} ---",
            "strace: Process 1240 attached",
            "12:00:00.123456 brk(NULL) = 0x5555",
            "1234  madvise(0x7f0000000000, 8192, MADV_DONTNEED) = 0 <0.000010>",
            "1234  mremap(0x7f0000000000, 4096, 8192, MREMAP_MAYMOVE) = 0x7f0000100000",
            "1234  exit_group(0) = ?",
            "1234  mmap(",
            ")))) = =",
            "<... resumed>",
            "[pid",
            "1234",
            "",
            "   ");

    @Provide
    Arbitrary<String> straceText() {
        Arbitrary<String> known = Arbitraries.of(STRACE);
        Arbitrary<String> truncated = Arbitraries.of(STRACE)
                .flatMap(s -> Arbitraries.integers().between(0, s.length()).map(n -> s.substring(0, n)));
        Arbitrary<String> junk = Arbitraries.strings().ofMaxLength(80);
        Arbitrary<String> line = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, known),
                net.jqwik.api.Tuple.of(3, truncated),
                net.jqwik.api.Tuple.of(1, junk));
        return line.list().ofMaxSize(60).map(l -> String.join("\n", l));
    }

    @Property(tries = 400)
    void straceReaderNeverThrowsAndCountsEveryLine(@ForAll("straceText") String text) {
        checkReader(text);
    }

    /** A line far beyond MAX_LINE_CHARS is skipped as malformed, not buffered whole. */
    @Example
    void straceReaderSkipsAnOverlongLine() {
        TraceStats stats = checkReader(
                "1234  mmap(" + "A".repeat(StraceReader.MAX_LINE_CHARS + 10) + ") = 0\n1234  brk(NULL) = 0x5555\n");
        assertEquals(2, stats.lines());
    }

    private static TraceStats checkReader(String text) {
        return assertTimeoutPreemptively(LIMIT, () -> {
            try (StraceReader r = new StraceReader(new StringReader(text))) {
                long records = 0;
                while (r.next() != null) {
                    records++;
                }
                TraceStats s = r.stats();
                assertTrue(s.parsedTotal() == records, "records " + records + " vs parsed " + s.parsedTotal());
                assertTrue(s.lines() >= records, "more records than lines");
                return s;
            } catch (IOException e) {
                throw new AssertionError("a StringReader cannot fail: " + e, e);
            }
        });
    }
}

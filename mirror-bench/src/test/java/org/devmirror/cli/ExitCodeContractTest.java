package org.devmirror.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.devmirror.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import tools.jackson.databind.JsonNode;

/**
 * The exit-status contract of docs/exit-codes.md, input by input: bad input exits 2 with one line
 * per error naming the file and no stack trace; an input that is not what the command reads
 * never exits 0; an internal error exits 3 with a short message and the path of a log file that
 * holds the stack trace.
 */
class ExitCodeContractTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private String savedLogDir;

    @BeforeEach
    void logsInTheTemporaryDirectory() {
        savedLogDir = System.getProperty(InternalErrorLog.DIRECTORY_PROPERTY);
        System.setProperty(
                InternalErrorLog.DIRECTORY_PROPERTY, dir.resolve("logs").toString());
    }

    @AfterEach
    void restoreLogDirectory() {
        if (savedLogDir == null) {
            System.clearProperty(InternalErrorLog.DIRECTORY_PROPERTY);
        } else {
            System.setProperty(InternalErrorLog.DIRECTORY_PROPERTY, savedLogDir);
        }
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private Path file(String name, String text) throws IOException {
        return file(name, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Runs the command line, checks it exits 2 without a stack trace, and returns what it printed on stderr. */
    private String badInput(String... args) {
        int status = cli.devmirror(args);
        String err = cli.err.toString();
        assertEquals(DevmirrorCommand.EXIT_BAD_INPUT, status, err);
        assertFalse(err.contains("\tat "), err);
        assertFalse(err.contains("Exception"), err);
        return err;
    }

    @Test
    void runOfDevZeroIsBadInputAtTheFileSizeLimit() {
        // Was: OutOfMemoryError and its stack trace.
        String err = badInput("run", "/dev/zero");
        assertEquals(
                "devmirror run: /dev/zero: larger than 1048576 bytes, the limit of a scenario file (docs/limits.md)\n",
                err);
    }

    @Test
    void runOfANonUtf8FileNamesLineAndColumnOfTheBadByte() throws IOException {
        // Was: "cannot read FILE: Input length = 1".
        Path f = file("latin1.scn", new byte[] {'#', ' ', 'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
        assertEquals(
                "devmirror run: " + f + ":2: byte 0xe9 at column 4 is not UTF-8 (a scenario file is UTF-8 text)\n",
                badInput("run", f.toString()));
    }

    @Test
    void runOfAMissingFileSaysSoOnce() {
        // Was: "cannot read X: X".
        Path f = dir.resolve("absent.scn");
        assertEquals("devmirror run: cannot read " + f + ": no such file\n", badInput("run", f.toString()));
    }

    @Test
    void runOfADirectoryOrAnUnreadableFileSaysWhy() throws IOException {
        assertEquals("devmirror run: cannot read " + dir + ": it is a directory\n", badInput("run", dir.toString()));
        Path f = file("secret.scn", "exit\n");
        if (f.toFile().setReadable(false) && !Files.isReadable(f)) { // root reads anything
            cli.err.getBuffer().setLength(0);
            assertEquals("devmirror run: cannot read " + f + ": permission denied\n", badInput("run", f.toString()));
        }
    }

    @Test
    void runOfAFileWithControlCharactersPrintsThemEscaped() throws IOException {
        Path f = file("ctrl.scn", "red\u001b[31m\u0007 x\n");
        assertEquals(f + ":1: unknown statement 'red\\x1b[31m\\x07'\n", badInput("run", f.toString()));
    }

    @Test
    void runOfASecondFileWithErrorsRunsNeitherAndListsEveryError() throws IOException {
        Path good = file("good.scn", "buf = mmap 4p rw private anon\n");
        Path bad = file("bad.scn", "bogus\nfork\n");
        String err = badInput("run", good.toString(), bad.toString(), "--json");
        assertEquals(
                List.of(
                        bad + ":1: unknown statement 'bogus'",
                        bad + ":2: missing child address space name at end of line"),
                err.lines().toList());
        assertEquals("", cli.out.toString());
    }

    @Test
    void runJsonOfSeveralFilesIsOneValidArray() throws Exception {
        Path a = file("a.scn", "buf = mmap 4p rw private anon -> OK\n");
        Path b = file("b.scn", "read 0x1000 1 -> OK\n");
        assertEquals(DevmirrorCommand.EXIT_FAILED, cli.devmirror("run", a.toString(), b.toString(), "--json"));
        JsonNode json = Json.parse(cli.out.toString(), "stdout");
        assertTrue(json.isArray(), json.toString());
        assertEquals(2, json.size());
    }

    @Test
    void replayOfAFileWithNoStraceLineIsBadInput() throws IOException {
        // Was: "syscalls replayed: 0" and exit 0 for /etc/passwd, a binary or an empty file.
        Path passwd =
                file("passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
        assertEquals(
                passwd
                        + ": no strace line in its 2 line(s); replay reads the output of strace -f -e trace=memory,process"
                        + " (docs/replay.md)\n",
                badInput("replay", passwd.toString()));
        cli.err.getBuffer().setLength(0);
        byte[] binary = new byte[4096];
        new java.util.Random(7).nextBytes(binary);
        Path bin = file("binary", binary);
        assertTrue(badInput("replay", bin.toString()).startsWith(bin + ": no strace line in its "));
        cli.err.getBuffer().setLength(0);
        Path empty = file("empty.strace", new byte[0]);
        assertTrue(badInput("replay", empty.toString()).startsWith(empty + ": no strace line in its 0 line(s)"));
        assertEquals("", cli.out.toString(), "nothing replayed, nothing printed");
    }

    @Test
    void replayWithAPolicyNamedTwiceIsBadInput() {
        // Was: --policy aware,aware --json printed one result for two runs.
        String err = badInput("replay", "../examples/traces/ls-timestamps.strace", "--policy", "aware,aware", "--json");
        assertEquals("devmirror replay: --policy aware,aware names event-aware twice; name each policy once\n", err);
        cli.err.getBuffer().setLength(0);
        badInput("replay", "../examples/traces/ls-timestamps.strace", "--policy", "both,blind");
    }

    @Test
    void replayOfAMissingTraceSaysSoOnce() {
        Path t = dir.resolve("absent.strace");
        assertEquals("devmirror replay: cannot read " + t + ": no such file\n", badInput("replay", t.toString()));
    }

    @Test
    void anOptionValueWithControlCharactersIsEscaped() {
        String err = badInput("replay", "../examples/traces/ls-timestamps.strace", "--devices", "\u001b[2J");
        assertTrue(err.contains("\\x1b[2J"), err);
        assertFalse(err.contains("\u001b"), err);
    }

    @Test
    void gateWithADamagedBaselineNamesTheFile() throws IOException {
        Path baseline = file("baseline.json", "{\"x\": {\"allocBytesPerOp\": 0.5}}");
        String err = badInput("gate", "--baseline", baseline.toString());
        assertEquals(
                "devmirror gate: " + baseline + ": $.x.allocBytesPerOp: bytes per operation are measured exactly,"
                        + " as a whole number; found 0.5\n",
                err);
    }

    @Test
    void gateWithANonUtf8BaselineNamesTheFileAndByte() throws IOException {
        Path baseline = file("baseline.json", new byte[] {'{', (byte) 0xFF, '}'});
        assertEquals(
                "devmirror gate: " + baseline + ":1: byte 0xff at column 2 is not UTF-8 (a baseline is UTF-8 text)\n",
                badInput("gate", "--baseline", baseline.toString()));
    }

    @Command(name = "crash")
    static final class Crashing implements Callable<Integer> {
        @CommandLine.Parameters
        List<String> words;

        @Override
        public Integer call() {
            throw new IllegalStateException("an invariant broke\nsecond line");
        }
    }

    @Test
    void anInternalErrorExitsThreeWithAShortMessageAndTheStackTraceInALog() throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = DevmirrorCommand.withExitContract(new CommandLine(new Crashing()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));

        assertEquals(DevmirrorCommand.EXIT_INTERNAL_ERROR, cl.execute("one", "two"), err::toString);
        List<String> lines = err.toString().lines().toList();
        assertEquals(2, lines.size(), err::toString);
        assertEquals(
                "devmirror: internal error (a bug in devmirror, not in your input): java.lang.IllegalStateException:"
                        + " an invariant broke ...",
                lines.get(0));
        Matcher m = Pattern.compile(
                        "devmirror: the stack trace is in (\\S+); please report it with the command line that caused it")
                .matcher(lines.get(1));
        assertTrue(m.matches(), lines.get(1));
        String log = Files.readString(Path.of(m.group(1)));
        assertTrue(log.startsWith("devmirror one two\njava.lang.IllegalStateException: an invariant broke"), log);
        assertTrue(log.contains("\tat org.devmirror.cli.ExitCodeContractTest$Crashing.call"), log);
    }

    @Test
    void anErrorSuchAsStackOverflowIsAnInternalErrorToo() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = DevmirrorCommand.handle(
                new StackOverflowError(),
                List.of("run", "x.scn"),
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(DevmirrorCommand.EXIT_INTERNAL_ERROR, status);
        assertTrue(
                err.toString()
                        .startsWith("devmirror: internal error (a bug in devmirror, not in your input):"
                                + " java.lang.StackOverflowError\n"),
                err::toString);
        assertFalse(err.toString().contains("\tat "), err::toString);
    }
}

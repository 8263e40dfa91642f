package org.devmirror.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.devmirror.bench.probe.Baseline;
import org.devmirror.cli.DevmirrorCommand;
import org.devmirror.input.InputFileException;
import org.devmirror.json.JsonInputException;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.devmirror.trace.StraceReader;
import picocli.CommandLine;

/**
 * The contract of the four readers of user files, checked on one input each, for the fuzz tests
 * ({@link InputFuzzTest}) and the property tests ({@link InputPropertyTest}). Each input is
 * written to a file and read the way the command line reads it, so the size limit, the UTF-8
 * check and the line splitting are under test too. Whatever the bytes:
 *
 * <ul>
 *   <li>{@link #scenario}: a {@code Scenario}, or a {@code ScenarioParseException} whose every line
 *       is {@code FILE:LINE: message} for a line the file has, or an {@code InputFileException}
 *       (not UTF-8) that names the file;</li>
 *   <li>{@link #trace}: the strace reader never throws, counts every record it returns, and
 *       returns no more records than lines;</li>
 *   <li>{@link #replay}: {@code ./devmirror replay FILE} exits 0, 1 or 2, never 3 (an internal
 *       error), and prints no stack trace;</li>
 *   <li>{@link #baseline}: a {@code Baseline}, or a {@code JsonInputException} or
 *       {@code InputFileException} naming the file.</li>
 * </ul>
 *
 * <h2>Assumptions and Guarantees</h2>
 * One instance per test class, used from one thread; {@link #close} removes its files.
 */
final class UserFiles implements AutoCloseable {
    private static final Pattern FILE_LINE = Pattern.compile("^(.+\\.scn):([1-9][0-9]*): .+", Pattern.DOTALL);
    private final Path dir;

    UserFiles() {
        try {
            dir = Files.createTempDirectory("devmirror-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path write(String name, byte[] data) {
        try {
            return Files.write(dir.resolve(name), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines as the scenario parser splits them (a final empty line counts). */
    private static int lineCount(byte[] data) {
        return new String(data, StandardCharsets.UTF_8).split("\r\n|\r|\n", -1).length;
    }

    void scenario(byte[] data) throws IOException {
        Path file = write("input.scn", data);
        try {
            ScenarioParser.parse(file);
        } catch (InputFileException e) {
            assertTrue(e.getMessage().contains(file.toString()), () -> "does not name the file: " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"), () -> "more than one line: " + e.getMessage());
        } catch (ScenarioParseException e) {
            int lines = lineCount(data);
            assertFalse(e.lines().isEmpty(), "a parse exception with no error");
            for (String l : e.lines()) {
                Matcher m = FILE_LINE.matcher(l);
                assertTrue(m.matches(), () -> "not FILE:LINE: message: " + l);
                assertTrue(m.group(1).equals(file.toString()), () -> "names another file: " + l);
                assertTrue(Integer.parseInt(m.group(2)) <= lines, () -> "no such line (of " + lines + "): " + l);
                assertFalse(l.contains("\n"), () -> "one line per error: " + l);
            }
        }
    }

    void trace(byte[] data) throws IOException {
        StraceReader.Trace t = StraceReader.readAll(write("input.trace", data));
        long lines = t.stats().lines();
        long records = t.calls().size();
        assertTrue(
                t.stats().parsedTotal() == records,
                () -> records + " records, " + t.stats().parsedTotal() + " counted");
        assertTrue(lines >= records, () -> lines + " lines, " + records + " records");
    }

    void replay(byte[] data) {
        Path file = write("input.trace", data);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = DevmirrorCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute("replay", file.toString());
        String printed = out + "\n" + err;
        assertTrue(
                status == DevmirrorCommand.EXIT_OK
                        || status == DevmirrorCommand.EXIT_FAILED
                        || status == DevmirrorCommand.EXIT_BAD_INPUT,
                () -> "exit " + status + ":\n" + printed);
        assertFalse(printed.contains("\tat "), () -> "a stack trace:\n" + printed);
    }

    void baseline(byte[] data) throws IOException {
        Path file = write("baseline.json", data);
        try {
            Baseline.load(file);
        } catch (JsonInputException | InputFileException e) {
            assertTrue(e.getMessage().contains(file.toString()), () -> "does not name the file: " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }
}

package org.devmirror.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * An internal error (a bug in devmirror, not bad input): its stack trace goes to a log file, and
 * the user sees one short message with the file's path and exit status
 * {@link DevmirrorCommand#EXIT_INTERNAL_ERROR}. The file is in {@code java.io.tmpdir} (or the
 * directory of the system property {@value #DIRECTORY_PROPERTY}), named after the time and pid.
 */
final class InternalErrorLog {
    /** System property naming the directory of the logs (tests point it at a temporary directory). */
    static final String DIRECTORY_PROPERTY = "devmirror.errorLogDir";

    private InternalErrorLog() {}

    /** Writes {@code error}'s trace to a new log file and prints the short message on {@code err}. */
    static int report(Throwable error, List<String> args, PrintWriter err) {
        String summary = error.getClass().getName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
        String where;
        try {
            where = "the stack trace is in " + write(error, args);
        } catch (IOException | RuntimeException e) {
            where = "the stack trace could not be written (" + e.getMessage() + ")";
        }
        err.println("devmirror: internal error (a bug in devmirror, not in your input): " + firstLine(summary));
        err.println("devmirror: " + where + "; please report it with the command line that caused it");
        err.flush();
        return DevmirrorCommand.EXIT_INTERNAL_ERROR;
    }

    private static Path write(Throwable error, List<String> args) throws IOException {
        Path dir = Path.of(System.getProperty(DIRECTORY_PROPERTY, System.getProperty("java.io.tmpdir")));
        Files.createDirectories(dir);
        String stamp = LocalDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path log = Files.createTempFile(
                dir,
                "devmirror-internal-error-" + stamp + "-"
                        + ProcessHandle.current().pid() + "-",
                ".log");
        StringWriter trace = new StringWriter();
        try (PrintWriter w = new PrintWriter(trace)) {
            w.println("devmirror " + String.join(" ", args));
            error.printStackTrace(w);
        }
        Files.writeString(log, trace.toString(), StandardCharsets.UTF_8);
        return log.toAbsolutePath();
    }

    // A message may span lines (an assertion's diff); the terminal gets its first only.
    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl) + " ...";
        return org.devmirror.input.TerminalText.escape(line.length() > 300 ? line.substring(0, 300) + "\u2026" : line);
    }
}

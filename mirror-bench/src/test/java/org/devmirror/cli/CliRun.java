package org.devmirror.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code ./devmirror} commands in-process and keeps what they printed, for the CLI tests. */
final class CliRun {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    /** Runs one command line; returns its exit status. */
    int devmirror(String... args) {
        CommandLine cl = DevmirrorCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}

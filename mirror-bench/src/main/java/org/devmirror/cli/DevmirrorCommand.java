package org.devmirror.cli;

import java.io.PrintWriter;
import java.util.List;
import org.devmirror.input.TerminalText;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./devmirror} command line: one subcommand per job (demo, run, replay, compare, bench, gate).
 *
 * <p>Exit status follows one contract across subcommands, written once in {@code docs/exit-codes.md}
 * and implemented here, not per command: {@value #EXIT_OK} when everything held,
 * {@value #EXIT_FAILED} when an expectation, the oracle or a gate failed, {@value #EXIT_BAD_INPUT}
 * for bad input (unknown options, unreadable or malformed files, input beyond a documented limit:
 * a {@link BadInputException} or picocli's parameter error, printed as one line per error), and
 * {@value #EXIT_INTERNAL_ERROR} for an internal error (any other exception or error: a short
 * message and the path of a log file holding the stack trace, {@link InternalErrorLog}). No stack
 * trace reaches the terminal.
 */
@Command(
        name = "devmirror",
        mixinStandardHelpOptions = true,
        version = "devmirror 0.1.0",
        description = "An emulator of the Linux HMM device-mirror path.",
        subcommands = {
            CommandLine.HelpCommand.class,
            DemoCommand.class,
            RunCommand.class,
            ReplayCommand.class,
            CompareCommand.class,
            BenchCommand.class,
            GateCommand.class
        })
public final class DevmirrorCommand implements Runnable {
    /** Everything held. */
    public static final int EXIT_OK = 0;
    /** An expectation, the safety oracle or a gate failed. */
    public static final int EXIT_FAILED = 1;
    /** Bad input, shared by every subcommand: nothing was changed. */
    public static final int EXIT_BAD_INPUT = 2;
    /** An internal error (a bug): the stack trace is in a log file. */
    public static final int EXIT_INTERNAL_ERROR = 3;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with its subcommands; tests drive it through {@link CommandLine#execute}. */
    public static CommandLine commandLine() {
        return withExitContract(new CommandLine(new DevmirrorCommand()));
    }

    /**
     * Installs the exit-status contract on {@code cl}: picocli's parameter errors and
     * {@link BadInputException} exit {@value #EXIT_BAD_INPUT}, anything else a command throws is an
     * internal error. Returns {@code cl}.
     */
    public static CommandLine withExitContract(CommandLine cl) {
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("devmirror: " + TerminalText.escape(ex.getMessage()));
            c.usage(c.getErr());
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler(
                (ex, c, parseResult) -> handle(ex, parseResult.originalArgs(), c.getOut(), c.getErr()));
        return cl;
    }

    /**
     * The exit status for {@code error} thrown by a command, after printing what the user needs:
     * the lines of bad input, or the short message of an internal error.
     */
    static int handle(Throwable error, List<String> args, PrintWriter out, PrintWriter err) {
        // What a command printed before it stopped (a --json run's results so far) must come out
        // before the error, and in one piece.
        out.flush();
        if (error instanceof BadInputException bad) {
            for (String line : bad.lines()) {
                err.println(TerminalText.escape(line));
            }
            err.flush();
            return EXIT_BAD_INPUT;
        }
        return InternalErrorLog.report(error, args, err);
    }

    public static void main(String[] args) {
        CommandLine cl = commandLine();
        int status;
        try {
            status = cl.execute(args);
        } catch (Throwable t) {
            // picocli hands only Exceptions to the execution handler; an Error (a StackOverflowError,
            // an OutOfMemoryError) thrown by a command arrives here.
            status = handle(t, List.of(args), cl.getOut(), cl.getErr());
        }
        System.exit(status);
    }
}

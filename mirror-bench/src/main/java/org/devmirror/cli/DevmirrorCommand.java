package org.devmirror.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./devmirror} command line: one subcommand per job (demo, run, replay, bench, gate).
 *
 * <p>Exit status follows one rule across subcommands: 0 when everything held, 1 when an
 * expectation, the oracle or a gate failed, 2 for bad input (unknown options, unreadable or
 * malformed files).
 */
@Command(
        name = "devmirror",
        mixinStandardHelpOptions = true,
        version = "devmirror 0.1.0",
        description = "An emulator of the Linux HMM device-mirror path.",
        subcommands = {CommandLine.HelpCommand.class, DemoCommand.class, RunCommand.class, ReplayCommand.class,
            BenchCommand.class, GateCommand.class})
public final class DevmirrorCommand implements Runnable {
    /** Exit status for bad input, shared by every subcommand. */
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with its subcommands; tests drive it through {@link CommandLine#execute}. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new DevmirrorCommand());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("devmirror: " + ex.getMessage());
            c.usage(c.getErr());
            return EXIT_BAD_INPUT;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}

package org.devmirror.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.devmirror.json.Json;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.replay.ReplayModel;
import org.devmirror.replay.ReplayReport;
import org.devmirror.replay.ReplayResult;
import org.devmirror.replay.TraceReplay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./devmirror replay TRACE [--policy aware|blind|both|CLASS[,...]] [--devices N] [--seed S] [--json]}:
 * replays an strace trace (docs/replay.md) under each policy named ({@code both} is
 * {@code aware,blind}; any name {@link PolicyResolver} resolves, comma-separated). Exit status 0 when the oracle stayed clean under every
 * policy, 1 when it found a violation, 2 for bad input (unreadable trace, bad option).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay a real program's memory system calls (strace -f -e trace=memory,process) against mirroring devices.")
public final class ReplayCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TRACE", description = "strace output file")
    private Path trace;

    @Option(names = "--policy", defaultValue = "both", paramLabel = "aware|blind|both|CLASS[,...]",
            description = "invalidation policies to replay under, comma-separated: aware, blind, both (aware,blind),"
                    + " or the class name of an InvalidationPolicy on the class path (default: ${DEFAULT-VALUE})")
    private String policy;

    @Option(names = "--devices", defaultValue = "1", paramLabel = "N", description = "mirroring devices (default: ${DEFAULT-VALUE})")
    private int devices;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "seed of the device touch model (default: ${DEFAULT-VALUE})")
    private long seed;

    @Option(names = "--json", description = "print one JSON object instead of the text report")
    private boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<InvalidationPolicy> policies = new ArrayList<>();
        try {
            for (String name : policy.split(",", -1)) {
                if (name.equals("both")) {
                    policies.add(PolicyResolver.resolve("--policy", "aware"));
                    policies.add(PolicyResolver.resolve("--policy", "blind"));
                } else {
                    policies.add(PolicyResolver.resolve("--policy", name));
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("devmirror replay: " + e.getMessage());
            return DevmirrorCommand.EXIT_BAD_INPUT;
        }
        if (devices < 1 || devices > 64) {
            err.println("devmirror replay: --devices " + devices + " is outside 1..64");
            return DevmirrorCommand.EXIT_BAD_INPUT;
        }
        if (!Files.isReadable(trace) || Files.isDirectory(trace)) {
            err.println("devmirror replay: cannot read " + trace);
            return DevmirrorCommand.EXIT_BAD_INPUT;
        }
        ReplayModel model = ReplayModel.defaults().withDevices(devices).withSeed(seed);
        List<ReplayResult> results;
        try {
            results = TraceReplay.replay(trace, policies, model);
        } catch (IOException e) {
            err.println("devmirror replay: cannot read " + trace + ": " + e.getMessage());
            return DevmirrorCommand.EXIT_BAD_INPUT;
        }
        if (json) {
            out.print(Json.write(ReplayReport.json(trace.toString(), model, results)));
        } else {
            out.print(ReplayReport.text(trace.toString(), model, results));
        }
        out.flush();
        return results.stream().allMatch(ReplayResult::oracleClean) ? 0 : 1;
    }
}

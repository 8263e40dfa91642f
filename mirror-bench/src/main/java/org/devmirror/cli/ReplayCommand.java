package org.devmirror.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.input.InputFile;
import org.devmirror.json.Json;
import org.devmirror.mm.InvalidationRanges;
import org.devmirror.replay.ReplayLimitException;
import org.devmirror.replay.ReplayModel;
import org.devmirror.replay.ReplayReport;
import org.devmirror.replay.ReplayResult;
import org.devmirror.replay.TraceReplay;
import org.devmirror.trace.StraceReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./devmirror replay TRACE [--policy aware|blind|both|CLASS[,...]] [--ranges kernel|narrowed] [--devices N] [--seed S]
 * [--cost-profile NAME|FILE] [--json]}:
 * replays an strace trace (docs/replay.md) under each policy named ({@code both} is
 * {@code aware,blind}; any name {@link PolicyResolver} resolves, comma-separated). Exit status 0 when the oracle stayed clean under every
 * policy, 1 when it found a violation, 2 for bad input (an unreadable file, a file with no strace line in
 * it, a trace beyond a limit of docs/limits.md, a bad option), 3 for an internal error (docs/exit-codes.md).
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description =
                "Replay a real program's memory system calls (strace -f -e trace=memory,process) against mirroring devices.")
public final class ReplayCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TRACE", description = "strace output file")
    private Path trace;

    @Option(
            names = "--policy",
            defaultValue = "both",
            paramLabel = "NAME|both|all|CLASS[,...]",
            description =
                    "invalidation policies to replay under, comma-separated: a shipped name (${COMPLETION-CANDIDATES}),"
                            + " both (aware,blind), all (every shipped policy), or the class name of an InvalidationPolicy on the"
                            + " class path (default: ${DEFAULT-VALUE})",
            completionCandidates = ShippedPolicyNames.class)
    private String policy;

    @Mixin
    private RangesOption ranges;

    @Mixin
    private CostProfileOption costProfile;

    @Option(
            names = "--devices",
            defaultValue = "1",
            paramLabel = "N",
            description = "mirroring devices (default: ${DEFAULT-VALUE})")
    private int devices;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "S",
            description = "seed of the device touch model (default: ${DEFAULT-VALUE})")
    private long seed;

    @Option(names = "--json", description = "print one JSON object instead of the text report")
    private boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<InvalidationPolicy> policies = new ArrayList<>();
        InvalidationRanges hostRanges;
        Set<String> named = new HashSet<>();
        CostProfile profile = costProfile.resolve("devmirror replay");
        try {
            hostRanges = ranges.resolve();
            for (String name : policy.split(",", -1)) {
                for (InvalidationPolicy resolved :
                        PolicyResolver.resolveAll("--policy", name.equals("both") ? "aware,blind" : name)) {
                    if (!named.add(resolved.name())) {
                        // The report has one result per policy name: a second run would replace the first.
                        throw new IllegalArgumentException(
                                "--policy " + policy + " names " + resolved.name() + " twice; name each policy once");
                    }
                    policies.add(resolved);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new BadInputException("devmirror replay: " + e.getMessage());
        }
        if (devices < 1 || devices > 64) {
            throw new BadInputException("devmirror replay: --devices " + devices + " is outside 1..64");
        }
        ReplayModel model =
                ReplayModel.defaults().withDevices(devices).withSeed(seed).withRanges(hostRanges);
        StraceReader.Trace read;
        try {
            read = StraceReader.readAll(trace);
        } catch (IOException e) {
            throw new BadInputException(
                    "devmirror replay: " + InputFile.cannotRead(trace, e).getMessage());
        }
        if (read.stats().straceLines() == 0) {
            throw new BadInputException(
                    trace + ": no strace line in its " + read.stats().lines() + " line(s); replay reads"
                            + " the output of strace -f -e trace=memory,process (docs/replay.md)");
        }
        List<ReplayResult> results = new ArrayList<>();
        for (InvalidationPolicy p : policies) {
            try {
                results.add(TraceReplay.replay(read, p, model));
            } catch (ReplayLimitException e) {
                throw new BadInputException(trace + ":" + e.line() + ": " + e.getMessage());
            }
        }
        if (json) {
            out.print(Json.write(ReplayReport.json(trace.toString(), model, results, profile)));
        } else {
            out.print(ReplayReport.text(trace.toString(), model, results, profile));
        }
        out.flush();
        return results.stream().allMatch(ReplayResult::oracleClean)
                ? DevmirrorCommand.EXIT_OK
                : DevmirrorCommand.EXIT_FAILED;
    }
}

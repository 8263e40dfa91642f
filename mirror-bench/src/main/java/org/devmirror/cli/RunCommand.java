package org.devmirror.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.input.InputFile;
import org.devmirror.json.Json;
import org.devmirror.mm.InvalidationRanges;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.run.RunResult;
import org.devmirror.scenario.run.ScenarioRunner;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;

/**
 * {@code ./devmirror run FILE... [--policy aware|blind|CLASS] [--ranges kernel|narrowed] [--cost-profile NAME|FILE] [--json]}:
 * parses scenario files
 * (docs/scenarios.md) completely, then runs each under the policy {@link PolicyResolver} resolves
 * (a class on the launcher's {@code --classpath}). Exit status 0 when every expectation held and the
 * oracle stayed clean, 1 when one did not, 2 for bad input (parse errors, printed as
 * {@code FILE:LINE: message}, and nothing runs), 3 for an internal error (docs/exit-codes.md).
 * With several files the status is the worst of them.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run scenario files and check their expectations.")
public final class RunCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "scenario files, run one after the other")
    private List<Path> files;

    @Option(
            names = "--policy",
            defaultValue = "aware",
            paramLabel = "NAME|all|CLASS[,...]",
            description = "invalidation policies of the devices, comma-separated, each file run under each: a shipped"
                    + " name (${COMPLETION-CANDIDATES}), all (every one of them), or the class name of an"
                    + " InvalidationPolicy on the class path (default: ${DEFAULT-VALUE})",
            completionCandidates = ShippedPolicyNames.class)
    private String policy;

    @Mixin
    private RangesOption ranges;

    @Mixin
    private CostProfileOption costProfile;

    @Option(
            names = "--json",
            description = "print one JSON object per file (an array of them for several files)"
                    + " instead of the readable trace")
    private boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<InvalidationPolicy> policies;
        InvalidationRanges hostRanges;
        CostProfile profile = costProfile.resolve("devmirror run");
        try {
            policies = PolicyResolver.resolveAll("--policy", policy);
            hostRanges = ranges.resolve();
        } catch (IllegalArgumentException e) {
            throw new BadInputException("devmirror run: " + e.getMessage());
        }
        // Every file is parsed before the first runs: bad input anywhere means nothing runs.
        List<Scenario> scenarios = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Path file : files) {
            try {
                scenarios.add(ScenarioParser.parse(file));
            } catch (IOException e) {
                errors.add("devmirror run: " + InputFile.cannotRead(file, e).getMessage());
            } catch (ScenarioParseException e) {
                errors.addAll(e.lines());
            }
        }
        if (!errors.isEmpty()) {
            throw new BadInputException(errors);
        }
        ArrayNode objects = Json.array();
        boolean succeeded = true;
        try {
            for (InvalidationPolicy invalidationPolicy : policies) {
                for (Scenario scenario : scenarios) {
                    RunResult result = ScenarioRunner.run(scenario, invalidationPolicy, hostRanges);
                    succeeded &= result.succeeded();
                    if (json) {
                        objects.add(result.toJson(profile));
                    } else {
                        out.print(result.text(profile));
                        out.flush(); // a long list of files shows progress
                    }
                }
            }
        } finally {
            // Should a run stop on an internal error, the results of the files before it are
            // still printed, as valid JSON, before the error is reported.
            if (json) {
                out.print(Json.write(
                        objects.size() == 1 && scenarios.size() == 1 && policies.size() == 1
                                ? objects.get(0)
                                : objects));
            }
            out.flush();
        }
        return succeeded ? DevmirrorCommand.EXIT_OK : DevmirrorCommand.EXIT_FAILED;
    }
}

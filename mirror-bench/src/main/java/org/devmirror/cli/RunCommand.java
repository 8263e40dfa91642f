package org.devmirror.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.devmirror.bench.report.json.JsonWriter;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.scenario.RunResult;
import org.devmirror.scenario.Scenario;
import org.devmirror.scenario.ScenarioParseException;
import org.devmirror.scenario.ScenarioParser;
import org.devmirror.scenario.ScenarioRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./devmirror run FILE [--policy aware|blind|CLASS] [--json]}: parses a scenario file
 * (docs/scenarios.md) completely, then runs it under the policy {@link PolicyResolver} resolves
 * (a class on the launcher's {@code --classpath}). Exit status 0 when every expectation held and the
 * oracle stayed clean, 1 when one did not, 2 for bad input (parse errors, printed as
 * {@code FILE:LINE: message}, and nothing runs).
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a scenario file and check its expectations.")
public final class RunCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "scenario file")
    private Path file;

    @Option(names = "--policy", defaultValue = "aware", paramLabel = "aware|blind|CLASS",
            description = "invalidation policy of the devices: aware, blind, or the class name of an"
                    + " InvalidationPolicy on the class path (default: ${DEFAULT-VALUE})")
    private String policy;

    @Option(names = "--json", description = "print one JSON object instead of the readable trace")
    private boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        InvalidationPolicy invalidationPolicy;
        try {
            invalidationPolicy = PolicyResolver.resolve("--policy", policy);
        } catch (IllegalArgumentException e) {
            err.println("devmirror run: " + e.getMessage());
            return DevmirrorCommand.EXIT_BAD_INPUT;
        }
        Scenario scenario;
        try {
            scenario = ScenarioParser.parse(file);
        } catch (IOException e) {
            err.println("devmirror run: cannot read " + file + ": " + e.getMessage());
            return DevmirrorCommand.EXIT_BAD_INPUT;
        } catch (ScenarioParseException e) {
            err.println(e.getMessage());
            return DevmirrorCommand.EXIT_BAD_INPUT;
        }
        RunResult result = ScenarioRunner.run(scenario, invalidationPolicy);
        out.print(json ? JsonWriter.write(result.toJson()) : result.text());
        out.flush();
        return result.succeeded() ? 0 : 1;
    }
}

package org.devmirror.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.devmirror.demo.Demo;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.scenario.run.RunResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./devmirror demo [--policy P,P...] [--cost-profile NAME|FILE]}: the scenario examples/demo.scn, every host operation
 * and its events mirrored by a device, under each policy (event-aware and blind by default), with the
 * first run's trace and the device work of all side by side. Exit status 0 when every run held its
 * expectations with a clean oracle, 1 otherwise, 2 for a bad policy name.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Run examples/demo.scn (every host operation against a device mirror) under each policy and show the "
                        + "invalidations, the CPU page table and the per-event device work of the policies side by side.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--policy",
            split = ",",
            defaultValue = "aware,blind",
            paramLabel = "aware|blind|CLASS",
            description =
                    "policies to run the demo under, in order, comma-separated: aware, blind, or the class name of an"
                            + " InvalidationPolicy on the class path (default: ${DEFAULT-VALUE})")
    private List<String> policies;

    @Mixin
    private CostProfileOption costProfile;

    @Override
    public Integer call() {
        CostProfile profile = costProfile.resolve("devmirror demo");
        List<InvalidationPolicy> resolved = new ArrayList<>();
        try {
            for (String name : policies) {
                resolved.add(PolicyResolver.resolve("--policy", name));
            }
        } catch (IllegalArgumentException e) {
            throw new BadInputException("devmirror demo: " + e.getMessage());
        }
        List<RunResult> runs = Demo.run(spec.commandLine().getOut(), resolved, profile);
        return runs.stream().allMatch(RunResult::succeeded) ? DevmirrorCommand.EXIT_OK : DevmirrorCommand.EXIT_FAILED;
    }
}

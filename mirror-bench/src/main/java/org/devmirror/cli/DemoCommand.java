package org.devmirror.cli;

import java.util.concurrent.Callable;
import org.devmirror.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ./devmirror demo}: every host operation and its events, mirrored by a device under both policies. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run every host operation against a device mirror and show the invalidations, "
                + "the CPU page table and the per-event device work of the event-aware and blind policies.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    private CostProfileOption costProfile;

    @Override
    public Integer call() {
        return Demo.run(System.out, costProfile.resolve("devmirror demo")) == 0 ? 0 : 1;
    }
}

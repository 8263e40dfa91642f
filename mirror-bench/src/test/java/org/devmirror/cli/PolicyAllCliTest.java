package org.devmirror.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.PolicyResolver;
import org.junit.jupiter.api.Test;

/**
 * {@code --policy all} runs every shipped policy of the registry, the driver zoo included, and a
 * zoo policy is chosen by its short name wherever a policy is.
 */
class PolicyAllCliTest {
    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    @Test
    void runUnderAllRunsTheFileUnderEveryShippedPolicy() {
        // Holds under xe only: every other policy zaps the one page and the run fails.
        assertEquals(
                1,
                cli.devmirror("run", "../examples/zoo/xe_zaps_the_range_whole.scn", "--policy", "all"),
                err::toString);
        for (InvalidationPolicy p : PolicyResolver.shipped().values()) {
            assertTrue(out.toString().contains("under the " + p.name() + " policy"), () -> p.name() + " ran:\n" + out);
        }
        assertEquals(
                PolicyResolver.shipped().size(),
                out.toString().split("\nPASS\n|\nFAIL\n", -1).length - 1,
                out::toString);
    }

    @Test
    void aZooPolicyIsChosenByItsShortName() {
        assertEquals(
                0,
                cli.devmirror("run", "../examples/zoo/xe_zaps_the_range_whole.scn", "--policy", "xe"),
                err::toString);
        assertTrue(out.toString().endsWith("PASS\n"), out::toString);
    }

    @Test
    void replayUnderAllReportsEveryShippedPolicy() {
        assertEquals(
                0,
                cli.devmirror("replay", "../examples/traces/ls-timestamps.strace", "--policy", "all"),
                err::toString);
        for (InvalidationPolicy p : PolicyResolver.shipped().values()) {
            assertTrue(out.toString().contains(p.name()), () -> p.name() + " in:\n" + out);
        }
    }

    @Test
    void allAndANameItCoversIsBadInput() {
        assertEquals(2, cli.devmirror("replay", "../examples/traces/ls-timestamps.strace", "--policy", "all,kvm"));
        assertTrue(err.toString().startsWith("devmirror replay: --policy all,kvm names kvm twice"), err::toString);
    }
}

package org.devmirror.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.policy.ZapEveryEventPolicy;
import java.io.StringWriter;
import org.devmirror.device.driver.PolicyResolver;
import org.junit.jupiter.api.Test;

/**
 * {@code ./devmirror run} and {@code replay} run a policy class named on the command line, the
 * way a driver author runs their own, and refuse a class that is not one with exit status 2.
 */
class PolicyClassCliTest {
    private static final String POLICY = ZapEveryEventPolicy.class.getName();

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    @Test
    void runExecutesAScenarioUnderTheNamedClass() {
        // A scenario whose expectations hold under any correct policy, with the oracle after every step.
        assertEquals(0, cli.devmirror("run", "../examples/anon_write.scn", "--policy", POLICY), err::toString);
        assertTrue(out.toString().contains("under the zap-every-event policy"), out::toString);
        assertTrue(out.toString().endsWith("PASS\n"), out::toString);
    }

    @Test
    void runJsonNamesThePolicy() {
        assertEquals(
                0, cli.devmirror("run", "../examples/anon_write.scn", "--policy", POLICY, "--json"), err::toString);
        assertTrue(out.toString().contains("\"policy\": \"zap-every-event\""), out::toString);
    }

    @Test
    void replayComparesTheNamedClassWithAware() {
        assertEquals(
                0,
                cli.devmirror("replay", "../examples/traces/ls-timestamps.strace", "--policy", "aware," + POLICY),
                err::toString);
        assertTrue(out.toString().contains("zap-every-event"), out::toString);
        assertTrue(out.toString().contains("event-aware"), out::toString);
    }

    @Test
    void aClassThatIsNoPolicyExitsTwoNamingTheValue() {
        assertEquals(2, cli.devmirror("run", "../examples/anon_write.scn", "--policy", "java.lang.String"));
        assertEquals(
                "devmirror run: --policy=java.lang.String is a class that does not implement"
                        + " org.devmirror.device.driver.InvalidationPolicy\n",
                err.toString());
        assertEquals("", out.toString(), "nothing ran");
    }

    @Test
    void replayRefusesAMissingClassBeforeReadingTheTrace() {
        assertEquals(
                2,
                cli.devmirror(
                        "replay", "../examples/traces/ls-timestamps.strace", "--policy", "aware,com.example.Absent"));
        assertTrue(
                err.toString()
                        .startsWith(
                                "devmirror replay: --policy=com.example.Absent is not " + PolicyResolver.SHIPPED_NAMES
                                        + "," + " and no class of that name is on the class path"),
                err::toString);
        assertEquals("", out.toString(), "nothing ran");
    }

    @Test
    void benchRefusesAPolicyParamThatDoesNotResolveBeforeAnyFork() {
        assertEquals(
                2,
                cli.devmirror("bench", "--include", "InvalidateBench", "--param", "policy=aware,com.example.Absent"));
        assertTrue(
                err.toString()
                        .startsWith("devmirror bench: --param policy=com.example.Absent is not "
                                + PolicyResolver.SHIPPED_NAMES + ","
                                + " and no class of that name is on the class path"),
                err::toString);
        assertEquals("", out.toString(), "nothing ran");
    }

    @Test
    void runTakesSeveralFilesAndExitsWithTheWorstStatus() {
        // soft_dirty.scn expects the event-aware saving (no refault), which a zapping policy does not make.
        int status = cli.devmirror(
                "run", "../examples/anon_write.scn", "../examples/events/soft_dirty.scn", "--policy", POLICY);
        assertEquals(1, status, err::toString);
        String text = out.toString();
        assertTrue(text.contains("run of ../examples/anon_write.scn under the zap-every-event policy"), text);
        assertTrue(text.contains("run of ../examples/events/soft_dirty.scn under the zap-every-event policy"), text);
        assertTrue(text.contains("../examples/events/soft_dirty.scn:14: faults: expected 0, got 1"), text);
        assertEquals(2, text.split("oracle: [0-9]+ checks, 0 violations", -1).length - 1, text);
    }

    @Test
    void runWithAnUnreadableFileAmongSeveralRunsNothing() {
        assertEquals(2, cli.devmirror("run", "../examples/anon_write.scn", "../examples/absent.scn"));
        assertTrue(err.toString().startsWith("devmirror run: cannot read ../examples/absent.scn"), err::toString);
        assertEquals("", out.toString(), "nothing ran");
    }
}

package org.devmirror.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.run.RunResult;
import org.devmirror.scenario.run.ScenarioRunner;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;

/**
 * The built-in demonstration behind {@code ./devmirror demo}: the scenario {@code examples/demo.scn}
 * (packed into the jar), which walks every host operation devmirror models past one device that
 * mirrors the buffer and reads it back after each step. It runs once per policy; the first run's
 * trace is printed (each step's invalidations, the device's reaction and the CPU page-table strip
 * of the watched range), then the per-event device work of every run side by side.
 */
public final class Demo {
    /** Where the scenario lives in the repository, and the name its trace and errors give it. */
    public static final String SCRIPT = "examples/demo.scn";
    // the copy the build packs next to this class
    private static final String RESOURCE = "demo.scn";

    private Demo() {}

    /**
     * Runs the demo under each of {@code policies} (at least one), printing to {@code out}, and
     * returns the runs in the same order.
     */
    public static List<RunResult> run(PrintWriter out, List<InvalidationPolicy> policies) {
        if (policies.isEmpty()) {
            throw new IllegalArgumentException("the demo needs at least one policy");
        }
        Scenario scenario = script();
        List<RunResult> runs = new ArrayList<>();
        for (InvalidationPolicy policy : policies) {
            runs.add(ScenarioRunner.run(scenario, policy));
        }
        out.println("devmirror demo: host operations, the invalidations they raise, and a device mirroring them");
        out.println("(one device mirrors the buffer and reads it back after each step; " + SCRIPT + " under the "
                + runs.get(0).policy() + " policy, then every policy's device work side by side)");
        out.println();
        out.print(runs.get(0).text());
        out.println();
        out.print(RunResult.sideBySide(runs));
        out.flush();
        return runs;
    }

    /** The demo scenario, parsed. A bundled script that does not parse is a build fault, not bad input. */
    static Scenario script() {
        try (InputStream in = Demo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT + " is missing from the class path (the build packs it as "
                        + Demo.class.getPackageName().replace('.', '/') + "/" + RESOURCE + ")");
            }
            return ScenarioParser.parse(SCRIPT, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + SCRIPT + " from the class path", e);
        } catch (ScenarioParseException e) {
            throw new IllegalStateException("the bundled " + SCRIPT + " does not parse:\n" + e.getMessage(), e);
        }
    }
}

package org.devmirror.demo;

import java.io.OutputStream;
import java.io.PrintStream;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.driver.BlindPolicy;
import org.devmirror.device.driver.EventAwarePolicy;

/**
 * The built-in demonstration: runs {@link DemoScript} under the event-aware policy, printing every
 * step, then silently under the blind policy, and prints the per-event device work of both.
 */
public final class Demo {
    private Demo() {}

    /**
     * Runs the demo, printing to {@code out}; returns the oracle violations found under both
     * policies, apart from the event-aware policy's known bug (PROTECTION_VMA that leaves the VMA
     * writable), which the trace and the report show separately.
     */
    public static long run(PrintStream out) {
        return run(out, CostProfile.DEFAULT);
    }

    /** {@link #run(PrintStream)}, with the device work priced as modelled device time by {@code profile}. */
    public static long run(PrintStream out, CostProfile profile) {
        DemoOutcome[] outcomes = runBoth(out, profile);
        return outcomes[0].oracleViolations() + outcomes[1].oracleViolations();
    }

    /** Runs the script under the event-aware policy (printed) and the blind one (silent); returns both outcomes. */
    static DemoOutcome[] runBoth(PrintStream out) {
        return runBoth(out, CostProfile.DEFAULT);
    }

    static DemoOutcome[] runBoth(PrintStream out, CostProfile profile) {
        out.println("devmirror demo: host operations, the invalidations they raise, and a device mirroring them");
        out.println("(one device mirrors the buffer under the event-aware policy and reads pages 0-7 back after each step)");
        DemoOutcome aware = new DemoScript(EventAwarePolicy.INSTANCE, out).run();
        DemoOutcome blind = new DemoScript(BlindPolicy.INSTANCE, new PrintStream(OutputStream.nullOutputStream())).run();
        DemoReport.print(out, aware, blind, profile);
        return new DemoOutcome[] {aware, blind};
    }
}

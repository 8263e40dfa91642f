package org.devmirror.bench.suite;

import java.util.List;
import org.devmirror.device.driver.DeviceWriteLog;
import org.devmirror.notifier.NotifierRules;

/**
 * What a benchmark fork's JVM runs without, whoever launches it: the suite's runner
 * ({@link SuiteRunner}) and the gate's A/B forks ({@code JmhForkLauncher}) both add
 * {@link #CHECKERS_OFF} to the command line of every fork.
 *
 * <p>The safety checks that scenarios, tests and long runs keep on are not part of what a driver
 * pays, so a timing must not include them:
 * <ul>
 *   <li>the oracle's shadow of device writes ({@link DeviceWriteLog}), on unless switched off:
 *       the end callback of every blockable CLEAR and UNMAP takes each mirror's driver lock to
 *       forget the pages the host emptied. Every mirror's classic notifier sees every range, so
 *       with the shadow on, two threads invalidating disjoint ranges through their own mirrors
 *       contend for each other's driver locks ({@code ThreadScalingBench});</li>
 *   <li>the notifier rule checker ({@link NotifierRules}) is off unless switched on, and stays off.</li>
 * </ul>
 */
public final class ForkJvm {
    /** The system properties that switch the oracle's checkers off in a benchmark fork. */
    public static final List<String> CHECKERS_OFF = List.of("-D" + DeviceWriteLog.PROPERTY + "=false");

    private ForkJvm() {}
}

package org.devmirror.demo;

import java.io.PrintStream;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.DeviceWork;

/** The closing table of the demo: per event, what each policy's device did, side by side. */
final class DemoReport {
    private DemoReport() {}

    static void print(PrintStream out, DemoOutcome a, DemoOutcome b, CostProfile profile) {
        out.printf("%nModelled device time (%s): %s policy %s | %s policy %s%n", profile.name(), a.policy(),
                a.counters().time(profile).format(), b.policy(), b.counters().time(profile).format());
        out.printf("%nPer-event device work, %s policy | %s policy%n", a.policy(), b.policy());
        out.printf("%-16s %17s %17s %17s %17s %17s%n", "event", "invalidations", "PTEs zapped", "PTEs downgraded",
                "PTEs re-read", "TLB flushes");
        DeviceWork x = a.counters();
        DeviceWork y = b.counters();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            if (x.invalidations(e) + y.invalidations(e) == 0) {
                continue;
            }
            out.printf("%-16s %17s %17s %17s %17s %17s%n", e, pair(x.invalidations(e), y.invalidations(e)),
                    pair(x.zapped(e), y.zapped(e)), pair(x.downgraded(e), y.downgraded(e)),
                    pair(x.reread(e), y.reread(e)), pair(x.tlbFlushes(e), y.tlbFlushes(e)));
        }
        out.printf("%-16s %17s %17s %17s %17s %17s%n", "total", pair(x.totalInvalidations(), y.totalInvalidations()),
                pair(x.totalZapped(), y.totalZapped()), pair(x.totalDowngraded(), y.totalDowngraded()),
                pair(x.totalReread(), y.totalReread()), pair(x.totalTlbFlushes(), y.totalTlbFlushes()));
        out.printf("%-16s %17s   (pages faulted %s)%n", "device faults", pair(x.faults(), y.faults()), pair(x.pagesFaulted(), y.pagesFaulted()));
        out.printf("%-16s %17s%n", "oracle checks", pair(a.oracleChecks(), b.oracleChecks()));
        out.printf("%-16s %17s%n", "oracle violations", pair(a.oracleViolations(), b.oracleViolations()));
    }

    private static String pair(long a, long b) {
        return a + " | " + b;
    }
}

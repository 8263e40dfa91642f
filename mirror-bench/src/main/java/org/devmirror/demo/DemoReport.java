package org.devmirror.demo;

import java.io.PrintStream;
import org.devmirror.notifier.MmuNotifierEvent;

/** The closing table of the demo: per event, what each policy's device did, side by side. */
final class DemoReport {
    private DemoReport() {}

    static void print(PrintStream out, DemoOutcome a, DemoOutcome b) {
        out.printf("%nPer-event device work, %s policy | %s policy%n", a.policy(), b.policy());
        out.printf("%-16s %17s %17s %17s %17s %17s%n", "event", "invalidations", "PTEs zapped", "PTEs downgraded",
                "PTEs re-read", "TLB flushes");
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            int i = e.ordinal();
            DemoCounters x = a.counters();
            DemoCounters y = b.counters();
            if (x.invalidations()[i] + y.invalidations()[i] == 0) {
                continue;
            }
            out.printf("%-16s %17s %17s %17s %17s %17s%n", e, pair(x.invalidations()[i], y.invalidations()[i]),
                    pair(x.zapped()[i], y.zapped()[i]), pair(x.downgraded()[i], y.downgraded()[i]),
                    pair(x.reread()[i], y.reread()[i]), pair(x.flushes()[i], y.flushes()[i]));
        }
        DemoCounters x = a.counters();
        DemoCounters y = b.counters();
        out.printf("%-16s %17s %17s %17s %17s %17s%n", "total", pair(DemoCounters.sum(x.invalidations()), DemoCounters.sum(y.invalidations())),
                pair(DemoCounters.sum(x.zapped()), DemoCounters.sum(y.zapped())),
                pair(DemoCounters.sum(x.downgraded()), DemoCounters.sum(y.downgraded())),
                pair(DemoCounters.sum(x.reread()), DemoCounters.sum(y.reread())),
                pair(DemoCounters.sum(x.flushes()), DemoCounters.sum(y.flushes())));
        out.printf("%-16s %17s   (pages faulted %s)%n", "device faults", pair(x.faults(), y.faults()), pair(x.pagesFaulted(), y.pagesFaulted()));
        out.printf("%-16s %17s%n", "oracle checks", pair(a.oracleChecks(), b.oracleChecks()));
        out.printf("%-16s %17s%n", "oracle violations", pair(a.oracleViolations(), b.oracleViolations()));
    }

    private static String pair(long a, long b) {
        return a + " | " + b;
    }
}

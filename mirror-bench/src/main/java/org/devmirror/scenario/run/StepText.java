package org.devmirror.scenario.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.DeviceWork;
import org.devmirror.observe.InvalidationRecorder.Invalidation;

/** The readable trace lines of one step: the operation and result, each invalidation, each device's reaction. */
final class StepText {
    private StepText() {}

    static List<String> describe(StepRecord step) {
        List<String> out = new ArrayList<>();
        StringBuilder head = new StringBuilder(
                String.format("%4d  [%s] %s -> %s", step.line(), step.space(), step.operation(), step.result()));
        if (step.faults() != 0 || step.pages() != 0) {
            head.append(" (faults ")
                    .append(step.faults())
                    .append(", pages ")
                    .append(step.pages())
                    .append(')');
        }
        out.add(head.toString());
        for (Invalidation inv : step.invalidations()) {
            out.add("        invalidate " + inv.describe() + " mm " + inv.mm());
        }
        for (Map.Entry<String, DeviceWork> e : step.reactions().entrySet()) {
            DeviceWork w = e.getValue();
            for (MmuNotifierEvent event : MmuNotifierEvent.values()) {
                if (w.invalidations(event) != 0 || w.refused(event) != 0) {
                    String did = w.describe(event);
                    out.add("        " + e.getKey() + " on " + event + " x" + w.invalidations(event) + ": "
                            + (did.isEmpty() ? "nothing to do" : did));
                }
            }
            if (w.faults() != 0 || w.faultErrors() != 0) {
                out.add("        " + e.getKey() + " faulted " + w.faults() + " time(s), " + w.pagesFaulted()
                        + " page(s)"
                        + (w.faultRetries() != 0 ? ", " + w.faultRetries() + " retries" : "")
                        + (w.faultErrors() != 0 ? ", " + w.faultErrors() + " failed" : ""));
            }
        }
        return out;
    }
}

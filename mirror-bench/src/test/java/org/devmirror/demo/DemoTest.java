package org.devmirror.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;

/**
 * The demo shows every event the host raises, the oracle stays clean under both policies (but for
 * the event-aware policy's known bug with PROTECTION_VMA that leaves the VMA writable), and
 * the event-aware device does less work than the blind one over the same steps.
 */
class DemoTest {

    @Test
    void demoShowsEveryEventWithACleanOracleAndLessWorkWhenAware() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DemoOutcome[] outcomes = Demo.runBoth(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        DemoOutcome aware = outcomes[0];
        DemoOutcome blind = outcomes[1];

        // Every event type reached the aware device at least once, and the trace printed it.
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            assertTrue(aware.counters().invalidations(e) > 0, "no " + e + " reached the device");
            assertTrue(text.contains(e.name()), "the trace never names " + e);
        }

        // The oracle checked translations after every step and found nothing under either policy,
        // the steps whose PROTECTION_VMA leaves the VMA writable (uffd-wp, PAGEMAP_SCAN, NUMA
        // hinting) included.
        assertTrue(aware.oracleChecks() > 0 && blind.oracleChecks() > 0);
        assertEquals(0, aware.oracleViolations(), text);
        assertEquals(0, blind.oracleViolations(), text);
        assertTrue(text.contains("PAGEMAP_SCAN") && text.contains("UFFDIO_MOVE") && text.contains("NUMA"), text);
        // The closing report leads with each policy's modelled device time under the default profile.
        assertTrue(text.contains("Modelled device time (xe-4k): event-aware policy " + aware.counters().time(CostProfile.DEFAULT).format()
                + " | blind policy " + blind.counters().time(CostProfile.DEFAULT).format()), text);

        // Same steps, less device work: fewer PTEs zapped and fewer refaults when the events are used.
        long awareZapped = aware.counters().totalZapped();
        long blindZapped = blind.counters().totalZapped();
        assertTrue(awareZapped < blindZapped, "aware zapped " + awareZapped + ", blind " + blindZapped);
        assertTrue(aware.counters().faults() < blind.counters().faults());
        // SOFT_DIRTY costs the aware device nothing.
        MmuNotifierEvent softDirty = MmuNotifierEvent.SOFT_DIRTY;
        assertEquals(0, aware.counters().zapped(softDirty) + aware.counters().downgraded(softDirty)
                + aware.counters().tlbFlushes(softDirty));
    }
}

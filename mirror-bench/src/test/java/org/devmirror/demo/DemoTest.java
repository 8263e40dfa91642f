package org.devmirror.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.driver.BlindPolicy;
import org.devmirror.device.driver.EventAwarePolicy;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.DeviceWork;
import org.devmirror.scenario.model.Declaration;
import org.devmirror.scenario.model.HostOp;
import org.devmirror.scenario.run.RunResult;
import org.junit.jupiter.api.Test;

/**
 * The demo (examples/demo.scn) shows every event the host raises, the oracle stays clean under
 * both policies, the event-aware device does less work than the blind one over the same steps, and
 * the printed output is the first run's trace with the CPU page-table strip and both policies' work
 * side by side.
 */
class DemoTest {
    private static String text;
    private static RunResult aware;
    private static RunResult blind;

    private static synchronized void runOnce() {
        if (text != null) {
            return;
        }
        StringWriter out = new StringWriter();
        List<RunResult> runs = Demo.run(new PrintWriter(out), List.of(EventAwarePolicy.INSTANCE, BlindPolicy.INSTANCE));
        text = out.toString();
        aware = runs.get(0);
        blind = runs.get(1);
    }

    @Test
    void demoShowsEveryEventWithACleanOracleAndLessWorkWhenAware() {
        runOnce();
        DeviceWork a = aware.allDevices();
        DeviceWork b = blind.allDevices();

        // Every event type reached the aware device at least once, and the trace printed it.
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            assertTrue(a.invalidations(e) > 0, "no " + e + " reached the device");
            assertTrue(text.contains(e.name()), "the trace never names " + e);
        }

        // The oracle checked translations after every operation and found nothing under either
        // policy, the steps whose PROTECTION_VMA leaves the VMA writable (uffd-wp, PAGEMAP_SCAN,
        // NUMA hinting) included; the file's expectations held under both.
        assertTrue(aware.oracleChecks() > 0 && blind.oracleChecks() > 0);
        assertEquals(List.of(), aware.oracleViolations(), text);
        assertEquals(List.of(), blind.oracleViolations(), text);
        assertTrue(aware.succeeded() && blind.succeeded(), text);
        assertTrue(text.contains("PAGEMAP_SCAN") && text.contains("UFFDIO_MOVE") && text.contains("NUMA"), text);

        // Same steps, less device work: fewer PTEs zapped and fewer refaults when the events are used.
        assertTrue(a.totalZapped() < b.totalZapped(), "aware zapped " + a.totalZapped() + ", blind " + b.totalZapped());
        assertTrue(a.faults() < b.faults(), "aware faulted " + a.faults() + " times, blind " + b.faults());
        // SOFT_DIRTY costs the aware device nothing; the blind one zaps.
        MmuNotifierEvent softDirty = MmuNotifierEvent.SOFT_DIRTY;
        assertEquals(0, a.zapped(softDirty) + a.downgraded(softDirty) + a.tlbFlushes(softDirty));
        assertTrue(b.zapped(softDirty) > 0);
        // Both runs saw the same host: the same invalidations, whatever the device did with them.
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            assertEquals(aware.events(e), blind.events(e), e.name());
        }
    }

    @Test
    void outputIsTheTraceWithPteStripsThenBothPoliciesSideBySide() {
        runOnce();
        int steps = (int) Demo.script().statements().stream()
                .filter(s -> s instanceof Declaration.Step)
                .count();
        assertTrue(text.contains("step 1: mmap 16 pages rw private anonymous"), text);
        assertTrue(text.contains("step " + steps + ": exit"), text);
        assertFalse(text.contains("step " + (steps + 1) + ":"), text);
        // The CPU PTE strip of the watched buffer: written pages are 'w'; after mprotect pages 0-3 are 'r'.
        assertTrue(text.contains("cpu ptes [main] wwwwwwwwwwwwwwww\n"), text);
        assertTrue(text.contains("cpu ptes [main] rrrrwwwwwwwwwwww\n"), text);
        // The closing table: one column pair per policy, the totals of each run.
        assertTrue(text.contains("Per-event device work, event-aware policy | blind policy"), text);
        DeviceWork a = aware.allDevices();
        DeviceWork b = blind.allDevices();
        assertTrue(text.contains(a.totalZapped() + " | " + b.totalZapped()), text);
        assertTrue(text.matches("(?s).*\noracle violations +0 \\| 0\n.*"), text);
        // The side-by-side report leads with each run's modelled device time, default profile.
        CostProfile xe = CostProfile.DEFAULT;
        assertTrue(
                text.contains("Modelled device time (" + xe.name() + ")\n  event-aware       "
                        + a.time(xe).format() + "\n  blind             "
                        + b.time(xe).format() + "\n"),
                text);
        assertTrue(a.time(xe).totalNs() < b.time(xe).totalNs(), a.time(xe) + " vs " + b.time(xe));
    }

    @Test
    void theBundledScriptIsExamplesDemoScnAndRunsEveryHostOperation() throws IOException {
        try (InputStream jar = Demo.class.getResourceAsStream("demo.scn")) {
            assertEquals(
                    Files.readString(Path.of("..", Demo.SCRIPT)),
                    new String(jar.readAllBytes(), StandardCharsets.UTF_8),
                    "the class path's demo.scn is not examples/demo.scn: rebuild");
        }
        Set<Class<?>> used = new HashSet<>();
        Demo.script().statements().forEach(s -> used.add(s.getClass()));
        for (Class<?> op : HostOp.class.getPermittedSubclasses()) {
            assertTrue(used.contains(op), "the demo never runs " + op.getSimpleName());
        }
    }
}

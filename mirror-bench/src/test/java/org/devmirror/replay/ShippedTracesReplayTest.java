package org.devmirror.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.observe.DeviceWork;
import org.devmirror.trace.ShippedTraces;
import org.devmirror.trace.StraceReader;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each trace shipped in examples/traces replays with the safety oracle clean under both
 * policies, and the event-aware policy zaps and faults strictly less than the blind one: fewer
 * PTEs zapped, fewer pages faulted back, fewer refaults. It does not always do less work in all:
 * on the fork-heavy postgres-pgbench trace each fork's PROTECTION_PAGE makes it downgrade the
 * written pages, flush and re-read them, and the devices' writes then break copy-on-write (CLEAR),
 * which zaps and flushes them again; the blind policy zapped them once and has nothing left to
 * flush. So TLB flushes and re-reads are reported, not claimed.
 *
 * <p>The model is smaller than the command's default (a 16 MiB host, 8 pages written per new
 * mapping, 16 device touches per call) to keep the suite fast; the oracle still runs over every
 * mirror after every call.
 */
class ShippedTracesReplayTest {
    private static final Path SHIPPED = Path.of("..", "examples", "traces");
    static final ReplayModel TEST_MODEL = ReplayModel.defaults()
            .withHostFrames(4096)
            .withWritePagesPerMapping(8)
            .withTouches(0.25, 16);

    static List<String> shippedTraces() throws IOException {
        return ShippedTraces.names(SHIPPED);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shippedTraces")
    @Timeout(60)
    void replaysCleanAndTheAwarePolicyZapsAndFaultsLess(String name) throws IOException {
        // 1. Replay the same decoded trace under each policy with the same model.
        Path file = ShippedTraces.file(SHIPPED, name);
        StraceReader.Trace trace = StraceReader.readAll(file);
        ReplayResult aware = TraceReplay.replay(trace, PolicyResolver.resolve("policy", "aware"), TEST_MODEL);
        ReplayResult blind = TraceReplay.replay(trace, PolicyResolver.resolve("policy", "blind"), TEST_MODEL);
        String summary = file.getFileName() + ": aware " + work(aware) + "; blind " + work(blind);

        // 2. The host did the same thing under both: same calls, same invalidations, same touches.
        assertTrue(aware.replayedTotal() > 0, summary);
        assertEquals(aware.replayedTotal(), blind.replayedTotal(), summary);
        assertTrue(java.util.Arrays.equals(aware.events(), blind.events()), summary);
        assertEquals(aware.deviceTouches(), blind.deviceTouches(), summary);
        assertEquals(0, aware.cpuWriteErrors(), "the test host is big enough: " + summary);

        // 3. The oracle looked and found nothing, under both policies.
        assertTrue(aware.oracleChecks() > 0 && blind.oracleChecks() > 0, summary);
        assertEquals(List.of(), aware.violationSamples(), summary);
        assertEquals(List.of(), blind.violationSamples(), summary);

        // 4. The aware policy zaps less and faults less (flushes and re-reads: see the class comment).
        DeviceWork a = aware.work();
        DeviceWork b = blind.work();
        assertTrue(a.totalZapped() < b.totalZapped(), "PTEs zapped: " + summary);
        assertTrue(a.pagesFaulted() < b.pagesFaulted(), "pages faulted: " + summary);
        assertTrue(aware.refaults() < blind.refaults(), "refaults: " + summary);
    }

    /** Every shipped policy but the two compared above: the zoo, and the other SOFT_DIRTY strategy. */
    static List<String> zooPolicies() {
        return PolicyResolver.shipped().keySet().stream()
                .filter(p -> !p.equals("aware") && !p.equals("blind"))
                .toList();
    }

    /**
     * Each shipped trace replays with the oracle clean under every other shipped policy too, each
     * at its own tracking granularity; a policy's counts are reported, not compared (the zoo's
     * drivers zap more than the event-aware policy on every event but UNMAP, by design).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("zooPolicies")
    @Timeout(300)
    void replaysCleanUnderEveryZooPolicy(String policy) throws IOException {
        for (String name : shippedTraces()) {
            Path file = ShippedTraces.file(SHIPPED, name);
            ReplayResult r = TraceReplay.replay(
                    StraceReader.readAll(file), PolicyResolver.resolve("policy", policy), TEST_MODEL);
            String summary = file.getFileName() + " under " + policy + ": " + work(r);
            assertTrue(r.replayedTotal() > 0 && r.oracleChecks() > 0, summary);
            assertEquals(List.of(), r.violationSamples(), summary);
        }
    }

    private static String work(ReplayResult r) {
        DeviceWork w = r.work();
        return "zapped " + w.totalZapped() + ", downgraded " + w.totalDowngraded() + ", re-read " + w.totalReread()
                + ", flushes " + w.totalTlbFlushes() + ", faulted " + w.pagesFaulted() + ", refaults " + r.refaults()
                + ", total " + w.totalWork() + ", oracle " + r.oracleChecks() + "/" + r.oracleViolations();
    }
}

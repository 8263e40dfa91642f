package org.devmirror.bench.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.devmirror.bench.probe.WorkProbe.Measurement;
import org.devmirror.bench.workload.InjectedWork;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.NotifierRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hot paths allocate nothing, measured per operation with the thread's allocated-byte
 * counter (so CI catches an allocation without running JMH), and do the work they should.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HotPathAllocationTest {
    private static final int ROUNDS = 20;

    @Test
    void dispatchHittingOneNotifierAllocatesNothing() {
        Measurement m = WorkProbe.dispatch(1024, true, 500);
        assertEquals(0, m.allocBytesPerOp());
        // one callback per invalidation, and a logarithmic walk: far fewer nodes than notifiers
        assertEquals(1L, m.countersPerOp().get("callbacks"));
        assertTrue(m.countersPerOp().get("treeNodesVisited") < 64, m.toString());
    }

    @Test
    void dispatchHittingNothingAllocatesNothingAndCallsNobody() {
        Measurement m = WorkProbe.dispatch(1024, false, 500);
        assertEquals(0, m.allocBytesPerOp());
        assertEquals(0L, m.countersPerOp().get("callbacks"));
    }

    @Test
    void clearOfPopulatedRangeZapsEveryPteWithoutAllocating() {
        Measurement m = WorkProbe.invalidate(MmuNotifierEvent.CLEAR, "aware", "2M", ROUNDS);
        assertEquals(0, m.allocBytesPerOp());
        assertEquals(512L, m.countersPerOp().get("ptesZapped"));
        assertEquals(1L, m.countersPerOp().get("tlbFlushes"));
    }

    @Test
    void protectionPageDowngradesAndRereadsWithoutAllocating() {
        Measurement m = WorkProbe.invalidate(MmuNotifierEvent.PROTECTION_PAGE, "aware", "2M", ROUNDS);
        assertEquals(0, m.allocBytesPerOp());
        assertEquals(0L, m.countersPerOp().get("ptesZapped"));
        assertEquals(512L, m.countersPerOp().get("ptesReread"));
    }

    @Test
    void protectionVmaToReadOnlyKeepsThePtesWithoutAllocating() {
        Measurement m = WorkProbe.invalidate(MmuNotifierEvent.PROTECTION_VMA, "aware", "2M", ROUNDS);
        assertEquals(0, m.allocBytesPerOp());
        assertEquals(0L, m.countersPerOp().get("ptesZapped"));
    }

    @Test
    void softDirtyMarksAtTheEndWithoutAllocating() {
        Measurement m = WorkProbe.invalidate(MmuNotifierEvent.SOFT_DIRTY, "aware", "2M", ROUNDS);
        assertEquals(0, m.allocBytesPerOp());
        assertEquals(0L, m.countersPerOp().get("invalidationsSkipped"));
        assertEquals(0L, m.countersPerOp().get("ptesZapped"));
        assertEquals(512L, m.countersPerOp().get("ptesReread")); // the end callback reads every device PTE
    }

    @Test
    void softDirtyDowngradesWithoutAllocating() {
        Measurement m = WorkProbe.invalidate(MmuNotifierEvent.SOFT_DIRTY, "aware-downgrade", "2M", ROUNDS);
        assertEquals(0, m.allocBytesPerOp());
        assertEquals(0L, m.countersPerOp().get("ptesZapped"));
        assertEquals(512L, m.countersPerOp().get("ptesReread")); // the end callback looks for device-private pages
    }

    @Test
    void foreignMigrateAndExclusiveAreClearsWithoutAllocating() {
        for (MmuNotifierEvent e : new MmuNotifierEvent[] {MmuNotifierEvent.MIGRATE, MmuNotifierEvent.EXCLUSIVE}) {
            Measurement m = WorkProbe.invalidate(e, "aware", "2M", ROUNDS);
            assertEquals(0, m.allocBytesPerOp(), e.toString());
            assertEquals(512L, m.countersPerOp().get("ptesZapped"), e.toString());
        }
    }

    @Test
    void unmapZapsAndDropsTrackingWithoutAllocating() {
        Measurement m = WorkProbe.invalidate(MmuNotifierEvent.UNMAP, "aware", "2M", ROUNDS);
        assertEquals(0, m.allocBytesPerOp());
        assertEquals(512L, m.countersPerOp().get("ptesZapped"));
    }

    @Test
    void benchmarkRestoreOfA2MiBRangeAllocatesNothing() {
        // The average-time invalidation benchmarks time invalidation and restore together; the
        // restore (re-insert the tracked range, rewrite 512 PTEs) must not add allocation.
        assertEquals(0, WorkProbe.restoreAllocBytesPerOp(MmuNotifierEvent.UNMAP, "aware", "2M", ROUNDS));
        assertEquals(0, WorkProbe.restoreAllocBytesPerOp(MmuNotifierEvent.CLEAR, "blind", "2M", ROUNDS));
        assertEquals(0, WorkProbe.restoreAllocBytesPerOp(MmuNotifierEvent.CLEAR, "aware", "4K", ROUNDS));
        // UNMAP of one page leaves the rest of its chunk tracked as a piece; re-tracking the page
        // merges the piece away, which retires it without a list.
        assertEquals(0, WorkProbe.restoreAllocBytesPerOp(MmuNotifierEvent.UNMAP, "aware", "4K", ROUNDS));
    }

    @Test
    void restoreOfA1GiBRegionReusesTheTrackedRangesItsUnmapDropped() {
        // 512 tracked ranges dropped by one UNMAP and tracked again: the driver's pool of dead
        // ranges keeps as many as were ever live, so none is allocated anew.
        assertEquals(0, WorkProbe.restoreAllocBytesPerOp(MmuNotifierEvent.UNMAP, "aware", "1G", ROUNDS));
        assertEquals(
                0,
                WorkProbe.invalidate(MmuNotifierEvent.UNMAP, "aware", "1G", ROUNDS)
                        .allocBytesPerOp());
        assertEquals(0, WorkProbe.restoreAllocBytesPerOp(MmuNotifierEvent.CLEAR, "blind", "1G", ROUNDS));
    }

    @Test
    void faultCommitOverPopulatedPagesAllocatesNothing() {
        for (int pages : new int[] {1, 512}) {
            Measurement m = WorkProbe.fault(pages, 50);
            assertEquals(0, m.allocBytesPerOp(), "pages=" + pages);
            assertEquals((long) pages, m.countersPerOp().get("pagesFaulted"), "pages=" + pages);
            assertEquals(0L, m.countersPerOp().get("faultRetries"), "pages=" + pages);
        }
    }

    @Test
    void deviceReadBackAfterAnInvalidationAllocatesNothing() {
        // EndToEndBench's access: a device read of every page of the range, returning its outcome.
        // After SOFT_DIRTY the aware policy keeps every device PTE: the read faults nothing.
        Measurement kept = WorkProbe.access(MmuNotifierEvent.SOFT_DIRTY, "aware", "2M", ROUNDS);
        assertEquals(0, kept.allocBytesPerOp());
        assertEquals(0L, kept.countersPerOp().get("faultRounds"));
        assertEquals(0L, kept.countersPerOp().get("pagesFaulted"));
        // After a CLEAR every page is zapped: the read faults them all back in, one round.
        for (String size : new String[] {"4K", "2M"}) {
            Measurement refault = WorkProbe.access(MmuNotifierEvent.CLEAR, "blind", size, ROUNDS);
            assertEquals(0, refault.allocBytesPerOp(), size);
            assertEquals(1L, refault.countersPerOp().get("faultRounds"), size);
            assertEquals(size.equals("2M") ? 512L : 1L, refault.countersPerOp().get("pagesFaulted"), size);
        }
    }

    @Test
    void hostOperationsWithNobodySubscribedAllocateAsWithNotificationsOff() {
        // The host's bookkeeping allocates on both sides; the notifier path, finding nobody
        // subscribed, must add nothing: not one object (16 bytes at least) per operation.
        for (String op : new String[] {"munmap", "mprotect", "cpuWriteFault"}) {
            long on = WorkProbe.hostOpAllocBytesPerOp(op, true, 500);
            long off = WorkProbe.hostOpAllocBytesPerOp(op, false, 500);
            assertTrue(on < off + 16, op + ": " + on + " B/op with notifications on, " + off + " off");
        }
    }

    @Test
    void everyZooPolicyInvalidatesWithoutAllocatingAndUnmapTakesEveryPage() {
        for (String policy : PolicyResolver.shipped().keySet()) {
            if (policy.equals("aware") || policy.equals("aware-downgrade") || policy.equals("blind")) {
                continue; // measured above and in the baseline
            }
            for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
                Measurement m = WorkProbe.invalidate(e, policy, "2M", 5);
                assertEquals(0, m.allocBytesPerOp(), policy + " " + e);
                assertEquals(0L, m.countersPerOp().get("faultRetries"), policy + " " + e);
                if (e == MmuNotifierEvent.UNMAP) {
                    // whatever the policy, an UNMAP leaves no device PTE to the freed pages
                    assertEquals(512L, m.countersPerOp().get("ptesZapped"), policy);
                }
            }
        }
    }

    @Test
    void aClearFannedOutToEightDevicesZapsEachDevicesPtesWithoutAllocating() {
        Measurement m = WorkProbe.fanOut(8, ROUNDS);
        assertEquals(0, m.allocBytesPerOp());
        assertEquals(8L, m.countersPerOp().get("deviceInvalidations"));
        assertEquals(8L * 512, m.countersPerOp().get("ptesZapped"));
        assertEquals(8L, m.countersPerOp().get("tlbFlushes"));
    }

    @Test
    void theCostAccountingAllocatesNothingAndCountsWhatItIsTold() {
        Measurement m = WorkProbe.costAccounting(500);
        int events = MmuNotifierEvent.values().length;
        assertEquals(0, m.allocBytesPerOp());
        assertEquals((long) events, m.countersPerOp().get("deviceInvalidations"));
        assertEquals((long) events * 512, m.countersPerOp().get("ptesZapped"));
        assertEquals((long) events, m.countersPerOp().get("tlbFlushes"));
        assertEquals(512L, m.countersPerOp().get("pagesFaulted"));
    }

    @Test
    void withTheRuleCheckerOffTheHotPathsAllocateNothingEither() throws Exception {
        // This JVM checks the notifier rules (the build sets the property); a JVM without it does
        // not, as benchmarks run, and the JIT drops the guarded checks there.
        assertTrue(NotifierRules.ENABLED, "the tests run with -D" + NotifierRules.PROPERTY + "=true");
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                WorkProbe.class.getName(),
                Integer.toString(ROUNDS),
                "--only",
                "dispatch .*|fault .*|cost accounting|invalidate event=(CLEAR|SOFT_DIRTY|PROTECTION_PAGE)"
                        + " policy=(aware|blind|nouveau|amdkfd) size=2M.*");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), out);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        assertEquals("notifier rules: off", lines.getFirst(), out);
        List<String> checks = lines.subList(1, lines.size());
        assertEquals(2 + 2 + 1 + 3 * 4 + 1, checks.size(), out); // the fan-out matches too
        for (String line : checks) {
            assertTrue(line.matches(".*\\s0 B/op .*"), line);
        }
    }

    @Test
    void noWorkIsInjectedInTheTestRun() {
        assertEquals(InjectedWork.NONE, InjectedWork.ACTIVE);
    }
}

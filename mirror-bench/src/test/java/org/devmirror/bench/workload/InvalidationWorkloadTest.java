package org.devmirror.bench.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.policy.ZapEveryEventPolicy;
import org.devmirror.bench.suite.NetResults;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The benchmarks' invalidation workload learns what one invalidation takes away by raising one,
 * so it restores any policy, a class named by the benchmark's {@code policy} parameter included;
 * for the shipped policies what it learns is what the report's net figures assume.
 */
class InvalidationWorkloadTest {
    @ParameterizedTest
    @EnumSource(value = MmuNotifierEvent.class, names = "RELEASE", mode = EnumSource.Mode.EXCLUDE)
    void probedRestoreMatchesTheReportForShippedPolicies(MmuNotifierEvent event) {
        for (String policy : new String[] {"aware", "blind"}) {
            try (InvalidationWorkload w = new InvalidationWorkload(event, policy, "4K", true, true, true, 1)) {
                assertEquals(
                        NetResults.restoreRewrites(event.name(), policy, true),
                        w.restoreRewrites(),
                        event + " " + policy);
                // UNMAP drops the tracking under both policies; blind drops it on every event.
                assertEquals(
                        policy.equals("blind") || event == MmuNotifierEvent.UNMAP,
                        w.restoreRetracks(),
                        event + " " + policy);
            }
        }
    }

    @Test
    void classNamedPolicyIsProbedAndRestored() {
        // The test policy zaps on every event and keeps the tracking except on UNMAP and RELEASE.
        String policy = ZapEveryEventPolicy.class.getName();
        try (InvalidationWorkload w =
                new InvalidationWorkload(MmuNotifierEvent.SOFT_DIRTY, policy, "4K", true, true, true, 1)) {
            assertTrue(w.restoreRewrites());
            assertFalse(w.restoreRetracks());
            // Invalidate and restore twice: each restore re-arms the page, so each round zaps it again.
            w.resetCounters();
            w.invalidateAndRestore(0);
            w.invalidateAndRestore(0);
            WorkCounters c = new WorkCounters();
            w.readCounters(c);
            assertEquals(2L, c.snapshot().get("ptesZapped"));
            assertEquals(2L, c.snapshot().get("deviceInvalidations"));
        }
        assertFalse(
                NetResults.restoreRewrites("SOFT_DIRTY", policy, true), "the report knows only the shipped policies");
    }

    @Test
    void unknownPolicyIsRejectedNamingTheParameter() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new InvalidationWorkload(MmuNotifierEvent.CLEAR, "smart", "4K", true, true, true, 1));
        assertTrue(e.getMessage().startsWith("policy=smart is not " + PolicyResolver.SHIPPED_NAMES), e.getMessage());
    }
}

package org.devmirror.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.mm.Errno;
import org.devmirror.scenario.run.RunResult;
import org.devmirror.scenario.run.ScenarioRunner;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 'DEV lock' holds the driver lock on another thread across statements: a non-blockable
 * invalidation is refused meanwhile, and an operation that must wait for the lock is reported
 * as blocked (instead of hanging the run), after which the lock is let go and it completes.
 */
class HeldLockScenarioTest {
    private static RunResult run(String text, String policy) throws ScenarioParseException {
        return ScenarioRunner.run(ScenarioParser.parse("lock.scn", text), PolicyResolver.resolve("policy", policy));
    }

    @ParameterizedTest
    @ValueSource(strings = {"aware", "blind"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void blockableInvalidationWaitingForTheHeldLockIsReportedAndCompletes(String policy) throws ScenarioParseException {
        RunResult r = run("""
                device gpu
                buf = mmap 16p rw private anon
                gpu write buf 16p fill 7 -> OK
                gpu lock
                munmap buf 8p
                gpu unlock
                expect device gpu holds buf 8p none
                expect oracle clean
                """, policy);
        // 1. The munmap (a blockable UNMAP) waited on the held lock: its line fails, naming the holder.
        assertFalse(r.succeeded());
        assertEquals(1, r.failures().size(), r.text());
        assertEquals(5, r.failures().get(0).line());
        assertTrue(r.failures().get(0).message().contains("blocked on the driver lock held by gpu (line 4)"), r.text());
        // 2. Once let go it finished: OK, the device dropped the range, and the oracle is clean.
        assertEquals(Errno.OK, r.steps().get(3).result());
        assertEquals(1, r.events(org.devmirror.notifier.MmuNotifierEvent.UNMAP));
        assertTrue(r.oracleViolations().isEmpty(), r.text());
        assertEquals(3, r.passed(), r.text()); // "-> OK", device holds, oracle clean
    }

    @ParameterizedTest
    @ValueSource(strings = {"aware", "blind"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nonBlockableInvalidationIsRefusedWhileHeldAndAcceptedAfter(String policy) throws ScenarioParseException {
        RunResult r = run("""
                device gpu
                buf = mmap 4p rw private anon
                gpu write buf 4p fill 7 -> OK
                gpu lock
                oom-reap -> EAGAIN
                expect device gpu holds buf 4p WRITE
                gpu unlock
                oom-reap -> OK
                expect device gpu holds buf 4p none
                expect oracle clean
                """, policy);
        assertTrue(r.succeeded(), r.text());
        assertEquals(1, r.devices().get("gpu").refused(org.devmirror.notifier.MmuNotifierEvent.CLEAR), r.text());
    }
}

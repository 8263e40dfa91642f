package org.devmirror.bench.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The injection switch's names, and the calibrated slowdown {@code slow:P}. */
class InjectedWorkTest {

    @Test
    void slowTakesAPercentageOfTheOperationsOwnTime() {
        assertEquals(InjectedWork.SLOW, InjectedWork.parse("slow:20"));
        assertEquals(0.2, InjectedWork.slowdown("slow:20"), 1e-12);
        assertEquals(0.105, InjectedWork.slowdown(" SLOW:10.5 "), 1e-12);
        assertEquals(0, InjectedWork.slowdown("slow-zap"));
        assertEquals(0, InjectedWork.slowdown(null));
        assertEquals(InjectedWork.SLOW_ZAP, InjectedWork.parse("slow-zap"));
        assertEquals(InjectedWork.NONE, InjectedWork.parse(""));
        // slow:0 reads the clock as slow:P does and waits nothing: the unslowed side of the power experiment.
        assertEquals(InjectedWork.SLOW, InjectedWork.parse("slow:0"));
        assertEquals(0, InjectedWork.slowdown("slow:0"));
    }

    @Test
    void badSlowdownsAreRefusedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InjectedWork.parse("slow:x"));
        assertEquals("devmirror.inject=slow:x: 'x' is not a percentage in [0, 1000]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InjectedWork.slowdown("slow:-1"));
        assertThrows(IllegalArgumentException.class, () -> InjectedWork.slowdown("slow:1000.5"));
        assertThrows(IllegalArgumentException.class, () -> InjectedWork.parse("slow"));
    }

    @Test
    void withoutTheSwitchNothingIsStretched() {
        // This JVM runs without -Ddevmirror.inject: no clock read, no wait.
        assertEquals(InjectedWork.NONE, InjectedWork.ACTIVE);
        assertEquals(0, InjectedWork.operationStart());
        long t0 = System.nanoTime();
        InjectedWork.stretch(t0 - 1_000_000_000L);
        assertEquals(0, (System.nanoTime() - t0) / 100_000_000L, "a second's stretch would have waited");
    }
}

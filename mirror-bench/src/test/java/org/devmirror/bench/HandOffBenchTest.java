package org.devmirror.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.infra.Control;

/** The hand-off benchmark's two sides take strict turns, and a side waiting for its turn leaves when the measurement stops. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandOffBenchTest {

    @Test
    void pingTakesTheEvenTurnsAndPongTheOdd() {
        HandOffBench b = new HandOffBench();
        Control control = new Control();
        assertEquals(0, b.ping(control));
        assertEquals(1, b.pong(control));
        assertEquals(2, b.ping(control));
        control.stopMeasurement = true;
        assertEquals(-1, b.ping(control), "not ping's turn: it waits only until the measurement stops");
        control.stopMeasurement = false;
        assertEquals(3, b.pong(control), "the wait that ended took no turn");
    }

    @Test
    void twoThreadsAlternateStrictly() {
        HandOffBench b = new HandOffBench();
        Control control = new Control();
        int turns = 20_000;
        CompletableFuture<Long> pong = CompletableFuture.supplyAsync(() -> {
            long sum = 0;
            for (int i = 0; i < turns; i++) {
                long t = b.pong(control);
                assertEquals(2L * i + 1, t);
                sum += t;
            }
            return sum;
        });
        for (int i = 0; i < turns; i++) {
            assertEquals(2L * i, b.ping(control));
        }
        assertEquals((long) turns * turns, pong.join(), "pong saw every odd count once, in order");
    }
}

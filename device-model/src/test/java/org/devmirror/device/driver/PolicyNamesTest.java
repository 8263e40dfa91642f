package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The names the shipped policies go by in reports, the JFR event and the demo
 * ({@link InvalidationPolicy#name}): a side-by-side comparison must tell the two SOFT_DIRTY
 * strategies of the event-aware policy apart, and both from the blind one.
 */
class PolicyNamesTest {
    @Test
    void eventAwareNamesSaySoftDirtyStrategy() {
        assertEquals("event-aware", EventAwarePolicy.INSTANCE.name());
        assertEquals("event-aware (SOFT_DIRTY downgrades)", EventAwarePolicy.DOWNGRADE_SOFT_DIRTY.name());
    }

    @Test
    void blindIsNamedBlind() {
        assertEquals("blind", BlindPolicy.INSTANCE.name());
    }
}

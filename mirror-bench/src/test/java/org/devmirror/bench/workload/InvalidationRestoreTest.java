package org.devmirror.bench.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.Dmirror;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;

/** The fixture, its restore and the injection each on its own, as the workload composes them. */
class InvalidationRestoreTest {
    @Test
    void restorePutsBackExactlyWhatTheInvalidationTook() {
        try (InvalidationFixture f =
                new InvalidationFixture(MmuNotifierEvent.UNMAP, "aware", "64K", true, true, true, 1)) {
            InvalidationRestore r = new InvalidationRestore(f);
            assertTrue(r.rewrites());
            assertTrue(r.retracks());
            long a = f.region(0);
            f.raise(0);
            f.mirror(0).collectGarbage();
            assertFalse(f.isArmedEntry(f.mirror(0).entry(a)), "UNMAP zapped the first PTE");
            assertFalse(f.mirror(0).isTracked(a), "and dropped the range");
            r.restore(0);
            assertTrue(f.mirror(0).isTracked(a));
            for (int i = 0; i < 16; i++) {
                assertTrue(f.isArmedEntry(f.mirror(0).entry(a + i * f.pageStride())), "page " + i);
            }
            assertEquals(16, r.rewriteOnly(0), "64 KiB is 16 PTEs");
        }
    }

    @Test
    void aReleaseIsReArmedThroughTheFixtureNotRestored() {
        try (InvalidationFixture f =
                new InvalidationFixture(MmuNotifierEvent.RELEASE, "aware", "4K", true, true, true, 2)) {
            InvalidationRestore r = new InvalidationRestore(f);
            assertFalse(r.rewrites(), "nothing is learnt: a RELEASE retires the mirror");
            Dmirror retired = f.mirror(1);
            f.raise(1);
            assertTrue(retired.driver().isReleased());
            assertThrows(IllegalStateException.class, () -> r.restore(1));
            f.arm();
            assertNotSame(retired, f.mirror(1));
            assertTrue(f.isArmedEntry(f.mirror(1).entry(f.region(1))));
        }
    }

    @Test
    void withoutAnInjectionTheHooksWriteNothing() {
        assertEquals(InjectedWork.NONE, InjectedWork.ACTIVE, "this test runs without -D" + InjectedWork.PROPERTY);
        try (InvalidationFixture f =
                new InvalidationFixture(MmuNotifierEvent.CLEAR, "aware", "4K", true, true, true, 1)) {
            InvalidationInjection i = new InvalidationInjection(f);
            long before = f.mirror(0).entry(f.region(0));
            i.beforeInvalidation(0);
            i.afterInvalidation(0);
            assertEquals(0, i.writes());
            assertEquals(before, f.mirror(0).entry(f.region(0)));
        }
    }
}

package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The events keep the kernel's numbering of {@code enum mmu_notifier_event} (include/linux/mmu_notifier.h). */
class MmuNotifierEventTest {
    @Test
    void valuesAreTheKernels() {
        MmuNotifierEvent[] kernelOrder = {
            MmuNotifierEvent.UNMAP,
            MmuNotifierEvent.CLEAR,
            MmuNotifierEvent.PROTECTION_VMA,
            MmuNotifierEvent.PROTECTION_PAGE,
            MmuNotifierEvent.SOFT_DIRTY,
            MmuNotifierEvent.RELEASE,
            MmuNotifierEvent.MIGRATE,
            MmuNotifierEvent.EXCLUSIVE
        };
        assertEquals(kernelOrder.length, MmuNotifierEvent.COUNT);
        for (int v = 0; v < kernelOrder.length; v++) {
            assertEquals(kernelOrder[v], MmuNotifierEvent.ofValue(v));
        }
    }

    @Test
    void aValueOutsideTheEnumIsRefusedByName() {
        for (int v : new int[] {-1, MmuNotifierEvent.COUNT, Integer.MIN_VALUE}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> MmuNotifierEvent.ofValue(v));
            assertTrue(e.getMessage().contains("event=" + v + " is not an mmu_notifier_event (0..7)"), e.getMessage());
        }
    }
}

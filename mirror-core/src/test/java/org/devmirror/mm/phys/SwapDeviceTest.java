package org.devmirror.mm.phys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Swap slots: contents survive a round trip, use counts follow fork and swap_free. */
class SwapDeviceTest {
    private PhysicalMemory mem;
    private SwapDevice swap;

    @BeforeEach
    void open() {
        mem = new PhysicalMemory(16);
        swap = new SwapDevice(3);
    }

    @AfterEach
    void close() {
        swap.close();
        mem.close();
    }

    /** A page written to a slot reads back into another frame unchanged. */
    @Test
    void pageSurvivesSwapOutAndIn() {
        long pfn = mem.allocFrame();
        mem.putLong(pfn, 0, 0xfeedfaceL);
        mem.putByte(pfn, 4095, (byte) -1);
        long slot = swap.allocSlot();
        swap.writeFrom(mem, pfn, slot);
        // The frame goes away; its contents live on in the slot.
        mem.put(pfn);
        long back = mem.allocFrame();
        swap.readInto(slot, mem, back);
        assertEquals(0xfeedfaceL, mem.getLong(back, 0));
        assertEquals(-1, mem.getByte(back, 4095));
    }

    /**
     * A fault that read its swap entry without the lock holds the slot for its read (found by the
     * long stress runs: the slot was already freed, or freed and handed out again): tryDupSlot
     * takes one more use of a live slot, and refuses a freed one changing nothing.
     */
    @Test
    void tryDupSlotHoldsALiveSlotAndRefusesAFreedOne() {
        long slot = swap.allocSlot();
        assertTrue(swap.tryDupSlot(slot));
        assertEquals(2, swap.slotRefcount(slot));
        // The concurrent swap-in drops the entry's use; the hold keeps the slot allocated.
        swap.freeSlot(slot);
        assertEquals(1, swap.usedSlots());
        swap.freeSlot(slot);
        // Once freed, a late fault gets nothing and changes nothing.
        assertFalse(swap.tryDupSlot(slot));
        assertEquals(0, swap.slotRefcount(slot));
        assertEquals(0, swap.usedSlots());
    }

    /** Fork duplicates a slot; only the last swap_free releases it. */
    @Test
    void forkSharesSlotUntilLastFree() {
        long slot = swap.allocSlot();
        assertEquals(1, swap.slotRefcount(slot));
        swap.dupSlot(slot);
        assertEquals(2, swap.slotRefcount(slot));
        assertEquals(1, swap.usedSlots());
        swap.freeSlot(slot);
        assertEquals(1, swap.usedSlots());
        swap.freeSlot(slot);
        assertEquals(0, swap.slotRefcount(slot));
        assertEquals(0, swap.usedSlots());
    }

    /** A full device returns NO_SLOT; a freed slot is taken again. */
    @Test
    void fullDeviceReturnsNoSlot() {
        long a = swap.allocSlot();
        long b = swap.allocSlot();
        long c = swap.allocSlot();
        assertEquals(3, swap.usedSlots());
        assertEquals(SwapDevice.NO_SLOT, swap.allocSlot());
        assertEquals(3, swap.usedSlots());
        swap.freeSlot(b);
        assertEquals(b, swap.allocSlot());
        assertNotEquals(a, c);
        // A machine without swap has no slot at all.
        try (SwapDevice none = new SwapDevice(0)) {
            assertEquals(SwapDevice.NO_SLOT, none.allocSlot());
        }
    }

    /** Slots out of range or not in use are misuse, named with their value, and change nothing. */
    @Test
    void badSlotsAreRejectedWithoutChange() {
        long slot = swap.allocSlot();
        assertEquals(
                "slot=3 is not a slot of this device (slots=3)",
                assertThrows(IllegalArgumentException.class, () -> swap.freeSlot(3))
                        .getMessage());
        assertEquals(
                "slot=-1 is not a slot of this device (slots=3)",
                assertThrows(IllegalArgumentException.class, () -> swap.slotRefcount(-1))
                        .getMessage());
        assertEquals(
                "slot=2 is not in use",
                assertThrows(IllegalArgumentException.class, () -> swap.dupSlot(2))
                        .getMessage());
        assertEquals(
                "slot=2 is not in use",
                assertThrows(IllegalArgumentException.class, () -> swap.freeSlot(2))
                        .getMessage());
        long pfn = mem.allocFrame();
        assertEquals(
                "slot=1 is not in use",
                assertThrows(IllegalArgumentException.class, () -> swap.writeFrom(mem, pfn, 1))
                        .getMessage());
        assertEquals(
                "slots=-1 is not in [0, 2147483632]",
                assertThrows(IllegalArgumentException.class, () -> new SwapDevice(-1))
                        .getMessage());
        assertEquals(1, swap.usedSlots());
        assertEquals(1, swap.slotRefcount(slot));
        assertEquals(0, swap.slotRefcount(2));
    }
}

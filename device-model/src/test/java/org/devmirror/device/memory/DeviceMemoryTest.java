package org.devmirror.device.memory;

import static org.devmirror.device.memory.DeviceMemory.NO_PAGE;
import static org.devmirror.device.memory.DeviceMemoryLayout.BLOCK_BYTES;
import static org.devmirror.device.memory.DeviceMemoryLayout.BLOCK_PAGES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Device memory: page and huge allocation, freeing, failure injection, and page contents. */
class DeviceMemoryTest {
    DeviceMemory memory;

    @BeforeEach
    void open() {
        memory = new DeviceMemory(4 * BLOCK_PAGES);
    }

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void allocatesEveryPageOnceThenFails() {
        Set<Long> seen = new HashSet<>();
        for (int n = 0; n < 4 * BLOCK_PAGES; n++) {
            long idx = memory.allocPage();
            assertTrue(idx >= 0 && idx < memory.capacity(), "idx=" + idx);
            assertTrue(seen.add(idx), "idx=" + idx + " handed out twice");
        }
        assertEquals(NO_PAGE, memory.allocPage());
        assertEquals(NO_PAGE, memory.allocHuge());
        assertEquals(memory.capacity(), memory.usedPages());
        assertEquals(0, memory.freePages());
    }

    @Test
    void memoryGrowsOneBlockAtATime() {
        long before = memory.memoryBytes();
        memory.allocPage();
        memory.allocPage();
        assertEquals(before + BLOCK_BYTES, memory.memoryBytes());
    }

    @Test
    void hugeAllocationIsAlignedAndContiguous() {
        long small = memory.allocPage();
        long head = memory.allocHuge();
        assertEquals(0, head % BLOCK_PAGES);
        // Small pages come from the partly used block, not from the huge one.
        assertNotEquals(small / BLOCK_PAGES, head / BLOCK_PAGES);
        for (long p = head; p < head + BLOCK_PAGES; p++) {
            assertTrue(memory.isAllocated(p));
        }
        assertEquals(1 + BLOCK_PAGES, memory.usedPages());
        memory.freeHuge(head);
        assertEquals(1, memory.usedPages());
    }

    @Test
    void smallPagesPreferPartlyUsedBlocksSoHugeStaysAvailable() {
        // Small pages fill one block before opening another, so 3 blocks minus a page leave one whole.
        for (int n = 0; n < 3 * BLOCK_PAGES - 1; n++) {
            memory.allocPage();
        }
        assertTrue(memory.allocHuge() >= 0, "one whole block must still be free");
        assertEquals(NO_PAGE, memory.allocHuge());
    }

    @Test
    void freedPagesRecombineIntoAHugeBlock() {
        long[] pages = new long[4 * BLOCK_PAGES];
        for (int n = 0; n < pages.length; n++) {
            pages[n] = memory.allocPage();
        }
        assertEquals(NO_PAGE, memory.allocHuge());
        // Free one block's worth of pages: the block is whole again.
        long block = pages[0] / BLOCK_PAGES;
        for (long page : pages) {
            if (page / BLOCK_PAGES == block) {
                memory.freePage(page);
            }
        }
        assertEquals(block * BLOCK_PAGES, memory.allocHuge());
    }

    @Test
    void freeingOnePageOfAHugeAllocationIsAllowed() {
        long head = memory.allocHuge();
        memory.freePage(head + 7);
        assertFalse(memory.isAllocated(head + 7));
        assertEquals(head + 7, memory.allocPage(), "the block is partly used now and its hole is reused");
    }

    @Test
    void failNextAllocationFailsOnceAndChangesNothing() {
        memory.allocPage();
        long used = memory.usedPages();
        long bytes = memory.memoryBytes();
        memory.failNextAllocation();
        assertEquals(NO_PAGE, memory.allocPage());
        assertEquals(used, memory.usedPages());
        assertEquals(bytes, memory.memoryBytes());
        // The failure is consumed: the next allocation succeeds.
        assertTrue(memory.allocPage() >= 0);
        memory.failNextAllocation();
        assertEquals(NO_PAGE, memory.allocHuge());
        assertEquals(used + 1, memory.usedPages());
        assertTrue(memory.allocHuge() >= 0);
    }

    @Test
    void failNextAllocationTwiceFailsTheNextTwo() {
        memory.failNextAllocation();
        memory.failNextAllocation();
        assertEquals(NO_PAGE, memory.allocHuge());
        assertTrue(memory.takeInjectedFailure(), "the second failure is still pending");
        assertFalse(memory.takeInjectedFailure());
        assertTrue(memory.allocPage() >= 0);
    }

    @Test
    void failureHookFailsExactlyTheChosenAllocation() {
        // Step 1: fail the third allocation call (serial 2), small or huge alike.
        long base = memory.allocationCount();
        memory.setAllocationFailureHook(serial -> serial == base + 2);
        long first = memory.allocPage();
        long head = memory.allocHuge();
        long used = memory.usedPages();
        long bytes = memory.memoryBytes();
        assertTrue(first >= 0 && head >= 0);
        // Step 2: the chosen call fails and changes nothing but the count of calls.
        assertEquals(NO_PAGE, memory.allocPage());
        assertEquals(used, memory.usedPages());
        assertEquals(bytes, memory.memoryBytes());
        assertEquals(base + 3, memory.allocationCount());
        // Step 3: later calls succeed; without the hook nothing fails.
        assertTrue(memory.allocPage() >= 0);
        memory.setAllocationFailureHook(null);
        assertTrue(memory.allocHuge() >= 0);
        assertEquals(base + 5, memory.allocationCount());
    }

    @Test
    void failureHookSeesEveryAllocationCallInOrder() {
        // Every call takes the next serial, failed ones included, so a rerun sees the same serials.
        List<Long> asked = new ArrayList<>();
        memory.setAllocationFailureHook(serial -> {
            asked.add(serial);
            return serial % 2 == 1;
        });
        assertTrue(memory.allocPage() >= 0);
        assertEquals(NO_PAGE, memory.allocHuge());
        assertTrue(memory.allocHuge() >= 0);
        assertEquals(NO_PAGE, memory.allocPage());
        assertEquals(List.of(0L, 1L, 2L, 3L), asked);
        assertEquals(1 + BLOCK_PAGES, memory.usedPages());
    }

    @Test
    void copyInAndOutMovesAPage() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(2 * DeviceMemoryLayout.PAGE_SIZE);
            for (int i = 0; i < src.byteSize(); i++) {
                src.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            long idx = memory.allocPage();
            memory.copyIn(src, 4096, idx);
            assertEquals((byte) 4096, memory.getByte(idx, 0));
            assertEquals((byte) (4096 + 4095), memory.getByte(idx, 4095));
            long other = memory.allocPage();
            memory.copyPage(idx, other);
            MemorySegment dst = arena.allocate(DeviceMemoryLayout.PAGE_SIZE);
            memory.copyOut(other, dst, 0);
            assertEquals(-1, dst.mismatch(src.asSlice(4096, 4096)));
            assertEquals(-1, memory.page(other).mismatch(dst));
        }
    }

    @Test
    void allocatedPagesAreZeroed() {
        long idx = memory.allocPage();
        memory.putLong(idx, 8, 0x1122334455667788L);
        memory.putByte(idx, 4095, (byte) 9);
        assertEquals(0x1122334455667788L, memory.getLong(idx, 8));
        memory.freePage(idx);
        assertEquals(idx, memory.allocPage());
        assertEquals(0, memory.getLong(idx, 8));
        assertEquals(0, memory.getByte(idx, 4095));
    }

    @Test
    void misuseIsRejectedAndChangesNothing() {
        long idx = memory.allocPage();
        long used = memory.usedPages();
        assertEquals(
                "pages=100 is not a positive multiple of 512",
                assertThrows(IllegalArgumentException.class, () -> new DeviceMemory(100))
                        .getMessage());
        assertEquals(
                "idx=2048 is outside 0..2047",
                assertThrows(IllegalArgumentException.class, () -> memory.freePage(2048))
                        .getMessage());
        assertEquals(
                "idx=-1 is outside 0..2047",
                assertThrows(IllegalArgumentException.class, () -> memory.getByte(-1, 0))
                        .getMessage());
        assertEquals(
                "idx=" + (idx + 1) + " is not allocated",
                assertThrows(IllegalArgumentException.class, () -> memory.freePage(idx + 1))
                        .getMessage());
        assertEquals(
                "offset=4093 is not an aligned offset of a 8-byte value in a page",
                assertThrows(IllegalArgumentException.class, () -> memory.getLong(idx, 4093))
                        .getMessage());
        assertEquals(
                "head=1 is not aligned to 512",
                assertThrows(IllegalArgumentException.class, () -> memory.freeHuge(1))
                        .getMessage());
        assertEquals(
                "head=0 does not start 512 allocated pages (1 are)",
                assertThrows(IllegalArgumentException.class, () -> memory.freeHuge(0))
                        .getMessage());
        memory.freePage(idx);
        assertEquals(
                "idx=" + idx + " is not allocated",
                assertThrows(IllegalArgumentException.class, () -> memory.freePage(idx))
                        .getMessage(),
                "double free");
        assertEquals(used - 1, memory.usedPages());
        assertEquals(memory.capacity(), memory.freePages());
    }

    @Test
    void closedMemoryRefusesUse() {
        memory.close();
        assertThrows(IllegalStateException.class, memory::allocPage);
    }
}

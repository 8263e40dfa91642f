package org.devmirror.mm.phys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Frame allocation, reference and map counts, the zero page and the counts' misuse checks. */
class PhysicalMemoryTest {
    private PhysicalMemory mem;

    private PhysicalMemory memory(long frames) {
        mem = new PhysicalMemory(frames);
        return mem;
    }

    @AfterEach
    void close() {
        if (mem != null) {
            mem.close();
        }
    }

    /** A new frame has one reference, no mappings, no flags and zeroed contents, even when reused. */
    @Test
    void allocatedFrameIsZeroedWithOneReference() {
        PhysicalMemory m = memory(64);
        // Dirty every frame, then give them all back.
        List<Long> pfns = allocateAll(m);
        for (long pfn : pfns) {
            m.putLong(pfn, 0, 0x5a5a5a5a5a5a5a5aL);
            m.putByte(pfn, 4095, (byte) 7);
            m.setDirty(pfn, true);
            m.setAnon(pfn, true);
        }
        pfns.forEach(m::put);
        assertEquals(63, m.freeFrames());
        // Every frame handed out again is clean.
        for (long pfn : allocateAll(m)) {
            assertEquals(1, m.refcount(pfn));
            assertEquals(0, m.mapcount(pfn));
            assertFalse(m.isDirty(pfn));
            assertFalse(m.isAnon(pfn));
            assertFalse(m.isHeadOfHuge(pfn));
            assertTrue(m.framesEqual(pfn, m.zeroPfn()), "pfn=" + pfn + " not zeroed");
        }
    }

    /** The last put frees the frame; a put of a free frame is misuse and changes nothing. */
    @Test
    void lastPutFreesFrame() {
        PhysicalMemory m = memory(16);
        long free = m.freeFrames();
        long pfn = m.allocFrame();
        assertEquals(free - 1, m.freeFrames());
        // Two references: the first put keeps the frame.
        m.get(pfn);
        assertEquals(2, m.refcount(pfn));
        m.put(pfn);
        assertEquals(1, m.refcount(pfn));
        assertEquals(free - 1, m.freeFrames());
        // The last put frees it.
        m.put(pfn);
        assertEquals(0, m.refcount(pfn));
        assertEquals(free, m.freeFrames());
        // Using it again is misuse.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.put(pfn));
        assertEquals("pfn=" + pfn + " is free", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.get(pfn));
        assertEquals("pfn=" + pfn + " is free", e.getMessage());
        assertEquals(0, m.refcount(pfn));
        assertEquals(free, m.freeFrames());
    }

    /** Map counts go up and down; a mapped frame cannot lose its last reference. */
    @Test
    void mappedFrameKeepsItsLastReference() {
        PhysicalMemory m = memory(16);
        long pfn = m.allocFrame();
        m.incMapcount(pfn);
        m.incMapcount(pfn);
        assertEquals(2, m.mapcount(pfn));
        // The last put of a mapped frame fails and leaves refcount and mapcount alone.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.put(pfn));
        assertEquals("pfn=" + pfn + " is still mapped (mapcount=2)", e.getMessage());
        assertEquals(1, m.refcount(pfn));
        assertEquals(2, m.mapcount(pfn));
        // Unmap twice, then one more decrement is misuse.
        m.decMapcount(pfn);
        m.decMapcount(pfn);
        e = assertThrows(IllegalArgumentException.class, () -> m.decMapcount(pfn));
        assertEquals("pfn=" + pfn + " is not mapped (mapcount=0)", e.getMessage());
        assertEquals(0, m.mapcount(pfn));
        m.put(pfn);
        assertEquals(0, m.refcount(pfn));
    }

    /** The zero page is all zeros, never handed out, never written, and its counts do not move. */
    @Test
    void zeroPageIsSharedAndUntouchable() {
        PhysicalMemory m = memory(8);
        long zero = m.zeroPfn();
        assertEquals(7, m.freeFrames());
        // Counts are not tracked.
        m.get(zero);
        m.incMapcount(zero);
        assertEquals(1, m.refcount(zero));
        assertEquals(0, m.mapcount(zero));
        m.put(zero);
        m.put(zero);
        m.decMapcount(zero);
        assertEquals(1, m.refcount(zero));
        // Never handed out.
        List<Long> pfns = allocateAll(m);
        assertEquals(7, pfns.size());
        assertFalse(pfns.contains(zero));
        // Never written, whatever the helper.
        String msg = "pfn=" + zero + " is the zero page, which is never written";
        assertEquals(
                msg,
                assertThrows(IllegalArgumentException.class, () -> m.putByte(zero, 0, (byte) 1))
                        .getMessage());
        assertEquals(
                msg,
                assertThrows(IllegalArgumentException.class, () -> m.putLong(zero, 0, 1))
                        .getMessage());
        assertEquals(
                msg,
                assertThrows(IllegalArgumentException.class, () -> m.write(zero, 0, new byte[1], 0, 1))
                        .getMessage());
        assertEquals(
                msg,
                assertThrows(IllegalArgumentException.class, () -> m.zeroFrame(zero))
                        .getMessage());
        assertEquals(
                "dstPfn=" + zero + " is the zero page, which is never written",
                assertThrows(IllegalArgumentException.class, () -> m.copyFrame(pfns.get(0), zero))
                        .getMessage());
        for (int off = 0; off < PhysicalMemory.PAGE_SIZE; off += 8) {
            assertEquals(0, m.getLong(zero, off));
        }
    }

    /** A PMD folio is 512 aligned frames governed by its head, and its last put frees all of them. */
    @Test
    void hugeFolioIsAlignedAndGovernedByHead() {
        PhysicalMemory m = memory(2048);
        long free = m.freeFrames();
        long head = m.allocHuge();
        assertEquals(0, head % 512, "head=" + head);
        assertEquals(free - 512, m.freeFrames());
        assertTrue(m.isHeadOfHuge(head));
        // Tails point at the head and share its counts.
        long tail = head + 300;
        assertFalse(m.isHeadOfHuge(tail));
        assertEquals(head, m.headOf(tail));
        assertEquals(head, m.headOf(head + 511));
        m.get(tail);
        assertEquals(2, m.refcount(head));
        assertEquals(2, m.refcount(tail));
        m.incMapcount(tail);
        assertEquals(1, m.mapcount(head));
        m.decMapcount(head);
        // Zeroed across all 512 frames.
        for (long pfn = head; pfn < head + 512; pfn++) {
            assertTrue(m.framesEqual(pfn, m.zeroPfn()));
        }
        // Two puts free the whole folio.
        m.put(head);
        m.put(tail);
        assertEquals(free, m.freeFrames());
        assertEquals(0, m.refcount(head));
        assertFalse(m.isHeadOfHuge(head));
        assertEquals(tail, m.headOf(tail));
    }

    /** Single frames fill partly used blocks first, keeping whole blocks for huge folios. */
    @Test
    void singleFramesDoNotBreakFreeBlocks() {
        // Two blocks; the zero page sits in one of them.
        PhysicalMemory m = memory(1024);
        List<Long> singles = new ArrayList<>();
        for (int i = 0; i < 511; i++) {
            singles.add(m.allocFrame());
        }
        // The zero page's block is now full; the other one is still whole.
        long head = m.allocHuge();
        assertNotEquals(PhysicalMemory.NO_FRAME, head);
        assertEquals(head / 512, 1 - m.zeroPfn() / 512);
        for (long pfn : singles) {
            assertEquals(m.zeroPfn() / 512, pfn / 512);
        }
        // Nothing whole is left.
        assertEquals(PhysicalMemory.NO_FRAME, m.allocHuge());
        assertEquals(0, m.freeFrames());
    }

    /** Splitting gives every frame the folio's counts and flags; each is then freed on its own. */
    @Test
    void splitHugeMakes512IndependentFrames() {
        PhysicalMemory m = memory(1024);
        long free = m.freeFrames();
        long head = m.allocHuge();
        // One PMD mapping and one extra reference, anonymous.
        m.get(head);
        m.incMapcount(head);
        m.setAnon(head, true);
        m.splitHuge(head);
        for (long pfn = head; pfn < head + 512; pfn++) {
            assertFalse(m.isHeadOfHuge(pfn));
            assertEquals(pfn, m.headOf(pfn));
            assertEquals(2, m.refcount(pfn));
            assertEquals(1, m.mapcount(pfn));
            assertTrue(m.isAnon(pfn));
        }
        // Unmap and drop one frame: only it is freed.
        m.decMapcount(head + 7);
        m.put(head + 7);
        m.put(head + 7);
        assertEquals(free - 511, m.freeFrames());
        assertEquals(2, m.refcount(head + 8));
        // Splitting a frame that heads nothing is misuse.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.splitHuge(head));
        assertEquals("headPfn=" + head + " is not the head of a huge folio", e.getMessage());
        assertEquals(2, m.refcount(head));
    }

    /** Out of frames: NO_FRAME, and nothing changes until frames are freed. */
    @Test
    void exhaustionReturnsNoFrameAndChangesNothing() {
        PhysicalMemory m = memory(600);
        List<Long> pfns = allocateAll(m);
        assertEquals(599, pfns.size());
        assertEquals(new HashSet<>(pfns).size(), pfns.size(), "a frame was handed out twice");
        // Failing calls change neither the free count nor any frame.
        assertEquals(PhysicalMemory.NO_FRAME, m.allocFrame());
        assertEquals(PhysicalMemory.NO_FRAME, m.allocHuge());
        assertEquals(0, m.freeFrames());
        for (long pfn : pfns) {
            assertEquals(1, m.refcount(pfn));
        }
        // Freeing one frame makes exactly one allocation possible.
        m.put(pfns.get(100));
        assertEquals(pfns.get(100), m.allocFrame());
        assertEquals(PhysicalMemory.NO_FRAME, m.allocFrame());
    }

    /** Injected failures return NO_FRAME and change nothing but the call count. */
    @Test
    void injectedFailureReturnsNoFrameAndChangesNothing() {
        PhysicalMemory m = memory(2048);
        long free = m.freeFrames();
        // The next two calls fail, whichever allocator they use.
        m.failNextAllocations(2);
        assertEquals(PhysicalMemory.NO_FRAME, m.allocHuge());
        assertEquals(PhysicalMemory.NO_FRAME, m.allocFrame());
        assertEquals(free, m.freeFrames());
        assertEquals(2, m.allocationCount());
        long pfn = m.allocFrame();
        assertNotEquals(PhysicalMemory.NO_FRAME, pfn);
        // A hook fails exactly the serials it names.
        Set<Long> asked = new HashSet<>();
        m.setAllocationFailureHook(serial -> asked.add(serial) && serial == 4);
        assertNotEquals(PhysicalMemory.NO_FRAME, m.allocFrame()); // serial 3
        assertEquals(PhysicalMemory.NO_FRAME, m.allocHuge()); // serial 4
        assertNotEquals(PhysicalMemory.NO_FRAME, m.allocHuge()); // serial 5
        assertEquals(Set.of(3L, 4L, 5L), asked);
        assertEquals(6, m.allocationCount());
        assertEquals(free - 2 - 512, m.freeFrames());
        m.setAllocationFailureHook(null);
        assertNotEquals(PhysicalMemory.NO_FRAME, m.allocFrame());
    }

    /** Byte, long, array and segment helpers move exactly the bytes asked for. */
    @Test
    void contentsCopyAndCompare() {
        PhysicalMemory m = memory(16);
        long a = m.allocFrame();
        long b = m.allocFrame();
        // Write through each helper and read back.
        m.putByte(a, 10, (byte) 0x7f);
        m.putLong(a, 4093 - 8, 0x0102030405060708L); // unaligned, ends at byte 4092
        m.write(a, 100, new byte[] {1, 2, 3, 4}, 1, 2);
        assertEquals(0x7f, m.getByte(a, 10));
        assertEquals(0x0102030405060708L, m.getLong(a, 4085));
        byte[] dst = new byte[4];
        m.read(a, 99, dst, 0, 4);
        assertArrayEquals(new byte[] {0, 2, 3, 0}, dst);
        // Frame to frame.
        assertFalse(m.framesEqual(a, b));
        m.copyFrame(a, b);
        assertTrue(m.framesEqual(a, b));
        m.putByte(b, 4095, (byte) 1);
        assertFalse(m.framesEqual(a, b));
        // Through a segment (device memory) and back.
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment dev = arena.allocate(3 * PhysicalMemory.PAGE_SIZE);
            m.copyToSegment(b, dev, PhysicalMemory.PAGE_SIZE);
            m.zeroFrame(b);
            assertTrue(m.framesEqual(b, m.zeroPfn()));
            m.copyFromSegment(dev, PhysicalMemory.PAGE_SIZE, b);
            assertEquals(1, m.getByte(b, 4095));
            assertEquals(0x7f, m.getByte(b, 10));
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> m.copyToSegment(a, dev, 2 * PhysicalMemory.PAGE_SIZE + 1));
            assertEquals("dstOffset=8193 leaves no 4096 bytes in a segment of 12288", e.getMessage());
        }
    }

    /** Every bad argument is named with its value and changes nothing. */
    @Test
    void badArgumentsAreRejectedWithoutChange() {
        PhysicalMemory m = memory(16);
        long pfn = m.allocFrame();
        m.putByte(pfn, 0, (byte) 9);
        long free = m.freeFrames();
        String notFrame = " is not a frame of system RAM (frameCount=16)";
        assertEquals(
                "pfn=-1" + notFrame,
                assertThrows(IllegalArgumentException.class, () -> m.get(-1)).getMessage());
        assertEquals(
                "pfn=16" + notFrame,
                assertThrows(IllegalArgumentException.class, () -> m.put(16)).getMessage());
        assertEquals(
                "pfn=4294967296" + notFrame,
                assertThrows(IllegalArgumentException.class, () -> m.refcount(1L << 32))
                        .getMessage());
        assertEquals(
                "srcPfn=99" + notFrame,
                assertThrows(IllegalArgumentException.class, () -> m.copyFrame(99, pfn))
                        .getMessage());
        assertEquals(
                "offset=4096 len=1 is not within a 4096-byte frame",
                assertThrows(IllegalArgumentException.class, () -> m.putByte(pfn, 4096, (byte) 1))
                        .getMessage());
        assertEquals(
                "offset=4089 len=8 is not within a 4096-byte frame",
                assertThrows(IllegalArgumentException.class, () -> m.putLong(pfn, 4089, 1))
                        .getMessage());
        assertEquals(
                "offset=-1 len=1 is not within a 4096-byte frame",
                assertThrows(IllegalArgumentException.class, () -> m.getByte(pfn, -1))
                        .getMessage());
        assertEquals(
                "off=3 len=2 is not within an array of length 4",
                assertThrows(IllegalArgumentException.class, () -> m.write(pfn, 0, new byte[4], 3, 2))
                        .getMessage());
        assertEquals(
                "n=-1 is negative",
                assertThrows(IllegalArgumentException.class, () -> m.failNextAllocations(-1))
                        .getMessage());
        assertEquals(
                "frameCount=0 is not in [1, 4294967296]",
                assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(0))
                        .getMessage());
        // Nothing moved.
        assertEquals(free, m.freeFrames());
        assertEquals(1, m.refcount(pfn));
        assertEquals(9, m.getByte(pfn, 0));
        assertEquals(0, m.getByte(pfn, 1));
        assertEquals(1, m.allocationCount());
    }

    private static List<Long> allocateAll(PhysicalMemory m) {
        List<Long> pfns = new ArrayList<>();
        for (long pfn = m.allocFrame(); pfn != PhysicalMemory.NO_FRAME; pfn = m.allocFrame()) {
            pfns.add(pfn);
        }
        return pfns;
    }
}

package org.devmirror.hmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.devmirror.mm.Host;
import org.junit.jupiter.api.Test;

/** struct hmm_range as an argument object: its buffer, either an array from an offset or a segment. */
class HmmRangeTest {
    /** npages counts the 4 KiB pages of [start, end). */
    @Test
    void npagesCountsThePagesOfTheRange() {
        HmmRange r = new HmmRange().start(5 * Host.PAGE_SIZE).end(12 * Host.PAGE_SIZE);
        assertEquals(7, r.npages());
        assertEquals(0, r.end(5 * Host.PAGE_SIZE).npages());
    }

    /** An array buffer holds the words after its offset; page i is word offset + i. */
    @Test
    void arrayBufferStartsAtItsOffset() {
        long[] words = new long[5];
        HmmRange r = new HmmRange();
        assertEquals(-1, r.capacity(), "no buffer yet");
        r.pfns(words, 2);
        assertEquals(3, r.capacity());
        r.setPfn(1, 42);
        assertEquals(42, words[3]);
        assertEquals(42, r.pfn(1));
        assertEquals(0, r.pfns(words, 5).capacity(), "an offset at the end leaves no room, but is legal");
        assertEquals(5, r.pfns(words, 0).capacity());
    }

    /** A bad array or offset is refused by name. */
    @Test
    void badArrayBuffersAreRefused() {
        HmmRange r = new HmmRange();
        assertEquals(
                "array=null",
                assertThrows(IllegalArgumentException.class, () -> r.pfns(null, 0))
                        .getMessage());
        assertEquals(
                "offset=-1 is outside the array of 4",
                assertThrows(IllegalArgumentException.class, () -> r.pfns(new long[4], -1))
                        .getMessage());
        assertEquals(
                "offset=5 is outside the array of 4",
                assertThrows(IllegalArgumentException.class, () -> r.pfns(new long[4], 5))
                        .getMessage());
    }

    /**
     * A segment buffer holds one word per 8 bytes and replaces an array buffer (and the reverse);
     * a segment that is not 8-byte aligned is refused.
     */
    @Test
    void segmentBufferHoldsOneWordPerEightBytes() {
        long[] heap = new long[4];
        long[] words = new long[6];
        HmmRange r = new HmmRange().pfns(words, 1).pfns(MemorySegment.ofArray(heap));
        assertEquals(4, r.capacity());
        r.setPfn(2, 7);
        assertEquals(7, heap[2]);
        assertEquals(7, r.pfn(2));
        assertEquals(0, words[3], "the array buffer it replaced is left alone");
        r.pfns(words, 1).setPfn(2, 9);
        assertEquals(9, words[3]);
        assertEquals(7, heap[2]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4 * Long.BYTES, 16);
            assertEquals(3, r.pfns(seg.asSlice(Long.BYTES)).capacity(), "8-byte aligned is enough");
            MemorySegment odd = seg.asSlice(4);
            assertEquals(
                    "seg=" + odd + " is not 8-byte aligned",
                    assertThrows(IllegalArgumentException.class, () -> r.pfns(odd))
                            .getMessage());
        }
        assertEquals(
                "seg=null",
                assertThrows(IllegalArgumentException.class, () -> r.pfns((MemorySegment) null))
                        .getMessage());
    }
}

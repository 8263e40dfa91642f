package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The garbage collector's arithmetic in {@link TrackedRanges}: which pieces of an unmapped range
 * stay tracked, and how an UNMAP that reached only the old range after the pieces were computed is
 * carried over to the published pieces.
 */
class TrackedRangesTest {
    private static final long P = Host.PAGE_SIZE;
    private static final long BASE = 0x1000_0000L;

    private final Host host = new Host(HostConfig.defaults().withFrames(64));
    private final AddressSpace mm = host.newAddressSpace();
    private final MirrorState driver =
            new MirrorState(mm, new Object(), pfn -> false, () -> 0, MirrorOptions.defaults(), 1);
    private final TrackedRanges ranges = new TrackedRanges();

    @AfterEach
    void close() {
        driver.close();
        host.close();
    }

    private TrackedRange range(long startPage, long endPage) {
        TrackedRange t = new TrackedRange(driver);
        t.reset(BASE + startPage * P, BASE + endPage * P);
        return t;
    }

    private static long[] pieces(TrackedRange t) {
        long[] out = new long[2 * (TrackedRange.MAX_UNMAPPED + 1)];
        int n = TrackedRanges.keptPieces(t, out);
        long[] pages = new long[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            pages[i] = (out[i] - BASE) / P;
        }
        return pages;
    }

    @Test
    void findsLastHitIsForgottenWhenItsRangeLeavesTheSet() {
        TrackedRange a = range(0, 4);
        TrackedRange b = range(4, 8);
        ranges.add(a);
        ranges.add(b);
        assertSame(a, ranges.find(BASE + P)); // now the last hit
        assertSame(b, ranges.find(BASE + 5 * P));
        assertSame(a, ranges.find(BASE));
        ranges.remove(a);
        assertNull(ranges.find(BASE + P));
        a.reset(BASE + 16 * P, BASE + 20 * P); // the object reused for another range
        ranges.add(a);
        assertNull(ranges.find(BASE + P));
        assertSame(a, ranges.find(BASE + 16 * P));
        assertSame(b, ranges.find(BASE + 4 * P));
        assertNull(ranges.find(BASE + 8 * P));
    }

    @Test
    void keptPiecesAreTheRangeMinusItsUnmappedIntervals() {
        TrackedRange t = range(0, 16);
        t.addUnmapped(BASE + 3 * P, BASE + 5 * P);
        t.addUnmapped(BASE + 4 * P, BASE + 7 * P); // overlaps the first
        t.addUnmapped(BASE + 15 * P, BASE + 16 * P); // the last page
        assertArrayEquals(new long[] {0, 3, 7, 15}, pieces(t));
    }

    @Test
    void anUnmapOfTheWholeRangeOrAnOverflowKeepsNothing() {
        TrackedRange whole = range(0, 4);
        whole.addUnmapped(BASE, BASE + 4 * P);
        assertArrayEquals(new long[0], pieces(whole));
        TrackedRange many = range(0, 16);
        for (int i = 0; i <= TrackedRange.MAX_UNMAPPED; i++) {
            many.addUnmapped(BASE + 2L * i * P, BASE + (2L * i + 1) * P);
        }
        assertEquals(TrackedRange.MAX_UNMAPPED + 1, many.unmappedCount);
        assertArrayEquals(new long[0], pieces(many), "an overflow drops the whole range");
    }

    @Test
    void lateUnmapIsCarriedOverToThePieceItOverlaps() {
        TrackedRange old = range(0, 8);
        old.addUnmapped(BASE + 7 * P, BASE + 8 * P);
        int seen = old.unmappedCount;
        TrackedRange piece = range(0, 7);
        piece.state = TrackedRange.LIVE;
        ranges.add(piece);
        old.addUnmapped(BASE + 2 * P, BASE + 3 * P); // reached old only, after the pieces were computed
        old.addUnmapped(BASE + 6 * P, BASE + 9 * P); // overlaps the piece's end only
        ranges.carryLateUnmaps(old, seen, piece);
        assertEquals(TrackedRange.UNMAPPED, piece.state);
        assertSame(piece, ranges.peekUnmapped());
        assertEquals(2, piece.unmappedCount);
        assertArrayEquals(new long[] {BASE + 2 * P, BASE + 6 * P}, Arrays.copyOf(piece.unmappedStart, 2));
        assertArrayEquals(
                new long[] {BASE + 3 * P, BASE + 7 * P}, Arrays.copyOf(piece.unmappedEnd, 2), "clipped to the piece");
        assertArrayEquals(new long[] {0, 2, 3, 6}, pieces(piece));
    }

    @Test
    void nothingLateLeavesThePieceLive() {
        TrackedRange old = range(0, 8);
        old.addUnmapped(BASE + 7 * P, BASE + 8 * P);
        TrackedRange piece = range(0, 7);
        piece.state = TrackedRange.LIVE;
        ranges.add(piece);
        ranges.carryLateUnmaps(old, old.unmappedCount, piece);
        TrackedRange other = range(10, 12);
        other.state = TrackedRange.LIVE;
        ranges.add(other);
        old.addUnmapped(BASE + 10 * P, BASE + 11 * P); // outside this piece
        ranges.carryLateUnmaps(old, 1, piece);
        assertEquals(TrackedRange.LIVE, piece.state);
        assertFalse(ranges.hasUnmapped());
        assertNull(ranges.peekUnmapped());
    }

    @Test
    void aLateOverflowMarksTheWholePiece() {
        TrackedRange old = range(0, 16);
        old.addUnmapped(BASE + 15 * P, BASE + 16 * P);
        TrackedRange piece = range(0, 15);
        piece.state = TrackedRange.LIVE;
        ranges.add(piece);
        for (int i = 0; i < TrackedRange.MAX_UNMAPPED; i++) {
            old.addUnmapped(BASE + 2L * i * P, BASE + (2L * i + 1) * P);
        }
        ranges.carryLateUnmaps(old, 1, piece);
        assertTrue(ranges.hasUnmapped());
        assertArrayEquals(new long[0], pieces(piece), "its lost intervals are unknown: nothing of it stays");
    }
}

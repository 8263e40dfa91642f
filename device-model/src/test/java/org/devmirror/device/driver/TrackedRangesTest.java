package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
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

    /** A range in the set, as the fault path publishes one. */
    private TrackedRange live(long startPage, long endPage) {
        TrackedRange t = range(startPage, endPage);
        t.state = TrackedRange.LIVE;
        ranges.add(t);
        return t;
    }

    /** An UNMAP of the pages {@code [fromPage, toPage)} of {@code t}, as the invalidate callback marks it. */
    private void unmap(TrackedRange t, long fromPage, long toPage) {
        ranges.markUnmapped(t, BASE + fromPage * P, BASE + toPage * P);
    }

    /** The bounds of the ranges in the set, in pages from BASE, in order. */
    private long[] set() {
        long[] pages = new long[2 * ranges.count()];
        for (int i = 0; i < ranges.count(); i++) {
            pages[2 * i] = (ranges.at(i).start - BASE) / P;
            pages[2 * i + 1] = (ranges.at(i).end - BASE) / P;
        }
        return pages;
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

    /**
     * An UNMAP whose callback reached the old range only after the collector had published its
     * piece (the piece's notifier was inserted behind the invalidation, so the invalidation never
     * reaches it): the mark goes to the ranges of the set covering the unmapped pages, clipped to
     * each, and to no other (the window {@code GcVsUnmapTest} found).
     */
    @Test
    void anUnmapReachingAReplacedRangeMarksTheRangesNowCoveringIt() {
        TrackedRange piece = live(0, 3);
        TrackedRange next = live(4, 8);
        TrackedRange apart = live(10, 12);
        ranges.markUnmappedIn(BASE + P, BASE + 6 * P);
        assertEquals(TrackedRange.UNMAPPED, piece.state);
        assertEquals(TrackedRange.UNMAPPED, next.state);
        assertEquals(TrackedRange.LIVE, apart.state, "outside the unmapped pages");
        assertArrayEquals(new long[] {0, 1}, pieces(piece));
        assertArrayEquals(new long[] {6, 8}, pieces(next));
        ranges.markUnmappedIn(BASE + 8 * P, BASE + 10 * P); // the gap between two ranges
        assertEquals(TrackedRange.LIVE, apart.state);
    }

    /**
     * The same UNMAP can mark a range twice: directly, and forwarded from the range it replaced.
     * The interval counts once, so repeats never overflow into dropping the whole range.
     */
    @Test
    void theSameUnmappedIntervalCountsOnce() {
        TrackedRange t = live(0, 8);
        for (int i = 0; i <= TrackedRange.MAX_UNMAPPED; i++) {
            unmap(t, 2, 3);
        }
        unmap(t, 2, 3);
        ranges.markUnmappedIn(BASE + 2 * P, BASE + 3 * P);
        assertEquals(1, t.unmappedCount);
        assertArrayEquals(new long[] {0, 2, 3, 8}, pieces(t));
        unmap(t, 1, 4); // wider: a new interval
        assertEquals(2, t.unmappedCount);
        assertArrayEquals(new long[] {0, 1, 4, 8}, pieces(t));
    }

    /** [0, 16) with its last page unmapped: the collector's pieces are [0, 15). */
    private TrackedRange unmappedAtItsLastPage() {
        TrackedRange old = range(0, 16);
        old.addUnmapped(BASE + 15 * P, BASE + 16 * P);
        return old;
    }

    /** {@code count} one-page UNMAPs, at pages 1, 3, 5, ..., that reach {@code old} after its pieces were computed. */
    private static void lateUnmaps(TrackedRange old, int count) {
        for (int i = 0; i < count; i++) {
            old.addUnmapped(BASE + (2L * i + 1) * P, BASE + (2L * i + 2) * P);
        }
    }

    @Test
    void aLateOverflowMarksTheWholePiece() {
        TrackedRange old = unmappedAtItsLastPage();
        TrackedRange piece = live(0, 15);
        lateUnmaps(old, TrackedRange.MAX_UNMAPPED);
        ranges.carryLateUnmaps(old, 1, piece);
        assertTrue(ranges.hasUnmapped());
        assertArrayEquals(new long[0], pieces(piece), "its lost intervals are unknown: nothing of it stays");
    }

    // ------------------------------------------------------------------ the set

    /**
     * The set is sorted by start whatever order the ranges come in, and grows past its first
     * arrays (16): a 1 GiB region faulted in 2 MiB chunks tracks 512 ranges.
     */
    @Test
    void theSetStaysSortedAndFindableInAnyInsertionOrderPastItsFirstArrays() {
        // Ascending (each appended), then descending into the gaps (each inserted in the middle).
        for (int i = 0; i < 40; i += 2) {
            live(4L * i, 4L * i + 4);
        }
        for (int i = 39; i > 0; i -= 2) {
            live(4L * i, 4L * i + 4);
        }
        assertEquals(40, ranges.count());
        for (int i = 0; i < 40; i++) {
            TrackedRange t = ranges.find(BASE + (4L * i + 1) * P);
            assertEquals(BASE + 4L * i * P, t.start, "range " + i);
            assertSame(t, ranges.at(i));
        }
        assertNull(ranges.find(BASE + 160 * P));
        assertNull(ranges.find(BASE - P));
    }

    /** Removing from a full set, at its head and in its middle, keeps every other range in place. */
    @Test
    void removingFromAFullSetKeepsTheOthersFindable() {
        List<TrackedRange> all = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            all.add(live(2L * i, 2L * i + 1)); // a gap after each
        }
        ranges.remove(all.get(0));
        ranges.remove(all.get(8));
        assertEquals(14, ranges.count());
        assertNull(ranges.find(BASE));
        assertNull(ranges.find(BASE + 16 * P));
        for (int i = 1; i < 16; i++) {
            if (i != 8) {
                assertSame(all.get(i), ranges.find(BASE + 2L * i * P), "range " + i);
            }
        }
        assertNull(ranges.find(BASE + 3 * P), "a gap stays a gap");
    }

    /** Removing a range that is not in the set is a bug of the caller, named in the message. */
    @Test
    void removingARangeNotInTheSetNamesIt() {
        live(0, 4);
        TrackedRange stranger = range(8, 12);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ranges.remove(stranger));
        assertEquals("TrackedRange[0x10008000, 0x1000c000) new is not in the set", e.getMessage());
        stranger.state = TrackedRange.UNMAPPED;
        assertTrue(stranger.toString().endsWith(" unmapped"), stranger.toString());
        stranger.state = TrackedRange.DEAD;
        assertTrue(stranger.toString().endsWith(" dead"), stranger.toString());
    }

    /** Only a range in the set is live; NEW, UNMAPPED and DEAD ones let no fault commit. */
    @Test
    void onlyARangeInTheSetIsLive() {
        TrackedRange t = range(0, 4);
        assertFalse(t.isLive(), "NEW");
        t.state = TrackedRange.LIVE;
        assertTrue(t.isLive());
        t.state = TrackedRange.UNMAPPED;
        assertFalse(t.isLive());
        t.state = TrackedRange.DEAD;
        assertFalse(t.isLive());
    }

    /** A fault unit is committed only inside the range that tracks all of it. */
    @Test
    void aRangeContainsOnlyUnitsWithinItsBounds() {
        TrackedRange t = range(4, 8);
        assertTrue(t.contains(BASE + 4 * P, BASE + 8 * P));
        assertTrue(t.contains(BASE + 5 * P, BASE + 6 * P));
        assertFalse(t.contains(BASE + 3 * P, BASE + 5 * P));
        assertFalse(t.contains(BASE + 7 * P, BASE + 9 * P));
    }

    // ------------------------------------------------------------------ the pool

    /** {@code n} one-page ranges, live at once (the set's peak) and then removed from it. */
    private List<TrackedRange> liveAtOnceThenRemoved(int n) {
        List<TrackedRange> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(live(i, i + 1));
        }
        for (TrackedRange t : out) {
            ranges.remove(t);
        }
        return out;
    }

    /**
     * The pool keeps as many dead ranges as were ever live at once, past its first 32, so that a
     * refault of everything an UNMAP dropped allocates nothing; the rest are new.
     */
    @Test
    void thePoolKeepsAsManyRangesAsWereEverLiveAtOnce() {
        List<TrackedRange> dead = liveAtOnceThenRemoved(40);
        for (TrackedRange t : dead) {
            t.state = TrackedRange.DEAD;
            ranges.recycle(t);
        }
        Set<TrackedRange> recycled = Collections.newSetFromMap(new IdentityHashMap<>());
        recycled.addAll(dead);
        for (int i = 0; i < 40; i++) {
            assertTrue(recycled.remove(ranges.obtain(driver)), "obtain " + i + " reuses a pooled range");
        }
        assertFalse(dead.contains(ranges.obtain(driver)), "the pool is empty: a new range");
    }

    /** Past the peak the pool keeps no more: the surplus is left to the garbage collector. */
    @Test
    void thePoolDropsRangesBeyondThePeak() {
        List<TrackedRange> dead = liveAtOnceThenRemoved(32);
        TrackedRange surplus = range(100, 101);
        dead.add(surplus);
        for (TrackedRange t : dead) {
            t.state = TrackedRange.DEAD;
            ranges.recycle(t);
        }
        for (int i = 0; i < 32; i++) {
            assertNotSame(surplus, ranges.obtain(driver));
        }
        TrackedRange fresh = ranges.obtain(driver);
        assertFalse(dead.contains(fresh), "the surplus was dropped");
    }

    /** A pooled range whose notifier is still inserted is not handed out: its removal has not taken effect. */
    @Test
    void aPooledRangeStillInsertedIsNotReused() {
        TrackedRange t = live(0, 4);
        ranges.remove(t);
        mm.notifiers().insert(t.notifier(), t.start, t.end - t.start);
        try {
            ranges.recycle(t);
            assertNotSame(t, ranges.obtain(driver));
        } finally {
            t.notifier().remove();
        }
        assertSame(t, ranges.obtain(driver), "reused once removed");
    }

    // ------------------------------------------------------------------ splitting and merging

    /**
     * Exactly MAX_UNMAPPED holes are remembered, not an overflow: the split keeps the five pieces
     * around them, publishes them live, and leaves nothing for the collector.
     */
    @Test
    void aSplitAroundMaxUnmappedHolesPublishesEveryPiece() {
        TrackedRange old = live(0, 16);
        for (int i = 0; i < TrackedRange.MAX_UNMAPPED; i++) {
            unmap(old, 2L * i + 1, 2L * i + 2);
        }
        assertSame(old, ranges.peekUnmapped());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 16}, pieces(old));
        int n = ranges.preparePieces(old, false, driver);
        assertEquals(5, n);
        assertNull(ranges.commitPieces(old, n, true), "no piece failed");
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 16}, set());
        assertEquals(TrackedRange.DEAD, old.state);
        assertFalse(ranges.hasUnmapped());
        assertFalse(ranges.mayHaveUnmapped());
    }

    /**
     * A late UNMAP of exactly MAX_UNMAPPED intervals in all is carried over precisely, not as an
     * overflow that would drop the whole piece.
     */
    @Test
    void lateUnmapsUpToMaxUnmappedAreCarriedPrecisely() {
        TrackedRange old = unmappedAtItsLastPage();
        TrackedRange piece = live(0, 15);
        lateUnmaps(old, TrackedRange.MAX_UNMAPPED - 1);
        ranges.carryLateUnmaps(old, 1, piece);
        assertEquals(TrackedRange.UNMAPPED, piece.state);
        assertEquals(3, piece.unmappedCount);
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 15}, pieces(piece));
    }

    /** A late UNMAP that only touches the piece's end takes nothing of it: the piece stays live. */
    @Test
    void aLateUnmapEndingWhereThePieceBeginsLeavesItLive() {
        TrackedRange old = range(0, 16);
        old.addUnmapped(BASE + 4 * P, BASE + 8 * P);
        TrackedRange piece = live(8, 16);
        old.addUnmapped(BASE + 6 * P, BASE + 8 * P); // adjacent to the piece, not in it
        ranges.carryLateUnmaps(old, 1, piece);
        assertEquals(TrackedRange.LIVE, piece.state);
        assertFalse(ranges.hasUnmapped());
    }

    /**
     * The collector drops its driver lock between computing the pieces and publishing them: an
     * UNMAP that meanwhile reaches another range keeps that range on the collector's list, and
     * one that reaches the range being split is carried over to its piece.
     */
    @Test
    void unmapsDuringASplitAreKeptForTheNextCollection() {
        TrackedRange old = live(0, 16);
        TrackedRange other = live(32, 48);
        unmap(old, 2, 4);
        int n = ranges.preparePieces(old, false, driver);
        assertEquals(2, n);
        // The driver lock is dropped while the pieces' notifiers are inserted; two UNMAPs arrive.
        unmap(other, 40, 41);
        unmap(old, 8, 9);
        assertNull(ranges.commitPieces(old, n, true));
        assertArrayEquals(new long[] {0, 2, 4, 16, 32, 48}, set());
        TrackedRange piece = ranges.find(BASE + 4 * P);
        assertEquals(TrackedRange.UNMAPPED, piece.state, "the late UNMAP carried over");
        assertArrayEquals(new long[] {4, 8, 9, 16}, pieces(piece));
        // The collector's list holds exactly the piece and the other range.
        assertTrue(ranges.mayHaveUnmapped());
        assertSame(piece, ranges.peekUnmapped());
        ranges.unlinkUnmapped(piece);
        assertTrue(ranges.mayHaveUnmapped());
        assertSame(other, ranges.peekUnmapped());
        ranges.unlinkUnmapped(other);
        assertNull(ranges.peekUnmapped());
        assertFalse(ranges.mayHaveUnmapped(), "exact for the thread that emptied the list");
    }

    /**
     * A piece an UNMAP killed while it was NEW, or every piece when the address space is gone, does
     * not join the set; the caller gets them back to zap and remove.
     */
    @Test
    void piecesThatDoNotJoinAreHandedBack() {
        TrackedRange old = live(0, 16);
        unmap(old, 4, 8);
        assertEquals(2, ranges.preparePieces(old, false, driver));
        TrackedRange killed = ranges.piece(0);
        TrackedRange kept = ranges.piece(1);
        killed.state = TrackedRange.DEAD; // dropTracking of a NEW range
        assertSame(killed, ranges.commitPieces(old, 2, true));
        assertNull(killed.nextRetired);
        assertArrayEquals(new long[] {8, 16}, set());
        assertSame(kept, ranges.find(BASE + 8 * P));

        unmap(kept, 8, 9);
        assertEquals(1, ranges.preparePieces(kept, false, driver));
        TrackedRange last = ranges.piece(0);
        assertSame(last, ranges.commitPieces(kept, 1, false), "keep=false: nothing joins");
        assertEquals(TrackedRange.DEAD, last.state);
        assertEquals(0, ranges.count());
    }

    /**
     * A merge replaces the pieces of its chunk by the fresh range and hands them back; a range of
     * the next chunk, starting where this one ends, stays.
     */
    @Test
    void aMergeTakesThePiecesOfItsChunkOnly() {
        TrackedRange low = live(0, 4);
        TrackedRange high = live(8, 16);
        TrackedRange next = live(16, 32);
        TrackedRange fresh = range(0, 16);
        TrackedRange retired = ranges.mergeChunk(fresh, BASE, BASE + 16 * P);
        assertArrayEquals(new long[] {0, 16, 16, 32}, set());
        assertEquals(TrackedRange.LIVE, fresh.state);
        assertEquals(TrackedRange.LIVE, next.state);
        Set<TrackedRange> handedBack = Collections.newSetFromMap(new IdentityHashMap<>());
        for (TrackedRange t = retired; t != null; t = t.nextRetired) {
            handedBack.add(t);
            assertEquals(TrackedRange.DEAD, t.state);
        }
        assertEquals(Set.of(low, high), handedBack);
    }
}

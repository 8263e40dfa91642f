package org.devmirror.reliability.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The garbage collector splitting a tracked range (page 3 unmapped: the piece pages 0..2) while
 * the host unmaps page 1 of that same range. The UNMAP invalidation reaches whatever is inserted
 * at that moment: the old range, the piece the collector has inserted but not yet published
 * ({@code NEW}), or the published piece.
 *
 * <p>The device has pages 0 and 1 mapped. r1 = {@link GcWorld#verdict} after both actors;
 * r2 = 1 if page 0's device PTE survived; r3 = 1 if a tracked range still covers page 1 (the
 * piece, marked and waiting for the next collection); r4 = 1 if one still does after the arbiter
 * runs the collector once more.
 *
 * <p>Why each outcome is allowed:
 * <ul>
 *   <li>The unmap runs first: the invalidation marks page 1 on the old range (still in the set,
 *       UNMAPPED) and zaps it; the collector then keeps pages 0 and 2 as two pieces. Page 0 stays
 *       mapped, page 1 is not tracked.</li>
 *   <li>The unmap runs after the collector computed the piece (pages 0..2) but before it
 *       inserted the piece's notifier: the invalidation reaches only the old range, marks page 1 on
 *       it and zaps it. The collector carries that late interval over to the piece it publishes
 *       and collects the piece again in the same call: pages 0 and 2 stay, page 1 is not tracked.
 *       (Before the carry-over this lost the interval, and page 1 stayed tracked for good: the
 *       forbidden "0, 1, 1, 1" below, which this test found.)</li>
 *   <li>The unmap runs after the collector published the piece (old range removed from the set,
 *       its notifier possibly still inserted but DEAD): the piece is marked and page 1 zapped;
 *       page 0 stays mapped, the piece waits for the next collection, which drops page 1. If the
 *       invalidation began before the piece's notifier was inserted, the insertion waited for its
 *       end and only the DEAD old range was reached: its mark goes to the piece that now covers
 *       page 1. (Before that forwarding the DEAD range marked nothing, and this test found the
 *       same forbidden "0, 1, 1, 1" a second time.)</li>
 *   <li>The unmap runs between the collector's insertion of the piece and its publication: the
 *       invalidation kills the {@code NEW} piece, and the collector, finding it dead under the
 *       driver lock, zaps the piece's device PTEs (page 0 too: nothing would track them) and
 *       retires it. Page 0 must be faulted again, which is safe. This is the window the
 *       collector's design exists for.</li>
 * </ul>
 * A device PTE outside every tracked range, an oracle violation, or page 1 tracked after a
 * collection with no unmap pending would each be a bug.
 */
@JCStressTest
@Description("collectGarbage racing an UNMAP of the tracked range it splits: no untracked or stale device PTE")
@Outcome(
        id = "0, 1, 0, 0",
        expect = ACCEPTABLE,
        desc =
                "The unmap marked the old range first (or late, carried over to the piece); the collection kept pages 0 and 2.")
@Outcome(
        id = "0, 1, 1, 0",
        expect = ACCEPTABLE,
        desc =
                "The collector published the piece first; the unmap marked it for the next collection, which dropped page 1.")
@Outcome(
        id = "0, 0, 0, 0",
        expect = ACCEPTABLE_INTERESTING,
        desc =
                "The unmap killed the piece between its insertion and publication; the collector zapped the piece's PTEs and retired it.")
@Outcome(
        id = "0, 0, 1, .*",
        expect = FORBIDDEN,
        desc = "Page 0 lost although the piece was published: the collector zapped a live piece.")
@Outcome(
        id = "0, ., ., 1",
        expect = FORBIDDEN,
        desc = "Page 1 still tracked after a collection with nothing pending: an unmapped interval was lost.")
@Outcome(id = "1, .*", expect = FORBIDDEN, desc = "The safety oracle found a violation.")
@Outcome(
        id = "2, .*",
        expect = FORBIDDEN,
        desc = "A device PTE outside every tracked range: no notifier would ever zap it.")
@State
public class GcVsUnmapTest {
    private final GcWorld w = new GcWorld(0b0011);

    @Actor
    public void collector() {
        w.mirror.collectGarbage();
    }

    @Actor
    public void hostUnmaps() {
        w.mm.munmap(GcWorld.page(1), GcWorld.PAGE);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        try {
            r.r1 = w.verdict();
            r.r2 = w.mapped(0) ? 1 : 0;
            r.r3 = w.tracked(1) ? 1 : 0;
            w.mirror.collectGarbage();
            r.r4 = w.tracked(1) ? 1 : 0;
            if (r.r1 == GcWorld.SAFE) {
                r.r1 = w.verdict();
            }
        } finally {
            w.close();
        }
    }
}

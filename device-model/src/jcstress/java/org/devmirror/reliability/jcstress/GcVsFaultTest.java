package org.devmirror.reliability.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.devmirror.mm.Errno;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The garbage collector splitting a tracked range (page 3 unmapped: the piece pages 0..2) while
 * the device faults page 1 of it. A device fault collects first itself ("always process UNMAPs
 * first"), and the collector's lock serialises the two collections, so whichever thread splits
 * the range, the fault must then find page 1 in the live piece and commit there; it must never
 * commit into the marked range (nothing may be committed there) nor leave a PTE outside a tracked
 * range.
 *
 * <p>The device has page 0 mapped. r1 = {@link GcWorld#verdict} after both actors; r2 = 1 if the
 * fault returned OK; r3 = 1 if page 1 is mapped; r4 = 1 if page 0 is still mapped.
 *
 * <p>One outcome is allowed, whichever thread collected: neither the collector nor the fault
 * zaps a live piece, and nothing invalidates page 1.
 */
@JCStressTest
@Description(
        "collectGarbage racing a device fault in the tracked range it splits: the fault commits into the live piece")
@Outcome(
        id = "0, 1, 1, 1",
        expect = ACCEPTABLE,
        desc = "Split once (by either thread); page 1 faulted into the piece; page 0 kept.")
@Outcome(
        id = "0, 0, .*",
        expect = FORBIDDEN,
        desc = "The fault failed: it met the marked range or a dying piece and gave up.")
@Outcome(id = "0, 1, 0, .", expect = FORBIDDEN, desc = "The fault said OK but page 1 is not mapped.")
@Outcome(id = "0, 1, 1, 0", expect = FORBIDDEN, desc = "Page 0 lost: a collection zapped the live piece.")
@Outcome(id = "1, .*", expect = FORBIDDEN, desc = "The safety oracle found a violation.")
@Outcome(
        id = "2, .*",
        expect = FORBIDDEN,
        desc = "A device PTE outside every tracked range: no notifier would ever zap it.")
@State
public class GcVsFaultTest {
    private final GcWorld w = new GcWorld(0b0001);
    private Errno fault;

    @Actor
    public void collector() {
        w.mirror.collectGarbage();
    }

    @Actor
    public void deviceFaults() {
        fault = w.mirror.fault(GcWorld.page(1), 1, true);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        try {
            r.r1 = w.verdict();
            r.r2 = fault == Errno.OK ? 1 : 0;
            r.r3 = w.mapped(1) ? 1 : 0;
            r.r4 = w.mapped(0) ? 1 : 0;
        } finally {
            w.close();
        }
    }
}

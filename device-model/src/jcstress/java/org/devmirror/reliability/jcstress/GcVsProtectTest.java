package org.devmirror.reliability.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.Prot;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The garbage collector splitting a tracked range (page 3 unmapped: the piece pages 0..2) while
 * the host write-protects page 1 ({@code mprotect(PROT_READ)}: a PROTECTION_VMA invalidation).
 * Only UNMAP and RELEASE kill a range that is not yet published; any other invalidation reaches
 * the old range, the piece or both, and the policy works on the device page table they share, so
 * whichever notifier the invalidation reaches, page 1 loses its write access.
 *
 * <p>The device has pages 0..2 mapped writable. r1 = {@link GcWorld#verdict} after both actors;
 * r2 = page 1's device entry (0 none, 1 read-only, 2 writable); r3 = 1 if page 0 is still mapped.
 *
 * <p>Why each outcome is allowed: the event-aware policy may zap page 1 or keep it read-only
 * (a write-protect downgrade), in any order against the collector; page 0 is never touched,
 * since a protection change does not kill the piece and the collector zaps only killed pieces.
 */
@JCStressTest
@Description(
        "collectGarbage racing an mprotect of the tracked range it splits: write access removed, nothing else lost")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "Page 1 zapped; page 0 untouched.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "Page 1 downgraded to read-only; page 0 untouched.")
@Outcome(id = "0, 2, .", expect = FORBIDDEN, desc = "STALE: the device may still write a page the CPU made read-only.")
@Outcome(
        id = "0, ., 0",
        expect = FORBIDDEN,
        desc = "Page 0 lost: a protection change killed a piece or the collector zapped a live one.")
@Outcome(id = "1, .*", expect = FORBIDDEN, desc = "The safety oracle found a violation.")
@Outcome(
        id = "2, .*",
        expect = FORBIDDEN,
        desc = "A device PTE outside every tracked range: no notifier would ever zap it.")
@State
public class GcVsProtectTest {
    private final GcWorld w = new GcWorld(0b0111);

    @Actor
    public void collector() {
        w.mirror.collectGarbage();
    }

    @Actor
    public void hostWriteProtects() {
        w.mm.mprotect(GcWorld.page(1), GcWorld.PAGE, Prot.READ);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        try {
            r.r1 = w.verdict();
            long e = w.mirror.entry(GcWorld.page(1));
            r.r2 = e == 0 ? 0 : DevicePteLayout.isWrite(e) ? 2 : 1;
            r.r3 = w.mapped(0) ? 1 : 0;
        } finally {
            w.close();
        }
    }
}

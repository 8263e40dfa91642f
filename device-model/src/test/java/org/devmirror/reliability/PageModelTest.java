package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.mm.Advice;
import org.devmirror.reliability.DeviceOps.Dev;
import org.devmirror.reliability.DeviceOps.Kind;
import org.junit.jupiter.api.Test;

/** The page model's possible contents after {@code MADV_FREE}, and the sequences that found it wrong. */
class PageModelTest {
    private static final long W = PageModel.fillWord(0x11);
    /** {@link HostOps.Madvise} picks its advice by index into {@link Advice#values()}. */
    private static final int FREE = List.of(Advice.values()).indexOf(Advice.FREE);

    private static final int PAGEOUT = List.of(Advice.values()).indexOf(Advice.PAGEOUT);

    @Test
    void writeMakesOneWordAgain() {
        PageModel.Cell c = new PageModel.Cell(W);
        c.mayBeDiscarded();
        assertTrue(c.allows(W));
        assertTrue(c.allows(0));
        c.store(7);
        assertTrue(c.allows(7));
        assertFalse(c.allows(0), "a written page is no longer lazily free");
        assertFalse(c.allows(W));
    }

    @Test
    void anAtomicAfterFreeAddsToTheKeptAndTheDiscardedPage() {
        PageModel.Cell c = new PageModel.Cell(W);
        c.mayBeDiscarded();
        c.add(4);
        assertTrue(c.allows(W + 4));
        assertTrue(c.allows(4));
        assertFalse(c.allows(0), "the atomic wrote the page: reclaim cannot discard it any more");
        c.mayBeDiscarded();
        assertTrue(c.allows(W + 4), "not discarded at all");
        assertTrue(c.allows(4), "discarded before the atomic");
        assertTrue(c.allows(0), "discarded after the second MADV_FREE");
        assertFalse(c.allows(W));
        c.add(1);
        assertTrue(c.allows(W + 5) && c.allows(5) && c.allows(1));
        assertFalse(c.allows(0));
    }

    @Test
    void forkCopyIsIndependent() {
        PageModel.Cell c = new PageModel.Cell(W);
        c.mayBeDiscarded();
        PageModel.Cell child = c.copy();
        child.add(2);
        assertTrue(c.allows(0) && c.allows(W));
        assertTrue(child.allows(2) && child.allows(W + 2));
        assertFalse(child.allows(0));
    }

    /**
     * Long-run seeds 7324151 and 7326448, shortened: page 11 freed lazily and reclaimed (it reads
     * 0), a device atomic adds to it (it reads the delta), and a second {@code MADV_FREE}. The
     * kernel may then give the written page plus the delta, the page the atomic wrote after the
     * discard (the delta), or a zero page if reclaim discards it again; the model knew only the
     * first and the last, and failed every policy here.
     */
    @Test
    void secondFreeAfterAnAtomicKeepsZeroPlusTheAtomic() {
        List<ModelOp> ops = List.of(
                new HostOps.CpuWrite(0, 0, 11, 0, 0x11), // write 0x1000b000 1p fill 0x11
                new HostOps.Madvise(0, 0, 9, 11, FREE), // madvise 0x10009000 12p free
                new HostOps.Madvise(0, 0, 11, 0, PAGEOUT), // madvise 0x1000b000 1p pageout
                new Dev(0, 0, 0, 7, 7, Kind.ATOMIC, 4), // gpu0 atomic 0x10007000 8p add 4
                new HostOps.Madvise(0, 0, 10, 7, FREE), // madvise 0x1000a000 8p free
                new HostOps.CpuRead(0, 0, 11, 0)); // read 0x1000b000 1p
        for (InvalidationPolicy policy : PolicyResolver.shipped().values()) {
            List<ModelOp> seq = LongRunTest.withoutUnmodelledReaps(ops, policy);
            assertNull(LongRunTest.runOnce(seq, MirrorOptions.forPolicy(policy), false), policy.name());
        }
        assertNull(LongRunTest.runOnce(ops, MirrorOptions.defaults(), true), "differential");
    }
}

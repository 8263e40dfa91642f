package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.mm.Host;
import org.junit.jupiter.api.Test;

/**
 * The host's documented ENOMEMs (a layout change, a CPU write fault, with the world's frames used
 * up), taken by the random sequences as refusals rather than as failures of the run.
 *
 * <p>Long-run seed 20164134 (under nouveau, the 5th policy of the run from seed 20000000): three
 * spaces share a huge page after two forks, the world's 16 MiB of frames are nearly all in use, and
 * a MAP_FIXED mmap of the file lands inside the shared huge page. Splitting it needs a copy of the
 * 2 MiB folio ({@code HugeMemory.splitPmd}), which the host cannot allocate, so the mmap returns
 * ENOMEM with the old mapping in place. The run used to stop there as a mismatch.
 */
class HostRefusalRegressionTest {

    private static final long SEED = 20_164_134L;

    @Test
    void seed20164134MapFixedInASharedHugePageWithoutFramesIsRefusedAndTheRunGoesOn() {
        InvalidationPolicy nouveau = PolicyResolver.resolve("policy", "nouveau");
        List<ModelOp> seq = LongRunTest.sequenceOf(SEED, nouveau);
        List<String> results = new ArrayList<>();
        long freeAtRefusal = -1;
        try (MirrorWorld w = new MirrorWorld(MirrorOptions.forPolicy(nouveau))) {
            for (ModelOp op : seq) {
                ModelOp.Step step = op.apply(w);
                results.add(step.result());
                if ("ENOMEM".equals(step.result()) && freeAtRefusal < 0 && isLayoutChange(op)) {
                    freeAtRefusal = w.host.memory().freeFrames();
                }
            }
        }
        assertTrue(freeAtRefusal >= 0, "the sequence reaches the refused mmap: " + results);
        assertTrue(freeAtRefusal < Host.PMD_PAGES, "refused only when a huge page's copy does not fit");
        // The whole sequence, with the oracle and the byte model checked after every step.
        assertNull(LongRunTest.runOnce(seq, MirrorOptions.forPolicy(nouveau), false));
        assertEquals(106, seq.size());
    }

    /**
     * Long-run seed 30119195 (amdkfd SVM with XNACK on): with the world's frames used up, gpu1's
     * release leaves three pages on the device (no frame to copy them to), and a later CPU write
     * finds no frame for its fault. The release used to free those three device pages while
     * their entries still named them (the data check then read freed device memory:
     * {@code DeviceEvictionTest.aPageThatGetsNoFrameStaysOnTheDeviceAndKeepsItsData}); the write's
     * ENOMEM is the host's refusal, and the sequence goes on.
     */
    @Test
    void seed30119195AReleaseWithoutFramesKeepsItsPagesAndACpuWriteIsRefused() {
        InvalidationPolicy amdkfd = PolicyResolver.resolve("policy", "amdkfd");
        List<ModelOp> seq = LongRunTest.sequenceOf(30_119_195L, amdkfd);
        boolean refused = false;
        try (MirrorWorld w = new MirrorWorld(MirrorOptions.forPolicy(amdkfd))) {
            for (ModelOp op : seq) {
                String result = op.apply(w).result();
                refused |= op instanceof HostOps.CpuWrite && "ENOMEM".equals(result);
            }
        }
        assertTrue(refused, "the sequence reaches a CPU write the host refuses for want of frames");
        assertNull(LongRunTest.runOnce(seq, MirrorOptions.forPolicy(amdkfd), false));
    }

    private static boolean isLayoutChange(ModelOp op) {
        return op instanceof HostOps.Mmap || op instanceof HostOps.MmapFile || op instanceof HostOps.Munmap;
    }
}

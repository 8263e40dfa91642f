package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.devmirror.device.driver.BlindPolicy;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.reliability.DeviceOps.Dev;
import org.devmirror.reliability.DeviceOps.Kind;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for the sequences on which the long random run's policy differential found the
 * event-aware and the blind policy disagreeing, replayed in lockstep on the three worlds (event
 * aware, blind, event aware with the on-heap table) with the oracle and the data check after
 * every step.
 */
class PolicyDifferentialRegressionTest {

    /**
     * Long-run seeds 20009476 and 20011876 (amdkfd SVM with XNACK off, differential): a migration
     * to the device that the zoo policy made and the blind one refused (OK against ENOENT, which
     * the differential accepts), and then, later in the sequence, an access whose outcome
     * depended on where that page lived (a CPU read OK against EFAULT in 20011876). The
     * differential stops comparing outcomes once the worlds have parted; each world is still
     * checked by the oracle and its page model after every step.
     */
    @Test
    void outcomesAreNotComparedOnceAnAcceptedDisagreementPartedTheWorlds() {
        InvalidationPolicy noXnack = PolicyResolver.resolve("policy", "amdkfd-noxnack");
        for (long seed : new long[] {20_009_476L, 20_011_876L}) {
            List<ModelOp> seq = LongRunTest.sequenceOf(seed, noXnack);
            assertEquals(null, LongRunTest.runOnce(seq, MirrorOptions.forPolicy(noXnack), true), "seed " + seed);
        }
    }

    /**
     * Seed 2380812944: a migration over pages 7..12 when pages 0..7 are already on the device.
     * The MIGRATE invalidation covers page 7 too; the event-aware policy skips the device's own
     * MIGRATE, as test_hmm does, and the read-back finds every page (OK); the blind policy zaps
     * page 7 and the read-back returns ENOENT (examples/migrate_own_pages.scn). The differential
     * accepts exactly that direction.
     */
    @Test
    void migrationOverAPageAlreadyOnTheDeviceDiffersOnlyTowardsTheEventAwarePolicy() {
        List<ModelOp> ops = List.of(
                new Dev(0, 0, 0, 0, 7, Kind.MIGRATE, 0), // gpu0 migrate 0x10000000 8p
                new Dev(0, 0, 0, 7, 5, Kind.MIGRATE, 0)); // gpu0 migrate 0x10007000 6p
        assertEquals(List.of("OK", "OK"), results(MirrorOptions.defaults(), ops));
        assertEquals(List.of("OK", "ENOENT"), results(MirrorOptions.defaults().withPolicy(BlindPolicy.INSTANCE), ops));
        runDifferential(ops);
    }

    /**
     * Seed 2915627756: exclusive access over pages 11..17, clear_refs, then check-exclusive.
     * clear_soft_dirty leaves the device-exclusive CPU entries in place, so the device's access
     * still holds; the event-aware policy skips SOFT_DIRTY and keeps its ATOMIC entries (EPERM),
     * the blind policy zaps them (OK). Both are right, and the differential accepts exactly that
     * direction.
     */
    @Test
    void checkExclusiveAfterClearSoftDirtyDiffersOnlyTowardsTheEventAwarePolicy() {
        List<ModelOp> ops = List.of(
                new Dev(0, 0, 0, 11, 6, Kind.EXCLUSIVE, 0), // gpu0 exclusive 0x1000b000 7p
                new HostOps.Whole(0, 0), // clear-soft-dirty
                new Dev(0, 0, 0, 9, 15, Kind.CHECK_EXCLUSIVE, 0)); // gpu0 check-exclusive 0x10009000 16p
        // Step 1: each policy alone, with its oracle and data check after every step.
        List<String> eventAware = results(MirrorOptions.defaults(), ops);
        List<String> blind = results(MirrorOptions.defaults().withPolicy(BlindPolicy.INSTANCE), ops);
        assertEquals("EPERM", eventAware.get(2));
        assertEquals("OK", blind.get(2));
        assertEquals(eventAware.subList(0, 2), blind.subList(0, 2));
        // Step 2: the three worlds in lockstep pass the differential.
        runDifferential(ops);
    }

    /**
     * The tolerated differences are only those of check-exclusive (one way) and migrate (OK
     * against ENOENT, either way: own pages already on the device, see the test above, or
     * another device's atomic page, long-run seed 9319064, where the scenario's {@code gpu0 migrate}
     * found the page device-exclusive under the event-aware policy and present under the blind
     * one).
     */
    @Test
    void differentialRejectsEveryOtherDisagreement() {
        ModelOp check = new Dev(0, 0, 0, 0, 0, Kind.CHECK_EXCLUSIVE, 0);
        ModelOp migrate = new Dev(0, 0, 0, 0, 0, Kind.MIGRATE, 0);
        ModelOp read = new Dev(0, 0, 0, 0, 0, Kind.READ, 0);
        ModelOp.Step ok = new ModelOp.Step("OK", 0, 0);
        ModelOp.Step eperm = new ModelOp.Step("EPERM", 0, 0);
        ModelOp.Step enoent = new ModelOp.Step("ENOENT", 0, 0);
        assertTrue(RandomSequenceTest.policiesAgree(check, eperm, ok));
        assertFalse(RandomSequenceTest.policiesAgree(check, ok, eperm));
        assertTrue(RandomSequenceTest.policiesAgree(migrate, ok, enoent));
        assertTrue(RandomSequenceTest.policiesAgree(migrate, enoent, ok));
        assertFalse(RandomSequenceTest.policiesAgree(migrate, ok, eperm));
        assertFalse(RandomSequenceTest.policiesAgree(migrate, eperm, ok));
        assertFalse(RandomSequenceTest.policiesAgree(read, eperm, ok));
        assertFalse(RandomSequenceTest.policiesAgree(read, ok, enoent));
        assertFalse(RandomSequenceTest.policiesAgree(check, ok, new ModelOp.Step("OK", 0, 1)));
    }

    /**
     * Long-run seed 9114004, shortened: an atomic over pages 3..16 of a 16-page region fails at
     * page 16 after mapping pages 3..15 ATOMIC; clear_refs; a second atomic over pages 5..17. The
     * event-aware policy kept the ATOMIC entries, so its device adds to pages 5..15 before it
     * fails at page 16; the blind one zapped them, so its device faults from page 5 and fails
     * with nothing added. Both are right, the bytes differ from then on, and the differential
     * stops comparing them (RandomSequenceTest.diverges) while each world's model still checks
     * its own.
     */
    @Test
    void aFailedAtomicThatGotFurtherUnderTheEventAwarePolicyEndsTheByteComparison() {
        List<ModelOp> ops = List.of(
                new Dev(0, 0, 0, 3, 13, Kind.ATOMIC, 3), // gpu0 atomic 0x10003000 14p add 4
                new HostOps.Whole(0, 0), // clear-soft-dirty
                new Dev(0, 0, 0, 5, 12, Kind.ATOMIC, 0), // gpu0 atomic 0x10005000 13p add 1
                new Dev(0, 0, 0, 0, 11, Kind.READ, 0)); // gpu0 read 0x10000000 12p
        try (MirrorWorld eventAware = new MirrorWorld(MirrorOptions.defaults());
                MirrorWorld blind = new MirrorWorld(MirrorOptions.defaults().withPolicy(BlindPolicy.INSTANCE))) {
            ModelOp.Step[] a = new ModelOp.Step[ops.size()];
            ModelOp.Step[] b = new ModelOp.Step[ops.size()];
            for (int i = 0; i < ops.size(); i++) {
                a[i] = ops.get(i).apply(eventAware);
                b[i] = ops.get(i).apply(blind);
            }
            assertEquals(new ModelOp.Step("EFAULT", 11, 0), a[2]);
            assertEquals(new ModelOp.Step("EFAULT", 0, 0), b[2]);
            assertTrue(RandomSequenceTest.diverges(ops.get(2), a[2], b[2]));
            assertFalse(RandomSequenceTest.diverges(ops.get(3), a[3], b[3]));
            assertNotEquals(a[3].dataHash(), b[3].dataHash());
        }
        runDifferential(ops);
    }

    private static List<String> results(MirrorOptions options, List<ModelOp> ops) {
        try (MirrorWorld w = new MirrorWorld(options)) {
            List<String> out = new ArrayList<>();
            for (ModelOp op : ops) {
                out.add(op.apply(w).result());
                assertEquals(null, w.check(true), () -> "after " + op);
            }
            return out;
        }
    }

    private static void runDifferential(List<ModelOp> ops) {
        try (MirrorWorld eventAware = new MirrorWorld(MirrorOptions.defaults());
                MirrorWorld blind = new MirrorWorld(MirrorOptions.defaults().withPolicy(BlindPolicy.INSTANCE));
                MirrorWorld onHeap = new MirrorWorld(MirrorOptions.defaults().withOffHeapTable(false))) {
            RandomSequenceTest.run(eventAware, ops, new MirrorWorld[] {blind, onHeap});
        }
    }
}

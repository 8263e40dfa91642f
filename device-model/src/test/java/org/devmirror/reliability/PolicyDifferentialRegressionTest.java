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
        assertLongRunDifferentialsPass("amdkfd-noxnack", 20_009_476L, 20_011_876L);
    }

    /**
     * Long-run seed 20044416 (amdkfd SVM with XNACK off, differential), shortened. gpu0 writes
     * pages 1..11; gpu1 takes pages 7..8 for atomics, and the EXCLUSIVE invalidation of
     * make_device_exclusive makes gpu0's driver evict its queues ({@code svm_range_evict}: the
     * GPU PTEs stay) where the blind driver zaps pages 7..8. gpu0's next access, elsewhere, first
     * restores its queues, and {@code svm_range_restore_work} faults every page gpu0 held, pages
     * 7..8 too, which ends gpu1's exclusive access ({@code remove_device_exclusive_entry}).
     * gpu1's check-exclusive then finds no ATOMIC entry left (OK) where the blind world still
     * holds them (EPERM): both are right. The worlds parted at the restore, where the pages
     * stopped living in the same place, and the differential compares no outcome after that.
     */
    @Test
    void aRestoreThatEndsAnotherDevicesExclusiveAccessPartsTheWorlds() {
        InvalidationPolicy noXnack = PolicyResolver.resolve("policy", "amdkfd-noxnack");
        List<ModelOp> ops = List.of(
                new Dev(0, 0, 0, 1, 10, Kind.WRITE, 0x29), // gpu0 write 0x10001000 11p fill 0x29
                new Dev(1, 0, 0, 7, 1, Kind.ATOMIC, 4), // gpu1 atomic 0x10007000 2p add 5
                new Dev(0, 0, 1, 33, 8, Kind.ATOMIC, 2), // gpu0 atomic 0x11021000 9p add 3
                new Dev(1, 0, 0, 1, 8, Kind.CHECK_EXCLUSIVE, 0)); // gpu1 check-exclusive 0x10001000 9p
        try (MirrorWorld evicting = new MirrorWorld(MirrorOptions.forPolicy(noXnack));
                MirrorWorld blind = new MirrorWorld(MirrorOptions.defaults().withPolicy(BlindPolicy.INSTANCE))) {
            List<String> a = new ArrayList<>();
            List<String> b = new ArrayList<>();
            List<Boolean> sameResidence = new ArrayList<>();
            for (ModelOp op : ops) {
                a.add(op.apply(evicting).result());
                b.add(op.apply(blind).result());
                sameResidence.add(evicting.residence().equals(blind.residence()));
                assertEquals(null, evicting.check(true), () -> "after " + op);
                assertEquals(null, blind.check(true), () -> "after " + op);
            }
            assertEquals(List.of("OK", "OK", "OK", "OK"), a);
            assertEquals(List.of("OK", "OK", "OK", "EPERM"), b);
            // Pages 7..8 are device-exclusive in both worlds until gpu0's restore takes them back in one.
            assertEquals(List.of(true, true, false, false), sameResidence);
        }
        assertEquals(null, LongRunTest.runOnce(ops, MirrorOptions.forPolicy(noXnack), true));
    }

    /**
     * The ten sequences of the 10^7 run on which amdkfd with XNACK off and the blind policy
     * disagreed with no accepted disagreement before: four check-exclusive (OK against EPERM)
     * and six device accesses (OK against EFAULT or EINVAL, EPERM against EFAULT). In each, a
     * restore of gpu0's or gpu1's evicted ranges had migrated the other device's private pages
     * back to RAM or ended its exclusive access first (seed 20218796: gpu1's restore brought
     * back the pages gpu0 had migrated, so gpu0's later write fault found RAM, OK, where the
     * blind world still had gpu0's own device-private pages made read-only by a fork, on which
     * test_hmm's {@code dmirror_do_fault} returns -EFAULT). Every world still passes the oracle
     * and its page model after every step.
     */
    @Test
    void restoresOfEvictedRangesInTheLongRunAreNotDisagreements() {
        assertLongRunDifferentialsPass(
                "amdkfd-noxnack",
                20_024_296L,
                20_039_296L,
                20_044_416L,
                20_080_496L,
                20_070_876L,
                20_109_416L,
                20_119_356L,
                20_198_356L,
                20_218_796L,
                20_228_836L);
    }

    /** Replays the long run's differential sequences of {@code seeds} under the policy {@code name}: none may fail. */
    private static void assertLongRunDifferentialsPass(String name, long... seeds) {
        InvalidationPolicy policy = PolicyResolver.resolve("policy", name);
        for (long seed : seeds) {
            List<ModelOp> seq = LongRunTest.sequenceOf(seed, policy);
            assertEquals(null, LongRunTest.runOnce(seq, MirrorOptions.forPolicy(policy), true), "seed " + seed);
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
     * Long-run seed 50206420 (event-aware, differential; 10^7 run of round 7): gpu1 writes pages
     * 3..8 of a region; clear_refs, which the event-aware policy answers by marking those pages
     * (gpu1 keeps WRITE) and the blind one by zapping them; a CPU write to pages 5..6; gpu1
     * migrates pages 4..7, so pages 4 and 7, still write-protected by clear_refs, become
     * read-only entries of gpu1's own memory; then gpu1 writes pages 3..11. The event-aware
     * device writes page 3 through the entry it kept and faults from page 4, which range fault
     * reports as it is, without WRITE: EFAULT. The blind device faults from page 3, whose CPU
     * write fault comes first, and {@code hmm_vma_fault} goes on write-faulting every page to
     * the end of the walk, bringing pages 4 and 7 back to RAM: OK. The differential accepts that
     * direction only while the event-aware world still holds such a page. The long run shortened
     * it to the four device steps below. Seed 60121936 (amdkfd SVM with XNACK off, 5 million
     * operations of the same round) parts the same way for another reason: after a fork left
     * gpu1's own pages read-only, the driver's queue restore faulted back the page before them
     * writable, so its write met no CPU write fault before the own pages (EFAULT) where the
     * blind world's did (OK). Seed 70026676 (amdkfd SVM with XNACK off) is the same with a bare
     * device write fault.
     */
    @Test
    void aWriteOverOwnReadOnlyDevicePagesFailsOnlyWhereNoCpuFaultComesBeforeThem() {
        List<ModelOp> ops = List.of(
                new Dev(1, 0, 0, 3, 5, Kind.WRITE, 0x4d), // gpu1 write 0x10003000 6p fill 0x4d
                new HostOps.Whole(0, 0), // clear-soft-dirty
                new Dev(1, 0, 0, 4, 3, Kind.MIGRATE, 0), // gpu1 migrate 0x10004000 4p
                new Dev(1, 0, 0, 3, 8, Kind.WRITE, 0x4e)); // gpu1 write 0x10003000 9p fill 0x4e
        assertEquals(List.of("OK", "OK", "OK", "EFAULT"), results(MirrorOptions.defaults(), ops));
        assertEquals(
                List.of("OK", "OK", "OK", "OK"),
                results(MirrorOptions.defaults().withPolicy(BlindPolicy.INSTANCE), ops));
        runDifferential(ops);
        assertLongRunDifferentialsPass("aware", 50_206_420L);
        assertLongRunDifferentialsPass("amdkfd-noxnack", 60_121_936L, 70_026_676L);
        ModelOp write = new Dev(0, 0, 0, 0, 0, Kind.WRITE, 0);
        ModelOp.Step ok = new ModelOp.Step("OK", 9, 0);
        ModelOp.Step efault = new ModelOp.Step("EFAULT", 1, 0);
        assertTrue(RandomSequenceTest.policiesAgree(write, efault, ok, false, true));
        assertFalse(RandomSequenceTest.policiesAgree(write, efault, ok, false, false), "no own read-only page left");
        assertFalse(RandomSequenceTest.policiesAgree(write, ok, efault, false, true), "the other direction");
        ModelOp writeFault = new Dev(0, 0, 0, 0, 0, Kind.FAULT_WRITE, 0);
        assertTrue(RandomSequenceTest.policiesAgree(
                writeFault, new ModelOp.Step("EFAULT", 0, 0), new ModelOp.Step("OK", 0, 0), false, true));
        ModelOp readFault = new Dev(0, 0, 0, 0, 0, Kind.FAULT_READ, 0);
        assertFalse(RandomSequenceTest.policiesAgree(
                readFault, new ModelOp.Step("EFAULT", 0, 0), new ModelOp.Step("OK", 0, 0), false, true));
        assertTrue(RandomSequenceTest.diverges(write, efault, ok), "the bytes part: 1 page written against 9");
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

package org.devmirror.reliability;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import org.devmirror.device.driver.BlindPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.PolicyResolver;

/**
 * Random sequences of host operations and device commands over several address spaces and two
 * devices, with the safety oracle and the data check (every mapped page against its model) after
 * every step. A failing sequence is shrunk by jqwik and reported as the scenario file that replays
 * it ({@code ./devmirror run FILE}).
 *
 * <p>The CI bound is about 14,000 operations in 400 sequences over the two properties, about 11 s
 * here (the per-step data check reads every page of every world, which is what costs); the long
 * mode is
 * {@link LongRunTest} ({@code -Dreliability.ops=N}).
 *
 * <p>{@code -Ddevmirror.policy=NAME} runs both properties under another policy than the
 * event-aware one ({@code blind}, or a class name: see {@code PolicyResolver}; a driver author
 * adds their classes with {@code -Dmaven.test.additionalClasspath=DIR}); the differential then
 * compares that policy with the blind one and with itself over the on-heap table.
 */
class RandomSequenceTest {
    /** Longest generated sequence; with the tries below about 14,000 operations run in CI (each checked against every page). */
    static final int MAX_LENGTH = 120;

    static final AtomicLong OPS = new AtomicLong();
    static final AtomicLong SEQUENCES = new AtomicLong();
    static final AtomicLong ORACLE_CHECKS = new AtomicLong();

    /** The system property naming the policy under test; {@code aware} when unset. */
    static final String POLICY_PROPERTY = "devmirror.policy";

    /** The default options with the policy {@value #POLICY_PROPERTY} names. */
    static MirrorOptions optionsUnderTest() {
        String name = System.getProperty(POLICY_PROPERTY, "aware");
        return MirrorOptions.defaults().withPolicy(PolicyResolver.resolve("-D" + POLICY_PROPERTY, name));
    }

    @Provide
    Arbitrary<List<ModelOp>> sequences() {
        return Sequences.sequence(MAX_LENGTH);
    }

    /** The oracle and the data check hold after every step (the policy under test, off-heap table). */
    @Property(tries = 300, seed = "20261125", edgeCases = EdgeCasesMode.NONE, shrinking = ShrinkingMode.BOUNDED)
    void oracleAndDataHoldAfterEveryStep(@ForAll("sequences") List<ModelOp> ops) {
        try (MirrorWorld w = new MirrorWorld(optionsUnderTest())) {
            run(w, ops, null);
        }
    }

    /**
     * Differential: the policy under test (event-aware by default) and the blind policy return the
     * same results and read the same bytes, and the off-heap and on-heap device tables hold the same
     * translations, step by step, each world passing its own oracle and data check.
     */
    @Property(tries = 100, seed = "20261125", edgeCases = EdgeCasesMode.NONE, shrinking = ShrinkingMode.BOUNDED)
    void policiesAndTablesAgree(@ForAll("sequences") List<ModelOp> ops) {
        MirrorOptions options = optionsUnderTest();
        try (MirrorWorld underTest = new MirrorWorld(options);
                MirrorWorld blind = new MirrorWorld(MirrorOptions.defaults().withPolicy(BlindPolicy.INSTANCE));
                MirrorWorld onHeap = new MirrorWorld(options.withOffHeapTable(false))) {
            run(underTest, ops, new MirrorWorld[] {blind, onHeap});
        }
    }

    /**
     * Runs {@code ops} on {@code w} (and in lockstep on {@code others}), checking after every
     * step; throws an AssertionError carrying the scenario file on the first violation.
     */
    static void run(MirrorWorld w, List<ModelOp> ops, MirrorWorld[] others) {
        SEQUENCES.incrementAndGet();
        int step = 0;
        // Per other world: whether its bytes may still be compared with this world's (see diverges).
        boolean[] sameBytes = new boolean[others == null ? 0 : others.length];
        java.util.Arrays.fill(sameBytes, true);
        // Per other world: whether its outcomes may still be compared with this world's. A
        // disagreement the differential accepts (policiesAgree) leaves the two worlds in different
        // states: a migration one made and the other refused puts a page in device memory in one
        // world only, and every later access to it may then succeed or fail differently (a CPU
        // read that must bring it back, a device that cannot fault it). From there each world is
        // still checked on its own, by the oracle and its page model, after every step. A device
        // access can part them as well, with both outcomes the same: a policy that evicts instead
        // of zapping (amdkfd with XNACK off) restores every page its device held, which migrates
        // another device's pages back and ends another device's exclusive access, so the worlds
        // are compared only while every page lives in the same place in both
        // (MirrorWorld.residence).
        boolean[] sameOutcomes = new boolean[sameBytes.length];
        java.util.Arrays.fill(sameOutcomes, true);
        try {
            for (ModelOp op : ops) {
                step++;
                ModelOp.Step result = op.apply(w);
                OPS.incrementAndGet();
                check(w, "");
                if (others != null) {
                    for (int k = 0; k < others.length; k++) {
                        MirrorWorld o = others[k];
                        ModelOp.Step other = op.apply(o);
                        check(
                                o,
                                " (" + o.options.policy().name() + (o.options.offHeapTable() ? "" : ", on-heap table")
                                        + ")");
                        if (o.options.offHeapTable() == w.options.offHeapTable()) {
                            // Another policy: same outcomes and bytes read; fault counts and cpages of failures may
                            // differ.
                            if (sameOutcomes[k]
                                    && !policiesAgree(
                                            op,
                                            result,
                                            other,
                                            sameBytes[k],
                                            DeviceOps.leavesOwnReadOnlyDevicePage(w, op))) {
                                throw new AssertionError("policies disagree: "
                                        + w.options.policy().name() + " " + result + " vs "
                                        + o.options.policy().name() + " " + other);
                            }
                            sameBytes[k] &= !diverges(op, result, other);
                            sameOutcomes[k] = sameOutcomes[k]
                                    && result.result().equals(other.result())
                                    && w.residence().equals(o.residence());
                        } else {
                            if (!result.equals(other)) {
                                throw new AssertionError(
                                        "tables disagree on the outcome: off-heap " + result + " vs on-heap " + other);
                            }
                            String a = w.translations();
                            String b = o.translations();
                            if (!a.equals(b)) {
                                throw new AssertionError(
                                        "tables disagree on translations:\noff-heap:\n" + a + "on-heap:\n" + b);
                            }
                        }
                    }
                }
            }
            check(w, " at the end (every word)", true);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    "step " + step + " of " + ops.size() + ": " + e.getMessage() + "\n"
                            + w.scenarioText("step " + step + ": " + e),
                    e);
        }
    }

    /**
     * Whether another policy's step agrees with the event-aware policy's: the same result and the
     * same bytes read. The event-aware policy keeps device entries the blind one zaps, and three
     * outcomes depend on them, each in one stated direction:
     * <ul>
     *   <li>check-exclusive (HMM_DMIRROR_CHECK_EXCLUSIVE: -EPERM while an ATOMIC entry remains)
     *       after a SOFT_DIRTY invalidation: clear_refs leaves a device-exclusive CPU entry in
     *       place, the event-aware policy keeps the ATOMIC entry (EPERM), the blind one zaps it
     *       (OK);</li>
     *   <li>migrate to the device over pages already on it: migrate_vma_setup's MIGRATE
     *       invalidation covers them, test_hmm's owner check (kept by the event-aware policy)
     *       skips it, the blind policy zaps them, and dmirror_migrate_to_device's read-back
     *       returns -ENOENT (examples/migrate_own_pages.scn);</li>
     *   <li>migrate to the device over a page another device holds for atomics: the event-aware
     *       policy keeps that device's ATOMIC entry, so the CPU entry stays device-exclusive and
     *       {@code migrate_vma_collect_pmd} skips it (ENOENT); the blind one tore the entry down
     *       with its tracking on an unrelated CLEAR, the device's next access restored the CPU
     *       entry, and the page migrates (OK; long-run seed 9319064).</li>
     *   <li>a device write, or a device write fault, over a page of the device's own memory
     *       that the CPU maps read-only (migrated while clear_refs had it write-protected, or
     *       write-protected by a fork), when the policy's world still holds that page after the
     *       step ({@code ownReadOnlyLeft}).
     *       {@code hmm_range_fault} reports such a page as it is, without WRITE, and
     *       {@code dmirror_do_fault} fails (EFAULT), unless a page before it in the walk needs a
     *       CPU write fault: {@code hmm_vma_fault} then write-faults every page from there to the
     *       end of the walk, which takes the own page back to RAM writable
     *       ({@code migrate_to_ram}), and the write completes (OK). The blind device zaps more,
     *       so its walk meets such a page sooner: the event-aware device kept WRITE on the pages
     *       before the own one across clear_refs (it marks them; long-run seed 50206420); amdkfd
     *       without XNACK had faulted the page before it back writable when it restored its
     *       queues (seed 60121936; seed 70026676, a bare write fault).</li>
     * </ul>
     * Any other difference, and each of these in the other direction, never agrees.
     */
    static boolean policiesAgree(ModelOp op, ModelOp.Step eventAware, ModelOp.Step other) {
        return policiesAgree(op, eventAware, other, true, false);
    }

    /**
     * {@link #policiesAgree(ModelOp, ModelOp.Step, ModelOp.Step)}, comparing bytes read only while
     * {@code sameBytes}, with {@code ownReadOnlyLeft} telling whether the world of the policy
     * under test (event-aware, or a zoo policy) holds, after the step, a page of the device's own
     * memory in the step's range that the CPU maps read-only
     * ({@link DeviceOps#leavesOwnReadOnlyDevicePage}).
     */
    static boolean policiesAgree(
            ModelOp op, ModelOp.Step eventAware, ModelOp.Step other, boolean sameBytes, boolean ownReadOnlyLeft) {
        if (sameBytes && eventAware.dataHash() != other.dataHash()) {
            return false;
        }
        if (eventAware.result().equals(other.result())) {
            return true;
        }
        if (!(op instanceof DeviceOps.Dev d)) {
            return false;
        }
        return switch (d.kind()) {
            case CHECK_EXCLUSIVE ->
                eventAware.result().equals("EPERM") && other.result().equals("OK");
            case MIGRATE ->
                (eventAware.result().equals("OK") && other.result().equals("ENOENT"))
                        || (eventAware.result().equals("ENOENT")
                                && other.result().equals("OK"));
            case WRITE, FAULT_WRITE ->
                ownReadOnlyLeft
                        && eventAware.result().equals("EFAULT")
                        && other.result().equals("OK");
            default -> false;
        };
    }

    /**
     * Whether a step leaves the two worlds' bytes legitimately different: a device write or
     * atomic that failed in one world or both after writing a different number of pages. The
     * device writes page by page and stops at the first page it cannot fault (as
     * {@code dmirror_do_write} does), so one that still held its translations, which the
     * event-aware policy keeps where the blind one zaps them, got further before the same failure
     * (long-run seed 9114004: an atomic over pages the device held ATOMIC across a clear_refs,
     * into a page outside the VMA), or failed where the other's fault took the page back
     * (long-run seed 50206420, see {@link #policiesAgree}). Each world's page model still checks
     * its own bytes; only the comparison between the worlds stops.
     */
    static boolean diverges(ModelOp op, ModelOp.Step eventAware, ModelOp.Step other) {
        return op instanceof DeviceOps.Dev d
                && (d.kind() == DeviceOps.Kind.WRITE || d.kind() == DeviceOps.Kind.ATOMIC)
                && !(eventAware.result().equals("OK") && other.result().equals("OK"))
                && eventAware.cpages() != other.cpages();
    }

    private static void check(MirrorWorld w, String which) {
        check(w, which, false);
    }

    private static void check(MirrorWorld w, String which, boolean full) {
        long before = w.oracleChecks;
        String v = w.check(full);
        ORACLE_CHECKS.addAndGet(w.oracleChecks - before);
        if (v != null) {
            throw new AssertionError(v + which);
        }
    }

    @AfterContainer
    static void report() {
        System.out.println("reliability properties ("
                + optionsUnderTest().policy().name() + " policy): " + OPS.get() + " operations in " + SEQUENCES.get()
                + " sequences, " + ORACLE_CHECKS.get() + " oracle checks, 0 violations");
    }
}

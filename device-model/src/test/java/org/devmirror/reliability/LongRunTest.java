package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.sessions.JqwikSession;
import org.devmirror.device.driver.BlindPolicy;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.NonBlockable;
import org.devmirror.device.driver.PolicyResolver;
import org.junit.jupiter.api.Test;

/**
 * The long mode of {@link RandomSequenceTest}: random sequences (one seed per sequence, from
 * {@code -Dreliability.seed}, default 1) until {@code -Dreliability.ops=N} operations ran, every
 * fourth sequence as the three-world differential, or until {@code -Dreliability.seconds=S} have
 * passed, whichever comes first. Without the properties it is a smoke run of
 * {@value #SMOKE_OPS} operations from seed 1, a few seconds in every {@code ./mvnw -B verify}.
 *
 * <p>Sequence {@code i} runs under the {@code i mod n}-th of the n policies of
 * {@link PolicyResolver#shipped()} (the registry, so a policy added there is in the run), or under
 * the one {@code -Ddevmirror.policy=NAME} names ({@code aware}, {@code blind} or a class name; a
 * driver author adds their classes with {@code -Dmaven.test.additionalClasspath=DIR}). The
 * differential compares that policy with the blind one and with itself over the on-heap device
 * page table.
 *
 * <p>Each sequence runs on its own thread for at most {@code -Dreliability.sequenceSeconds}
 * (default 120): one that does not finish is reported with its seed, policy and stack, and ends
 * the run. A failure is reported as found, with its seed, policy, step and oracle or model finding, and
 * then shortened greedily (drop one operation while it still fails, for at most
 * {@code -Dreliability.shrinkSeconds}, default 60) and printed again as a scenario file.
 */
class LongRunTest {
    /** Operations of the smoke run in {@code ./mvnw -B verify}; seeds 1..~37. */
    static final long SMOKE_OPS = 2_000;
    /** How long one try of the shrinker may run; a sequence runs in well under a second. */
    private static final long SHRINK_SEQUENCE_SECONDS = 30;

    @Test
    void longRandomRun() {
        long budget = Long.getLong("reliability.ops", SMOKE_OPS);
        long seed0 = Long.getLong("reliability.seed", 1);
        List<InvalidationPolicy> policies = policiesUnderTest();
        System.out.println("reliability long run under "
                + policies.stream().map(InvalidationPolicy::name).toList());
        JqwikSession.start(); // generators outside a property need a jqwik session
        try {
            longRun(budget, seed0, policies);
        } finally {
            JqwikSession.finish();
        }
    }

    /** The long run's sequences: seed i's sequence is {@code generator().next(new Random(i))}. */
    private static RandomGenerator<List<ModelOp>> generator() {
        return Sequences.sequence(RandomSequenceTest.MAX_LENGTH).generator(1000);
    }

    /** The sequence the long run generates for {@code seed} under {@code policy}, to replay one it reported. */
    static List<ModelOp> sequenceOf(long seed, InvalidationPolicy policy) {
        JqwikSession.start(); // generators outside a property need a jqwik session
        try {
            return withoutUnmodelledReaps(generator().next(new Random(seed)).value(), policy);
        } finally {
            JqwikSession.finish();
        }
    }

    /** The policy {@code -Ddevmirror.policy} names, or every shipped policy in the registry's order. */
    static List<InvalidationPolicy> policiesUnderTest() {
        String named = System.getProperty(RandomSequenceTest.POLICY_PROPERTY);
        if (named != null) {
            return List.of(PolicyResolver.resolve("-D" + RandomSequenceTest.POLICY_PROPERTY, named));
        }
        return List.copyOf(PolicyResolver.shipped().values());
    }

    /**
     * The sequence without its OOM reaps when the policy does not try-lock in a non-blockable
     * invalidation, as lib/test_hmm.c does. The sequences' page model knows the reaper's outcome
     * only for that behaviour: a policy that refuses (drm_gpusvm, mlx5, nouveau) makes
     * {@code __oom_reap_task_mm} skip some VMAs and reap the others, and one that sleeps (amdkfd)
     * breaks the kernel's rule by design. Those behaviours are pinned by their own scenarios
     * (examples/zoo, examples/protocol/oom_reap_*.scn) instead.
     */
    static List<ModelOp> withoutUnmodelledReaps(List<ModelOp> seq, InvalidationPolicy policy) {
        if (policy.nonBlockable() == NonBlockable.TRYLOCK) {
            return seq;
        }
        return seq.stream()
                .filter(op -> !(op instanceof HostOps.Whole w && w.isOomReap()))
                .toList();
    }

    private static void longRun(long budget, long seed0, List<InvalidationPolicy> policies) {
        RandomGenerator<List<ModelOp>> gen = generator();
        long ops = 0;
        long sequences = 0;
        long differentials = 0;
        List<String> violations = new ArrayList<>();
        // Distinct kernel findings per policy (summed over sequences), and the sequences that had any.
        Map<String, long[]> kernelByPolicy = new LinkedHashMap<>();
        long start = System.nanoTime();
        long deadline = start + Long.getLong("reliability.seconds", Long.MAX_VALUE / 2_000_000_000L) * 1_000_000_000L;
        long sequenceSeconds = Long.getLong("reliability.sequenceSeconds", 120);
        for (long seed = seed0; ops < budget && System.nanoTime() - deadline < 0; seed++) {
            InvalidationPolicy policy = policies.get((int) (sequences % policies.size()));
            List<ModelOp> seq =
                    withoutUnmodelledReaps(gen.next(new Random(seed)).value(), policy);
            boolean differential = seed % 4 == 0;
            MirrorOptions options = MirrorOptions.forPolicy(policy);
            Guarded outcome = runGuarded(seq, options, differential, sequenceSeconds);
            String failure = outcome.failure();
            if (outcome.kernelFindings() > 0) {
                long[] k = kernelByPolicy.computeIfAbsent(policy.name(), n -> new long[2]);
                k[0] += outcome.kernelFindings();
                k[1]++;
            }
            ops += seq.size();
            sequences++;
            differentials += differential ? 1 : 0;
            if (sequences % 250 == 0) { // partial figures survive a run cut short
                System.out.printf(
                        "reliability long run: %d operations, %d sequences, last seed %d, %.0f s, %d violations so far%n",
                        ops, sequences, seed, (System.nanoTime() - start) / 1e9, violations.size());
            }
            if (failure != null) {
                String found = "seed " + seed + " (" + options.policy().name() + (differential ? ", differential" : "")
                        + "), " + failure;
                System.out.println("VIOLATION " + found);
                if (outcome.stuck()) {
                    // The stuck thread cannot be stopped and holds a core: the run ends here, and
                    // shrinking would only get stuck again.
                    violations.add(found);
                    break;
                }
                List<ModelOp> small = shrink(seq, options, differential);
                String again = runOnce(small, options, differential);
                violations.add(found + "\nshortened to " + small.size() + " operations: "
                        + (again == null ? "(did not fail again)" : again));
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "reliability long run: %d operations, %d sequences (%d differential), seeds %d..%d, %.0f s,"
                        + " %.0f operations/s, %d violations%n",
                ops, sequences, differentials, seed0, seed0 + sequences - 1, secs, ops / secs, violations.size());
        kernelByPolicy.forEach((name, k) -> System.out.printf(
                "reliability long run: kernel findings under %s: %d pages in %d sequences%n", name, k[0], k[1]));
        violations.forEach(System.out::println);
        assertEquals(List.of(), violations, () -> violations.size() + " violations; the first:\n" + violations.get(0));
    }

    /**
     * What one guarded sequence did: its finding (null when clean), whether it never finished, and
     * the distinct kernel findings the oracle reported in the world under test.
     */
    record Guarded(String failure, boolean stuck, int kernelFindings) {}

    /**
     * {@link #runOnce} on its own thread, for at most {@code seconds}: a sequence that does not
     * finish (a deadlock, or a livelock such as a device access that faults forever) is reported
     * with its thread's stack instead of hanging the run with no seed to show for it.
     */
    static Guarded runGuarded(List<ModelOp> ops, MirrorOptions options, boolean differential, long seconds) {
        Set<String> kernel = new HashSet<>(); // filled by the runner, read after get()
        FutureTask<String> task = new FutureTask<>(() -> runOnce(ops, options, differential, kernel::add));
        Thread runner = Thread.ofPlatform().daemon().name("long-run-sequence").start(task);
        try {
            String failure = task.get(seconds, TimeUnit.SECONDS);
            return new Guarded(failure, false, kernel.size());
        } catch (TimeoutException e) {
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement f : runner.getStackTrace()) {
                stack.append("\n\tat ").append(f);
            }
            return new Guarded(
                    "no progress after " + seconds + " s (deadlock or livelock); the sequence was at:" + stack,
                    true,
                    0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a sequence ran", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("runOnce reports failures, it does not throw them", e.getCause());
        }
    }

    /** Runs one sequence; returns the finding of its first failure (step and oracle or model finding), or null. */
    static String runOnce(List<ModelOp> ops, MirrorOptions options, boolean differential) {
        return runOnce(ops, options, differential, k -> {});
    }

    /** {@link #runOnce(List, MirrorOptions, boolean)}, handing the world's kernel findings to {@code kernelFindings}. */
    static String runOnce(
            List<ModelOp> ops, MirrorOptions options, boolean differential, Consumer<String> kernelFindings) {
        try {
            run(ops, options, differential, kernelFindings);
            return null;
        } catch (AssertionError | RuntimeException e) {
            return String.valueOf(e.getMessage());
        }
    }

    private static void run(
            List<ModelOp> ops, MirrorOptions options, boolean differential, Consumer<String> kernelFindings) {
        try (MirrorWorld w = new MirrorWorld(options)) {
            try {
                if (!differential) {
                    RandomSequenceTest.run(w, ops, null);
                    return;
                }
                try (MirrorWorld blind =
                                new MirrorWorld(MirrorOptions.defaults().withPolicy(BlindPolicy.INSTANCE));
                        MirrorWorld onHeap = new MirrorWorld(options.withOffHeapTable(false))) {
                    RandomSequenceTest.run(w, ops, new MirrorWorld[] {blind, onHeap});
                }
            } finally {
                w.kernelFindings().forEach(kernelFindings);
            }
        }
    }

    /**
     * Greedy one-at-a-time removal while the sequence still fails, for at most
     * {@code -Dreliability.shrinkSeconds} (default 60): each try reruns the sequence, so a long
     * sequence can take minutes; past the bound the shortest failing sequence so far is reported.
     */
    private static List<ModelOp> shrink(List<ModelOp> ops, MirrorOptions options, boolean differential) {
        long deadline = System.nanoTime() + Long.getLong("reliability.shrinkSeconds", 60) * 1_000_000_000L;
        List<ModelOp> cur = new ArrayList<>(ops);
        boolean progress = true;
        while (progress && System.nanoTime() - deadline < 0) {
            progress = false;
            for (int i = cur.size() - 1; i >= 0 && System.nanoTime() - deadline < 0; i--) {
                List<ModelOp> shorter = new ArrayList<>(cur);
                shorter.remove(i);
                Guarded g = runGuarded(shorter, options, differential, SHRINK_SEQUENCE_SECONDS);
                if (g.stuck()) {
                    return cur; // a shorter sequence that hangs: stop here, its thread holds a core
                }
                if (g.failure() != null) {
                    cur = shorter;
                    progress = true;
                }
            }
        }
        return cur;
    }
}

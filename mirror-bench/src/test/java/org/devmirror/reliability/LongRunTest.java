package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.sessions.JqwikSession;
import org.devmirror.device.driver.BlindPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The long mode of {@link RandomSequenceTest}: {@code -Dreliability.ops=N} runs random
 * sequences (seeded, one seed per sequence, from {@code -Dreliability.seed}, default 1) until N
 * operations ran, every fourth sequence as the three-world differential. A failing sequence is
 * shortened greedily (drop one operation while it still fails, for at most
 * {@code -Dreliability.shrinkSeconds}) and printed as a scenario file with its seed. Skipped unless
 * the property is set.
 *
 * <p>{@code -Ddevmirror.policy=NAME} runs the sequences under another policy ({@code aware} by
 * default; {@code blind} or a class name, see {@code PolicyResolver}); the differential then
 * compares it with the blind policy and with itself over the on-heap device page table. A driver
 * author adds their classes with {@code -Dmaven.test.additionalClasspath=DIR}.
 */
@EnabledIfSystemProperty(named = "reliability.ops", matches = "[0-9]+")
class LongRunTest {
    /** The policy of every world but the blind one. */
    private MirrorOptions options;

    @Test
    void longRandomRun() {
        options = RandomSequenceTest.optionsUnderTest();
        System.out.println("reliability long run under the " + options.policy().name() + " policy");
        long budget = Long.getLong("reliability.ops");
        long seed0 = Long.getLong("reliability.seed", 1);
        JqwikSession.start(); // generators outside a property need a jqwik session
        try {
            longRun(budget, seed0);
        } finally {
            JqwikSession.finish();
        }
    }

    private void longRun(long budget, long seed0) {
        RandomGenerator<List<ModelOp>> gen = Sequences.sequence(RandomSequenceTest.MAX_LENGTH).generator(1000);
        long ops = 0;
        long sequences = 0;
        List<String> violations = new ArrayList<>();
        long start = System.nanoTime();
        for (long seed = seed0; ops < budget; seed++) {
            List<ModelOp> seq = gen.next(new Random(seed)).value();
            boolean differential = seed % 4 == 0;
            String failure = runOnce(seq, differential);
            ops += seq.size();
            sequences++;
            if (sequences % 25 == 0) { // partial figures survive a run cut short
                System.out.printf("reliability long run: %d operations, %d sequences, last seed %d, %.0f s, %d violations so far%n",
                        ops, sequences, seed, (System.nanoTime() - start) / 1e9, violations.size());
            }
            if (failure != null) {
                List<ModelOp> small = shrink(seq, differential);
                violations.add("seed " + seed + ":\n" + runOnceText(small, differential));
                System.out.println("VIOLATION " + violations.get(violations.size() - 1));
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("reliability long run: %d operations, %d sequences, seeds %d..%d, %.0f s, %d violations%n", ops,
                sequences, seed0, seed0 + sequences - 1, secs, violations.size());
        violations.forEach(System.out::println);
        assertEquals(List.of(), violations);
    }

    private String runOnce(List<ModelOp> ops, boolean differential) {
        try {
            run(ops, differential);
            return null;
        } catch (AssertionError | RuntimeException e) {
            return String.valueOf(e.getMessage());
        }
    }

    private String runOnceText(List<ModelOp> ops, boolean differential) {
        String f = runOnce(ops, differential);
        return f == null ? "(did not fail again)" : f;
    }

    private void run(List<ModelOp> ops, boolean differential) {
        try (MirrorWorld w = new MirrorWorld(options)) {
            if (!differential) {
                RandomSequenceTest.run(w, ops, null);
                return;
            }
            try (MirrorWorld blind = new MirrorWorld(MirrorOptions.defaults().withPolicy(BlindPolicy.INSTANCE));
                    MirrorWorld onHeap = new MirrorWorld(options.withOffHeapTable(false))) {
                RandomSequenceTest.run(w, ops, new MirrorWorld[] {blind, onHeap});
            }
        }
    }

    /**
     * Greedy one-at-a-time removal while the sequence still fails, for at most
     * {@code -Dreliability.shrinkSeconds} (default 60): each try reruns the sequence, so a long
     * sequence can take minutes; past the bound the shortest failing sequence so far is reported.
     */
    private List<ModelOp> shrink(List<ModelOp> ops, boolean differential) {
        long deadline = System.nanoTime() + Long.getLong("reliability.shrinkSeconds", 60) * 1_000_000_000L;
        List<ModelOp> cur = new ArrayList<>(ops);
        boolean progress = true;
        while (progress && System.nanoTime() - deadline < 0) {
            progress = false;
            for (int i = cur.size() - 1; i >= 0 && System.nanoTime() - deadline < 0; i--) {
                List<ModelOp> shorter = new ArrayList<>(cur);
                shorter.remove(i);
                if (runOnce(shorter, differential) != null) {
                    cur = shorter;
                    progress = true;
                }
            }
        }
        return cur;
    }
}

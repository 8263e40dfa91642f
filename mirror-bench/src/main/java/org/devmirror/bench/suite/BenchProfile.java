package org.devmirror.bench.suite;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.devmirror.bench.suite.BenchSelection.Timing;

/**
 * How long and how wide {@code ./devmirror bench} runs. Every duration of both profiles is in
 * {@link #timing}, the one place to change them.
 *
 * <p>{@link #QUICK} gives every target of the report a verdict in under five minutes on a quiet
 * 2-core machine: it runs only what the targets and the plots read (each entry's quick runs in
 * {@link BenchRegistry}), one fork each, and measures many short iterations rather than a few
 * long ones. A target is decided when its 99.9% error is under 30% of its value
 * ({@code TargetOutcome}); JMH's error of one fork of n iterations is t(0.9995, n-1) x s / sqrt(n)
 * for iteration standard deviation s, and t(0.9995, 2) = 31.6 made three iterations useless
 * (an error of 18.2 standard deviations), whereas t(0.9995, 14) = 4.14 gives 1.07 at n = 15. With an iteration
 * spread s of 5% a ratio of two benchmarks is then decided to about 8%, and a net figure (a
 * difference of two benchmarks, divided by a third) to about 25% (docs/perf.md, "How to run",
 * has the arithmetic and the time budget). The warm-up stays at a second: C2 must have compiled
 * the 512-PTE loops before anything is measured.
 *
 * <p>{@link #FULL} is the publishable run: every benchmark with every parameter value of its
 * annotations (the replay: every shipped trace; the thread scaling: 1 up to the machine's
 * processors), three forks, five 200 ms warm-up and five 200 ms measurement iterations: about 160
 * average-time runs, so every 100 ms of iteration adds about eight minutes to a run whose spread
 * comes from the forks, not from the iteration length.
 *
 * <p>Both are derived from {@link BenchRegistry}: the quick profile runs each entry's quick runs
 * in registry order, the full profile every entry grouped by {@link TimingKind}, with the kind's
 * timing. Neighbouring runs with the same parameters and timing share one JMH run.
 */
public enum BenchProfile {
    QUICK(1),
    FULL(3);

    private final int forks;

    BenchProfile(int forks) {
        this.forks = forks;
    }

    public int forks() {
        return forks;
    }

    /**
     * The warm-up and measurement of benchmarks of {@code kind} in this profile: every duration of
     * the suite. Quick: average-time benchmarks 4 x 250 ms warm-up and 15 x 100 ms measured,
     * contended ones 15 x 300 ms; RELEASE 30 + 30 single-shot batches; replays 1 + 3. Full:
     * 5 x 200 ms and 5 x 200 ms, contended 5 x 300 ms; 100 + 100 batches; replays 2 + 5; THP
     * migrations 3 + 5 calls.
     *
     * @throws IllegalStateException for a kind the quick profile does not run ({@link TimingKind#inQuick()})
     */
    public Timing timing(TimingKind kind) {
        return switch (this) {
            case QUICK ->
                switch (kind) {
                    case AVERAGE_TIME -> new Timing(4, 250, 15, 100);
                    case CONTENDED -> new Timing(4, 250, 15, 300);
                    case BATCHED -> Timing.singleShot(30, 30);
                    case REPLAY -> Timing.singleShot(1, 3);
                    case MIGRATION ->
                        throw new IllegalStateException(kind + " benchmarks run in the full profile only");
                };
            case FULL ->
                switch (kind) {
                    case AVERAGE_TIME -> new Timing(5, 200, 5, 200);
                    case CONTENDED -> new Timing(5, 200, 5, 300);
                    case BATCHED -> Timing.singleShot(100, 100);
                    case REPLAY -> Timing.singleShot(2, 5);
                    case MIGRATION -> Timing.singleShot(3, 5);
                };
        };
    }

    /** The JMH runs of this profile, in order. */
    public List<BenchSelection> selections() {
        List<BenchSelection> runs = new ArrayList<>();
        switch (this) {
            case QUICK -> {
                for (BenchEntry e : BenchRegistry.entries()) {
                    for (BenchEntry.QuickRun q : e.quick()) {
                        String benchmark = q.methodPrefix().isEmpty() ? e.name() : e.name() + "." + q.methodPrefix();
                        runs.add(new BenchSelection(List.of(benchmark), q.params(), timing(e.timing())));
                    }
                }
            }
            case FULL -> {
                List<BenchEntry> byKind = new ArrayList<>(BenchRegistry.entries());
                byKind.sort(Comparator.comparing(BenchEntry::timing)); // stable: registry order within a kind
                for (BenchEntry e : byKind) {
                    runs.add(new BenchSelection(List.of(e.name()), e.full(), timing(e.timing())));
                }
            }
        }
        return merged(runs);
    }

    /** {@code runs} with each run that has the same parameters and timing as the one before folded into it. */
    private static List<BenchSelection> merged(List<BenchSelection> runs) {
        List<BenchSelection> out = new ArrayList<>();
        for (BenchSelection s : runs) {
            BenchSelection last = out.isEmpty() ? null : out.getLast();
            if (last != null
                    && last.params().equals(s.params())
                    && last.timing().equals(s.timing())) {
                List<String> benchmarks = new ArrayList<>(last.benchmarks());
                benchmarks.addAll(s.benchmarks());
                out.set(out.size() - 1, new BenchSelection(benchmarks, Map.copyOf(s.params()), s.timing()));
            } else {
                out.add(s);
            }
        }
        return List.copyOf(out);
    }
}

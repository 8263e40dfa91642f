package org.devmirror.bench.suite;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * How long and how wide {@code ./devmirror bench} runs.
 *
 * <p>{@link #QUICK} answers the targets table and draws the plots in under five minutes on a
 * 2-core machine: one fork, four 250 ms warm-up and three 200 ms measurement iterations for the
 * average-time benchmarks (the invalidations of 512 PTEs take milliseconds per operation until C2
 * has compiled them, so a shorter warm-up measures the interpreter), and only the parameter values the targets and plots need (every event
 * under both policies on a populated 2 MiB range, CLEAR of 4 KiB, dispatch with 1 Ki and 1 Mi
 * notifiers, the 4 KiB fill, TreeMap at 1 Ki entries, faults of 1 and 512 pages, the host
 * operations with notifications on and off, one trace).
 *
 * <p>{@link #FULL} is the publishable run: every benchmark with every parameter value of its
 * annotations (the replay: every shipped trace), three forks, five 200 ms warm-up and five 200 ms measurement iterations (the
 * benchmarks' own annotations): about 160 average-time runs, so every 100 ms of iteration adds
 * about eight minutes to a run whose spread comes from the forks, not from the iteration length.
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

    /** The JMH runs of this profile, in order. */
    public List<BenchSelection> selections() {
        List<BenchSelection> runs = new ArrayList<>();
        switch (this) {
            case QUICK -> {
                for (BenchEntry e : BenchRegistry.entries()) {
                    for (BenchEntry.QuickRun q : e.quick()) {
                        String benchmark = q.methodPrefix().isEmpty() ? e.name() : e.name() + "." + q.methodPrefix();
                        runs.add(new BenchSelection(
                                List.of(benchmark), q.params(), e.timing().quick()));
                    }
                }
            }
            case FULL -> {
                List<BenchEntry> byKind = new ArrayList<>(BenchRegistry.entries());
                byKind.sort(Comparator.comparing(BenchEntry::timing)); // stable: registry order within a kind
                for (BenchEntry e : byKind) {
                    runs.add(new BenchSelection(
                            List.of(e.name()), e.full(), e.timing().full()));
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

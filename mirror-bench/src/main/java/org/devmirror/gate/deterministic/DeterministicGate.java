package org.devmirror.gate.deterministic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.devmirror.bench.probe.Baseline;
import org.devmirror.bench.probe.BaselineDiff;
import org.devmirror.json.JsonInputException;

/**
 * The deterministic half of the performance gate: measures allocation and work per operation of
 * every hot path with a {@link DeterministicProbe} and compares them, exactly, with the values
 * recorded in the baseline file ({@code perf/baseline.json}).
 *
 * <p>There is no tolerance. Allocation per operation and work counters do not depend on the
 * machine, so a counter of 512 PTE writes that became 513, or 0 B/op that became 24, is a change
 * in behaviour: either a regression, or an intended change whose new values must be recorded with
 * {@link #update()} and reviewed in the same commit.
 *
 * <p>One measurement can still see a one-off allocation on the measuring thread (a class
 * initialised late, a lazily grown array, the JIT's bookkeeping) spread over its operations as a
 * byte or two per operation. So a difference is measured twice: {@link #check()} reports only the
 * values that differ from the baseline in both of two independent measurements (a real change is
 * in every measurement), and {@link #update()} refuses to record a value that the two
 * measurements disagree on. When nothing differs, the probe runs once.
 *
 * <p>Instances are immutable; each call measures anew.
 */
public final class DeterministicGate {

    /**
     * What one gate run saw.
     *
     * @param recorded the baseline as it was in the file (empty when the file did not exist)
     * @param measured the values measured now
     * @param diff     every value that differs
     */
    public record Outcome(Baseline recorded, Baseline measured, BaselineDiff diff) {

        /** Whether every measured value equals its recorded one. */
        public boolean passed() {
            return diff.isEmpty();
        }
    }

    private final Path baselineFile;
    private final DeterministicProbe probe;

    public DeterministicGate(Path baselineFile, DeterministicProbe probe) {
        if (baselineFile == null) {
            throw new IllegalArgumentException("baselineFile=null");
        }
        if (probe == null) {
            throw new IllegalArgumentException("probe=null");
        }
        this.baselineFile = baselineFile;
        this.probe = probe;
    }

    public Path baselineFile() {
        return baselineFile;
    }

    /**
     * Measures now and compares with the recorded baseline.
     *
     * @throws java.nio.file.NoSuchFileException when the baseline file does not exist: a gate
     *         without a baseline would pass everything, so it is bad input, not a pass
     */
    public Outcome check() throws IOException, JsonInputException {
        Baseline recorded = Baseline.load(baselineFile);
        Baseline measured = probe.measure();
        BaselineDiff first = recorded.diff(measured);
        if (first.isEmpty()) {
            return new Outcome(recorded, measured, first);
        }
        Baseline again = probe.measure();
        BaselineDiff second = recorded.diff(again);
        Set<String> firstChanges = new HashSet<>();
        for (BaselineDiff.Change c : first.changes()) {
            firstChanges.add(c.check() + '\n' + c.metric());
        }
        List<BaselineDiff.Change> persistent = new ArrayList<>();
        for (BaselineDiff.Change c : second.changes()) {
            if (firstChanges.contains(c.check() + '\n' + c.metric())) {
                persistent.add(c);
            }
        }
        return new Outcome(recorded, again, new BaselineDiff(persistent));
    }

    /**
     * Measures now, twice, and records the values as the new baseline, replacing the file (or
     * creating it); the outcome's diff is what changed, for the caller to show.
     *
     * @throws IllegalStateException when the two measurements disagree; the file is left as it was
     */
    public Outcome update() throws IOException, JsonInputException {
        Baseline recorded = Files.exists(baselineFile) ? Baseline.load(baselineFile) : Baseline.empty();
        Baseline measured = probe.measure();
        BaselineDiff unstable = measured.diff(probe.measure());
        if (!unstable.isEmpty()) {
            throw new IllegalStateException("two measurements disagree, so nothing was recorded; these values "
                    + "are not reproducible (run again on a quieter machine, or fix the probe):\n"
                    + unstable.toTable());
        }
        measured.save(baselineFile);
        return new Outcome(recorded, measured, recorded.diff(measured));
    }
}

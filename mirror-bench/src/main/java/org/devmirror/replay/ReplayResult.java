package org.devmirror.replay;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.DeviceWork;
import org.devmirror.trace.SyscallKind;

/**
 * What one replay of a trace under one policy did.
 *
 * @param policy            the invalidation policy's name
 * @param replayed          calls replayed, indexed by {@link SyscallKind#ordinal()}
 * @param skipped           calls and lines left out, by reason: the strace reader's
 *                          ({@code FAILED}, {@code MALFORMED}, ...) and the replay's ({@link ReplaySkip})
 * @param skippedByName     calls left out, by syscall name
 * @param skipSamples       the first skips in full (line, reason, detail)
 * @param diverged          replayed calls the host answered differently from the trace
 * @param divergenceSamples the first of them, described (line, call, host answer, traced answer)
 * @param events            invalidations the host raised, indexed by {@link MmuNotifierEvent#ordinal()}
 * @param work              device work summed over every mirror of every process
 * @param refaults          device faults on pages the same mirror had mapped before (lost to an invalidation)
 * @param cpuPagesWritten   pages the model's CPU wrote
 * @param cpuWriteErrors    CPU writes of the model the host refused (out of frames: the host is too small)
 * @param peakFrames        most physical frames in use after any call
 * @param deviceTouches     page touches the model's devices made
 * @param oracleChecks      oracle checks run (one per mirror after every replayed call)
 * @param oracleViolations  violations found
 * @param violationSamples  the first violations, described
 * @param latency           per event, the time of each host call that raised it (nanoseconds)
 */
// EnumOrdinal: the arrays are indexed by ordinal() and never leave the process. ArrayRecordComponent:
// they are read by index and a result is never compared or hashed, so array identity in equals()
// does not matter.
@SuppressWarnings({"EnumOrdinal", "ArrayRecordComponent"})
public record ReplayResult(
        String policy,
        long[] replayed,
        Map<String, Long> skipped,
        Map<String, Long> skippedByName,
        List<SkipSample> skipSamples,
        long diverged,
        List<String> divergenceSamples,
        long[] events,
        DeviceWork work,
        long refaults,
        long cpuPagesWritten,
        long cpuWriteErrors,
        long peakFrames,
        long deviceTouches,
        long oracleChecks,
        long oracleViolations,
        List<String> violationSamples,
        Histogram[] latency) {
    public ReplayResult {
        replayed = replayed.clone();
        skipped = Map.copyOf(skipped);
        skippedByName = Map.copyOf(skippedByName);
        skipSamples = List.copyOf(skipSamples);
        divergenceSamples = List.copyOf(divergenceSamples);
        events = events.clone();
        violationSamples = List.copyOf(violationSamples);
        latency = latency.clone();
    }

    /** One line or call left out: where, why ({@code SkipReason} or {@link ReplaySkip} name), and what. */
    @SuppressWarnings(
            "ArrayRecordComponent") // its arrays are read by index and the record is never compared or hashed, so array
    // identity in equals() does not matter
    public record SkipSample(long line, String reason, String detail) {}

    /** Calls replayed of {@code kind}. */
    public long replayed(SyscallKind kind) {
        return replayed[kind.ordinal()];
    }

    /** Calls replayed, all kinds. */
    public long replayedTotal() {
        long sum = 0;
        for (long n : replayed) {
            sum += n;
        }
        return sum;
    }

    /** Lines and calls left out, all reasons. */
    public long skippedTotal() {
        long sum = 0;
        for (long n : skipped.values()) {
            sum += n;
        }
        return sum;
    }

    /** Invalidations of {@code event} the host raised. */
    public long events(MmuNotifierEvent event) {
        return events[event.ordinal()];
    }

    /** The latency histogram of {@code event} (empty when the event never happened). */
    public Histogram latency(MmuNotifierEvent event) {
        return latency[event.ordinal()];
    }

    /** True when the oracle found nothing wrong. */
    public boolean oracleClean() {
        return oracleViolations == 0;
    }
}

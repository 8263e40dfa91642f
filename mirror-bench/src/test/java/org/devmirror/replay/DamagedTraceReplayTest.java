package org.devmirror.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.trace.StraceReader;
import org.devmirror.trace.SyscallKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trace with malformed, truncated and nonsensical lines replays what it can and reports the
 * rest, never crashing; calls the kernel accepts as no-ops replay as no-ops.
 */
class DamagedTraceReplayTest {
    @TempDir
    Path dir;

    @Test
    void malformedAndTruncatedLinesAreSkippedAndTheRestReplays() throws IOException {
        // 1. A short trace: good calls among garbage, a call cut off mid-line, a resumed half
        //    without its start, an unaligned munmap the kernel would refuse, and a final line
        //    truncated by a killed strace.
        Path trace = write("""
                100 brk(NULL)                           = 0x555555560000
                100 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000
                this is not strace output
                100 mmap(NULL, 8192, PROT_READ
                100 <... munmap resumed>) = 0
                100 munmap(0x7f0000000123, 4096) = 0
                100 mprotect(0x7f0000000000, 16384, PROT_READ) = 0
                100 brk(0x555555581000)                 = 0x555555581000
                100 madvise(0x7f0000004000, 8192, MADV_DONTNEED) = 0
                100 munmap(0x7f0000000000, 65536) = 0
                100 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYM""");

        // 2. Replay it under both policies.
        List<ReplayResult> results = TraceReplay.replay(
                trace,
                List.of(PolicyResolver.resolve("policy", "aware"), PolicyResolver.resolve("policy", "blind")),
                ShippedTracesReplayTest.TEST_MODEL);

        for (ReplayResult r : results) {
            // 3. The good calls replayed: two brk, one mmap, mprotect, madvise, munmap.
            assertEquals(2, r.replayed(SyscallKind.BRK), r::toString);
            assertEquals(1, r.replayed(SyscallKind.MMAP), r::toString);
            assertEquals(1, r.replayed(SyscallKind.MPROTECT), r::toString);
            assertEquals(1, r.replayed(SyscallKind.MADVISE), r::toString);
            assertEquals(1, r.replayed(SyscallKind.MUNMAP), r::toString);
            // 4. Every damaged line is counted with a reason, and the unaligned munmap is a bad range.
            assertEquals(1L, r.skipped().get(ReplaySkip.BAD_RANGE.name()), r.skipped()::toString);
            long readerSkips = r.skippedTotal() - 1;
            assertTrue(
                    readerSkips >= 4,
                    () -> "garbage, cut-off call, orphan resumed half, truncated last line: " + r.skipped());
            assertTrue(r.skipSamples().stream().anyMatch(s -> s.line() == 3), r.skipSamples()::toString);
            assertTrue(r.skipSamples().stream().anyMatch(s -> s.line() == 11), r.skipSamples()::toString);
            // 5. What replayed raised its invalidations, and the oracle stayed clean.
            assertEquals(1, r.events(MmuNotifierEvent.PROTECTION_VMA));
            assertEquals(1, r.events(MmuNotifierEvent.CLEAR));
            assertTrue(r.oracleClean(), r.violationSamples()::toString);
        }
    }

    /**
     * A zero-length {@code mprotect} or {@code madvise} at a page boundary succeeds and does
     * nothing in the kernel (do_mprotect_pkey, do_madvise), so the replay does nothing too and
     * calls it replayed, not a bad range; a zero-length {@code munmap} is EINVAL in the kernel and
     * stays a bad range when a trace claims it succeeded.
     */
    @Test
    void zeroLengthMprotectAndMadviseAreNoOpsAndZeroLengthMunmapIsABadRange() throws IOException {
        // 1. One mapping, then the three zero-length calls (the MADV_POPULATE_WRITE probe every
        //    JDK 25 start makes, with a modelled advice so it is not left out for its advice).
        Path trace = write("""
                100 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000
                100 madvise(NULL, 0, MADV_DONTNEED) = 0
                100 madvise(NULL, 0, MADV_POPULATE_WRITE) = 0
                100 mprotect(0x7f0000000000, 0, PROT_READ) = 0
                100 munmap(0x7f0000000000, 0) = 0
                """);

        // 2. Replay it.
        ReplayResult r = TraceReplay.replay(
                StraceReader.readAll(trace),
                PolicyResolver.resolve("policy", "aware"),
                ShippedTracesReplayTest.TEST_MODEL);

        // 3. The empty madvise and mprotect replayed as the kernel's no-ops: nothing diverged, nothing raised.
        assertEquals(1, r.replayed(SyscallKind.MADVISE), r::toString);
        assertEquals(1, r.replayed(SyscallKind.MPROTECT), r::toString);
        assertEquals(0, r.diverged(), r::toString);
        assertEquals(0, r.events(MmuNotifierEvent.PROTECTION_VMA), r::toString);
        // 4. The probe's advice is not modelled whatever its range; the empty munmap is a bad range.
        assertEquals(1L, r.skipped().get(ReplaySkip.UNMODELLED_ADVICE.name()), r.skipped()::toString);
        assertEquals(1L, r.skipped().get(ReplaySkip.BAD_RANGE.name()), r.skipped()::toString);
        assertEquals(0L, r.skipped().getOrDefault(ReplaySkip.HOST_REJECTED.name(), 0L), r.skipped()::toString);
    }

    private Path write(String text) throws IOException {
        Path trace = dir.resolve("trace.strace");
        Files.writeString(trace, text);
        return trace;
    }
}

package org.devmirror.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.trace.SyscallKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A trace with malformed, truncated and nonsensical lines replays what it can and reports the rest, never crashing. */
class DamagedTraceReplayTest {
    @TempDir
    Path dir;

    @Test
    void malformedAndTruncatedLinesAreSkippedAndTheRestReplays() throws IOException {
        // 1. A short trace: good calls among garbage, a call cut off mid-line, a resumed half
        //    without its start, an unaligned munmap the kernel would refuse, and a final line
        //    truncated by a killed strace.
        Path trace = dir.resolve("damaged.strace");
        Files.writeString(trace, """
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
        List<ReplayResult> results = TraceReplay.replay(trace,
                List.of(PolicyResolver.resolve("policy", "aware"), PolicyResolver.resolve("policy", "blind")), ShippedTracesReplayTest.TEST_MODEL);

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
            assertTrue(readerSkips >= 4, () -> "garbage, cut-off call, orphan resumed half, truncated last line: "
                    + r.skipped());
            assertTrue(r.skipSamples().stream().anyMatch(s -> s.line() == 3), r.skipSamples()::toString);
            assertTrue(r.skipSamples().stream().anyMatch(s -> s.line() == 11), r.skipSamples()::toString);
            // 5. What replayed raised its invalidations, and the oracle stayed clean.
            assertEquals(1, r.events(MmuNotifierEvent.PROTECTION_VMA));
            assertEquals(1, r.events(MmuNotifierEvent.CLEAR));
            assertTrue(r.oracleClean(), r.violationSamples()::toString);
        }
    }
}

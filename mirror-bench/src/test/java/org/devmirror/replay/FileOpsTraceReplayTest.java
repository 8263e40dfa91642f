package org.devmirror.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.trace.StraceReader;
import org.devmirror.trace.SyscallKind;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * examples/traces/file-ops/file-ops.strace (captured with -e trace=memory,process,ioctl,ftruncate,fallocate):
 * its ftruncate, fallocate(PUNCH_HOLE) and madvise(MADV_REMOVE) lines are replayed as host file
 * operations, each raising CLEAR in the mapping of the file, with the oracle clean; the same trace
 * without those lines replays too.
 */
class FileOpsTraceReplayTest {
    private static final Path TRACE = Path.of("..", "examples", "traces", "file-ops", "file-ops.strace");

    @ParameterizedTest
    @ValueSource(strings = {"aware", "blind"})
    @Timeout(60)
    void fileCallsAreReplayedWithTheOracleClean(String policy) throws IOException {
        ReplayResult r = TraceReplay.replay(
                StraceReader.readAll(TRACE),
                PolicyResolver.resolve("policy", policy),
                ShippedTracesReplayTest.TEST_MODEL);
        // 1. Two ftruncate and one fallocate were replayed, none skipped.
        assertEquals(2, r.replayed(SyscallKind.TRUNCATE), r.toString());
        assertEquals(1, r.replayed(SyscallKind.FALLOCATE));
        assertEquals(0, r.skippedTotal(), r.skipped().toString());
        // 2. The oracle checked every mirror after every call and found nothing.
        assertTrue(r.oracleChecks() > 0);
        assertTrue(r.oracleClean(), r.violationSamples().toString());
        // 3. The program's only CLEARs are the file calls' (the hole punch, MADV_REMOVE and the
        //    shrinking ftruncate's two unmaps of the one mapping): without those lines it replays
        //    just as cleanly and raises none.
        ReplayResult without = TraceReplay.replay(
                withoutFileCalls(), PolicyResolver.resolve("policy", policy), ShippedTracesReplayTest.TEST_MODEL);
        assertEquals(0, without.replayed(SyscallKind.TRUNCATE) + without.replayed(SyscallKind.FALLOCATE));
        assertTrue(without.oracleClean(), without.violationSamples().toString());
        assertTrue(r.events(MmuNotifierEvent.CLEAR) > 0);
        assertEquals(0, without.events(MmuNotifierEvent.CLEAR));
        assertEquals(r.replayedTotal() - 4, without.replayedTotal());
    }

    private static StraceReader.Trace withoutFileCalls() throws IOException {
        List<String> lines = Files.readAllLines(TRACE);
        String kept = lines.stream()
                .filter(l -> !l.contains("ftruncate(") && !l.contains("fallocate(") && !l.contains("MADV_REMOVE"))
                .collect(Collectors.joining("\n", "", "\n"));
        try (StraceReader reader = new StraceReader(new StringReader(kept))) {
            List<org.devmirror.trace.Syscall> calls = new java.util.ArrayList<>();
            for (org.devmirror.trace.Syscall call = reader.next(); call != null; call = reader.next()) {
                calls.add(call);
            }
            return new StraceReader.Trace(List.copyOf(calls), reader.stats());
        }
    }
}

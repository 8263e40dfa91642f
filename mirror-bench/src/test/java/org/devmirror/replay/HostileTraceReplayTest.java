package org.devmirror.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.trace.StraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces a careless or hostile user could hand the replay, each of which once crashed it or ran
 * it out of memory; each test is named after its input. A trace never crashes the replay: a line
 * no kernel would print is skipped with a reason, and a trace beyond a documented limit stops
 * with a {@link ReplayLimitException} naming the line.
 */
class HostileTraceReplayTest {
    @TempDir
    Path dir;

    private List<ReplayResult> replay(String text) throws IOException {
        Path trace = dir.resolve("hostile.strace");
        Files.writeString(trace, text);
        return TraceReplay.replay(
                trace, List.of(PolicyResolver.resolve("policy", "aware")), ShippedTracesReplayTest.TEST_MODEL);
    }

    @Test
    void execveAndExecveatWithTooFewArgumentsAreSkippedAsMalformed() throws IOException {
        // Was: ArrayIndexOutOfBoundsException from the strace reader, and exit 3 from replay (found by
        // InputPropertyTest).
        Path trace = dir.resolve("execve-no-args.strace");
        Files.writeString(trace, """
                7 execve() = 0
                7 execveat(3) = 0
                7 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000
                """);
        StraceReader.Trace t = StraceReader.readAll(trace);
        assertEquals(1, t.calls().size());
        assertEquals(2L, t.stats().skipped(org.devmirror.trace.SkipReason.MALFORMED));
        ReplayResult r = TraceReplay.replay(
                        trace, List.of(PolicyResolver.resolve("policy", "aware")), ShippedTracesReplayTest.TEST_MODEL)
                .get(0);
        assertTrue(r.oracleClean());
    }

    @Test
    void forkCloneVforkAndClone3ReturningTheCallersOwnPidAreSkipped() throws IOException {
        // Was: IllegalStateException (the caller's space was torn down, then forked).
        ReplayResult r = replay("""
                7 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000
                7 fork() = 7
                7 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 7
                7 vfork() = 7
                7 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f0000001000, stack_size=0x9000}, 88) = 7
                7 munmap(0x7f0000000000, 16384) = 0
                7 exit_group(0) = ?
                """).get(0);
        assertEquals(4L, r.skipped().get(ReplaySkip.CHILD_IS_CALLER.name()), r.skipped()::toString);
        assertTrue(r.oracleClean());
    }

    @Test
    void twentyThousandProcessesThatNeverExitStopAtTheLiveSpaceLimit() throws IOException {
        // Was: an off-heap OutOfMemoryError. The replay keeps at most MAX_LIVE_SPACES alive and
        // says at which line the trace went past it.
        StringBuilder text = new StringBuilder(
                "1 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n");
        for (int i = 0; i < 20_000; i++) {
            text.append(
                            "1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = ")
                    .append(100 + i)
                    .append('\n');
        }
        ReplayLimitException e = assertTimeoutPreemptively(
                Duration.ofMinutes(2), () -> assertThrows(ReplayLimitException.class, () -> replay(text.toString())));
        // the traced program's own space is the first; clone line n makes space n + 1
        assertEquals(TraceReplay.MAX_LIVE_SPACES + 1, e.line());
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "a new address space here would make 4097 live at once, each mirrored by 1 device(s);"),
                e.getMessage());
    }

    @Test
    void processesThatExitFreeTheirPlaceUnderTheLimit() throws IOException {
        // More children than the limit, in turn, each exiting before the next is made: never more than two alive.
        StringBuilder text = new StringBuilder(
                "1 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n");
        for (int i = 0; i < TraceReplay.MAX_LIVE_SPACES + 100; i++) {
            int child = 100 + i;
            text.append("1 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f0000000a10) = ")
                    .append(child)
                    .append('\n')
                    .append(child)
                    .append(" exit_group(0) = ?\n");
        }
        ReplayResult r = assertTimeoutPreemptively(
                Duration.ofMinutes(2), () -> replay(text.toString()).get(0));
        assertTrue(r.oracleClean());
    }

    @Test
    void aTraceOverTheSizeLimitIsRefusedWhileReading() throws IOException {
        Path big = dir.resolve("big.strace");
        try (var out = Files.newOutputStream(big)) {
            byte[] line = "1 munmap(0x7f0000000000, 4096) = 0\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (long written = 0; written <= StraceReader.MAX_FILE_BYTES; written += line.length) {
                out.write(line);
            }
        }
        IOException e = assertThrows(IOException.class, () -> StraceReader.readAll(big));
        assertEquals(big + ": larger than 67108864 bytes, the limit of a trace (docs/limits.md)", e.getMessage());
    }
}

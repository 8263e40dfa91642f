package org.devmirror.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The real traces shipped in examples/traces decode completely: nothing malformed, nothing left dangling. */
class CapturedTracesTest {
    private static final Path SHIPPED = Path.of("..", "examples", "traces");

    static Stream<Path> shippedTraces() throws IOException {
        List<String> names = ShippedTraces.names(SHIPPED);
        assertTrue(names.size() >= 3, "examples/traces holds the captured traces");
        return names.stream().map(name -> ShippedTraces.file(SHIPPED, name));
    }

    @ParameterizedTest
    @MethodSource("shippedTraces")
    void shippedTraceDecodesWithoutMalformedOrDanglingLines(Path trace) throws IOException {
        assertDecodesCleanly(trace);
    }

    @Test
    void pythonTraceForksChildrenWithTheirOwnAddressSpaces() throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("python-json.strace"));
        List<Syscall.Clone> clones = ofType(trace, Syscall.Clone.class);
        assertTrue(!clones.isEmpty() && clones.stream().noneMatch(Syscall.Clone::sharesAddressSpace));
        assertTrue(trace.stats().skipped(SkipReason.FAILED) > 0, "PATH search fails execve with ENOENT");
        assertEquals(trace.stats().parsed(SyscallKind.EXECVE), ofType(trace, Syscall.Execve.class).size());
    }

    @Test
    void gccTraceVforksIntoTheParentsAddressSpace() throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("gcc-hello.strace"));
        List<Syscall.Clone> clones = ofType(trace, Syscall.Clone.class);
        assertTrue(clones.stream().anyMatch(c -> c.name().equals("vfork") && c.sharesAddressSpace()));
    }

    @Test
    void javaTraceStartsThreadsThatShareTheAddressSpace() throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("java-version.strace"));
        List<Syscall.Clone> threads = ofType(trace, Syscall.Clone.class);
        assertTrue(threads.size() > 5 && threads.stream().allMatch(Syscall.Clone::sharesAddressSpace));
        assertTrue(trace.stats().parsed(SyscallKind.MADVISE) > 0);
    }

    @Test
    void timestampTraceHasNoPidColumn() throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("ls-timestamps.strace"));
        assertTrue(trace.calls().stream().allMatch(c -> c.pid() == Syscall.NO_PID));
        assertTrue(trace.stats().parsed(SyscallKind.MMAP) > 10);
    }

    private static void assertDecodesCleanly(Path file) throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(file);
        TraceStats stats = trace.stats();
        assertEquals(0, stats.skipped(SkipReason.MALFORMED), () -> file + ": " + stats.samples());
        assertEquals(0, stats.skipped(SkipReason.UNFINISHED), () -> file + ": " + stats.samples());
        assertEquals(0, stats.skipped(SkipReason.ORPHAN_RESUMED), () -> file + ": " + stats.samples());
        assertTrue(stats.parsed(SyscallKind.MMAP) > 0 && stats.parsed(SyscallKind.PROCESS_END) > 0, stats::toString);
        assertEquals(trace.calls().size(), stats.parsedTotal());
        // every line is accounted for: a record's first line, a skip, a blank line, or a resumed half
        assertTrue(stats.parsedTotal() + stats.skippedTotal() <= stats.lines());
    }

    private static <T extends Syscall> List<T> ofType(StraceReader.Trace trace, Class<T> type) {
        return trace.calls().stream().filter(type::isInstance).map(type::cast).toList();
    }
}

package org.devmirror.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
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
        try (Stream<Path> files = Files.list(SHIPPED)) {
            List<Path> traces = files.filter(p -> p.toString().endsWith(".strace")).sorted().toList();
            assertTrue(traces.size() >= 3, "examples/traces holds the captured traces");
            return traces.stream();
        }
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

    /**
     * uffd-wp.strace (strace 6.1, -e trace=memory,process,ioctl,...): UFFDIO_API, both
     * UFFDIO_REGISTERs and UFFDIO_UNREGISTER come with their structs and decode; UFFDIO_WRITEPROTECT
     * (a pointer) and PAGEMAP_SCAN and UFFDIO_MOVE (raw _IOC numbers) do not, and are skipped
     * under their names.
     */
    @Test
    void uffdTraceDecodesTheIoctlsStracePrintsWithTheirStructs() throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("uffd-wp.strace"));
        List<Syscall.Ioctl> ioctls = ofType(trace, Syscall.Ioctl.class);
        assertEquals(List.of("UFFDIO_API", "UFFDIO_REGISTER", "UFFDIO_REGISTER", "UFFDIO_UNREGISTER"),
                ioctls.stream().map(Syscall.Ioctl::request).toList());
        assertEquals(0xa000, ioctls.get(0).arg("features"), "WP_UNPOPULATED | WP_ASYNC, printed as a number by strace 6.1");
        Syscall.Ioctl register = ioctls.get(1);
        assertEquals(0x10000, register.arg("range.len"));
        assertEquals(2, register.arg("mode"), "UFFDIO_REGISTER_MODE_WP");
        assertEquals(register.arg("range.start"), ioctls.get(3).arg("start"), "the same buffer is unregistered");
        assertEquals(4, trace.stats().skipped(SkipReason.UNDECODED_ARGUMENT), trace.stats()::toString);
        List<String> undecoded = trace.stats().samples().stream().filter(k -> k.reason() == SkipReason.UNDECODED_ARGUMENT)
                .map(k -> k.detail().split(" ")[1]).toList();
        assertEquals(List.of("UFFDIO_WRITEPROTECT", "PAGEMAP_SCAN", "UFFDIO_WRITEPROTECT", "UFFDIO_MOVE"), undecoded);
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

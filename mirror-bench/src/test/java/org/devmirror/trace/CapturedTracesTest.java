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
import org.junit.jupiter.params.provider.ValueSource;

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
        assertEquals(
                trace.stats().parsed(SyscallKind.EXECVE),
                ofType(trace, Syscall.Execve.class).size());
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

    @Test
    void redisTraceForksOneSnapshotChildThatDropsPagesItHasSaved() throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("redis-bgsave.strace"));
        List<Syscall.Clone> forks = ofType(trace, Syscall.Clone.class).stream()
                .filter(c -> !c.sharesAddressSpace())
                .toList();
        assertEquals(1, forks.size(), "one BGSAVE fork: " + forks);
        int child = forks.getFirst().childPid();
        assertTrue(
                ofType(trace, Syscall.Madvise.class).stream()
                        .anyMatch(m -> m.pid() == child && m.advice() == LinuxMm.MADV_DONTNEED),
                "the child's dismissed pages");
    }

    @Test
    void postgresTraceForksAuxiliaryProcessesAndABackendPerConnection() throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("postgres-pgbench.strace"));
        long forks = ofType(trace, Syscall.Clone.class).stream()
                .filter(c -> !c.sharesAddressSpace())
                .count();
        assertTrue(forks >= 10, "forks: " + forks);
        // the buffer pool: one large shared anonymous mapping every process inherits
        assertTrue(ofType(trace, Syscall.Mmap.class).stream()
                .anyMatch(m -> m.isShared() && m.isAnonymous() && m.length() >= 64L << 20));
    }

    @Test
    void g1TraceUncommitsTheHeapByMappingProtNoneOverIt() throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("jvm-g1-uncommit.strace"));
        int uncommit = LinuxMm.MAP_PRIVATE | LinuxMm.MAP_FIXED | LinuxMm.MAP_ANONYMOUS | LinuxMm.MAP_NORESERVE;
        long uncommits = ofType(trace, Syscall.Mmap.class).stream()
                .filter(m -> m.prot() == LinuxMm.PROT_NONE && m.flags() == uncommit)
                .count();
        assertTrue(uncommits >= 20, "os::pd_uncommit_memory mappings: " + uncommits);
    }

    @Test
    void numpyTraceMapsLargeArraysWithHugePageAdvice() throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("numpy-arrays.strace"));
        assertTrue(ofType(trace, Syscall.Mmap.class).stream()
                        .filter(m -> m.length() >= 64L << 20)
                        .count()
                >= 3);
        assertTrue(ofType(trace, Syscall.Munmap.class).stream()
                        .filter(m -> m.length() >= 64L << 20)
                        .count()
                >= 3);
        assertTrue(ofType(trace, Syscall.Madvise.class).stream()
                        .filter(m -> m.advice() == LinuxMm.MADV_HUGEPAGE)
                        .count()
                >= 3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres-pgbench", "jvm-zgc-uncommit", "shm-uffd"})
    void emitterTracesCarryFtruncateAndFallocateLinesTheReaderAccountsFor(String name) throws IOException {
        // These traces were taken with -e trace=memory,process,ioctl,ftruncate,fallocate: whatever
        // the reader makes of those calls, each of their lines is a call or a named skip, never malformed.
        Path file = ShippedTraces.file(SHIPPED, name);
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" ftruncate(")), name);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" fallocate(")), name);
        StraceReader.Trace trace = StraceReader.readAll(file);
        assertEquals(
                0,
                trace.stats().skipped(SkipReason.MALFORMED),
                () -> name + ": " + trace.stats().samples());
    }

    @Test
    void uffdTraceHasItsUserfaultfdIoctlsAndMapsTheSharedFileItPunches() throws IOException {
        List<String> lines = Files.readAllLines(SHIPPED.resolve("shm-uffd.strace"));
        for (String ioctl : List.of("UFFDIO_API", "UFFDIO_REGISTER", "UFFDIO_WRITEPROTECT", "UFFDIO_UNREGISTER")) {
            assertTrue(lines.stream().anyMatch(l -> l.contains("ioctl(") && l.contains(ioctl + ",")), ioctl);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("fallocate(") && l.contains("FALLOC_FL_PUNCH_HOLE")));
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("shm-uffd.strace"));
        assertTrue(ofType(trace, Syscall.Mmap.class).stream().anyMatch(m -> m.isShared() && !m.isAnonymous()));
    }

    @Test
    void zgcTraceUncommitsByPunchingHolesInItsSharedHeapFile() throws IOException {
        List<String> lines = Files.readAllLines(SHIPPED.resolve("jvm-zgc-uncommit.strace"));
        assertTrue(lines.stream()
                        .filter(l -> l.contains("fallocate(") && l.contains("FALLOC_FL_PUNCH_HOLE"))
                        .count()
                >= 20);
        StraceReader.Trace trace = StraceReader.readAll(SHIPPED.resolve("jvm-zgc-uncommit.strace"));
        assertTrue(
                ofType(trace, Syscall.Mmap.class).stream()
                        .anyMatch(m -> m.isShared() && !m.isAnonymous() && (m.flags() & LinuxMm.MAP_FIXED) != 0),
                "the heap views: MAP_SHARED|MAP_FIXED of the memfd");
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
        assertEquals(
                List.of("UFFDIO_API", "UFFDIO_REGISTER", "UFFDIO_REGISTER", "UFFDIO_UNREGISTER"),
                ioctls.stream().map(Syscall.Ioctl::request).toList());
        assertEquals(
                0xa000, ioctls.get(0).arg("features"), "WP_UNPOPULATED | WP_ASYNC, printed as a number by strace 6.1");
        Syscall.Ioctl register = ioctls.get(1);
        assertEquals(0x10000, register.arg("range.len"));
        assertEquals(2, register.arg("mode"), "UFFDIO_REGISTER_MODE_WP");
        assertEquals(register.arg("range.start"), ioctls.get(3).arg("start"), "the same buffer is unregistered");
        assertEquals(4, trace.stats().skipped(SkipReason.UNDECODED_ARGUMENT), trace.stats()::toString);
        List<String> undecoded = trace.stats().samples().stream()
                .filter(k -> k.reason() == SkipReason.UNDECODED_ARGUMENT)
                .map(k -> k.detail().split(" ", -1)[1])
                .toList();
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

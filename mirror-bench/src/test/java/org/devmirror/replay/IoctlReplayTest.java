package org.devmirror.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.trace.StraceReader;
import org.devmirror.trace.Syscall;
import org.devmirror.trace.SyscallKind;
import org.junit.jupiter.api.Test;

/**
 * The userfaultfd and PAGEMAP_SCAN ioctls replay when strace decoded their structs: a protect, a
 * write-protecting scan and an un-protect raise PROTECTION_VMA, a move raises CLEAR, and the
 * blind policy stays clean. (The replay's CPU model writes new mappings, so the destination is
 * emptied with MADV_DONTNEED before the move, as a real mover often does.) The trace is written by hand in the struct form strace uses for the
 * ioctls it decodes (the form examples/traces/uffd-wp.strace shows for UFFDIO_REGISTER), since
 * the strace of the capture machine prints WRITEPROTECT, MOVE and PAGEMAP_SCAN as pointers.
 */
class IoctlReplayTest {
    private static final String TRACE = """
            100 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000
            100 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000100000
            100 ioctl(3, UFFDIO_API, {api=0xaa, features=UFFD_FEATURE_WP_UNPOPULATED|UFFD_FEATURE_WP_ASYNC => features=0x1ffff, ioctls=1<<_UFFDIO_API}) = 0
            100 ioctl(3, UFFDIO_REGISTER, {range={start=0x7f0000000000, len=0x10000}, mode=UFFDIO_REGISTER_MODE_WP, ioctls=...}) = 0
            100 ioctl(3, UFFDIO_REGISTER, {range={start=0x7f0000100000, len=0x4000}, mode=UFFDIO_REGISTER_MODE_WP}) = 0
            100 ioctl(3, UFFDIO_WRITEPROTECT, {range={start=0x7f0000000000, len=0x10000}, mode=UFFDIO_WRITEPROTECT_MODE_WP}) = 0
            100 ioctl(4, PAGEMAP_SCAN, {size=96, flags=PM_SCAN_WP_MATCHING|PM_SCAN_CHECK_WPASYNC, start=0x7f0000000000, end=0x7f0000010000, walk_end=0, vec=0x7ffc00000000, vec_len=16, max_pages=0, category_inverted=0, category_mask=PAGE_IS_WRITTEN, category_anyof_mask=0, return_mask=PAGE_IS_WRITTEN} => {walk_end=0x7f0000010000}) = 0
            100 ioctl(3, UFFDIO_WRITEPROTECT, {range={start=0x7f0000000000, len=0x10000}, mode=0}) = 0
            100 madvise(0x7f0000100000, 16384, MADV_DONTNEED) = 0
            100 ioctl(3, UFFDIO_MOVE, {dst=0x7f0000100000, src=0x7f0000000000, len=0x4000, mode=0} => {move=16384}) = 0
            100 ioctl(3, UFFDIO_REGISTER, {range={start=0x7f0000000000, len=0x1000}, mode=UFFDIO_REGISTER_MODE_MISSING}) = 0
            100 ioctl(1, TCGETS, {c_iflag=ICRNL}) = 0
            100 exit_group(0) = ?
            100 +++ exited with 0 +++
            """;

    private static StraceReader.Trace read() throws IOException {
        try (StraceReader reader = new StraceReader(new StringReader(TRACE))) {
            List<Syscall> calls = new ArrayList<>();
            for (Syscall c = reader.next(); c != null; c = reader.next()) {
                calls.add(c);
            }
            return new StraceReader.Trace(List.copyOf(calls), reader.stats());
        }
    }

    @Test
    void decodedIoctlsReplayWithTheirEvents() throws IOException {
        // 1. Every modelled ioctl decodes; TCGETS is not modelled.
        StraceReader.Trace trace = read();
        assertEquals(8, trace.stats().parsed(SyscallKind.IOCTL), trace.stats()::toString);
        Syscall.Ioctl scan = trace.calls().stream()
                .filter(Syscall.Ioctl.class::isInstance)
                .map(Syscall.Ioctl.class::cast)
                .filter(c -> c.request().equals("PAGEMAP_SCAN"))
                .findFirst()
                .orElseThrow();
        assertEquals(3, scan.arg("flags"));
        assertEquals(2, scan.arg("category_mask"));
        // 2. Replayed under the blind policy: the events, no divergence, a clean oracle.
        ReplayResult blind = TraceReplay.replay(
                trace, PolicyResolver.resolve("policy", "blind"), ShippedTracesReplayTest.TEST_MODEL);
        assertEquals(7, blind.replayed(SyscallKind.IOCTL), "the MISSING-mode registration is skipped");
        assertEquals(
                1L,
                blind.skipped().getOrDefault(ReplaySkip.UNMODELLED_MODE.name(), 0L),
                blind.skipped().toString());
        assertEquals(3, blind.events(MmuNotifierEvent.PROTECTION_VMA), "protect, scan, un-protect");
        assertTrue(blind.events(MmuNotifierEvent.CLEAR) >= 1, "the move");
        assertEquals(0, blind.diverged(), blind.divergenceSamples().toString());
        assertTrue(blind.oracleClean(), blind.violationSamples().toString());
    }
}

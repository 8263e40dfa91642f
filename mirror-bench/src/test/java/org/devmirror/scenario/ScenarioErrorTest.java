package org.devmirror.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.devmirror.scenario.syntax.ParseError;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every parse error names its file, line and offending token, and all errors of a file are reported. */
class ScenarioErrorTest {
    private static final String PRELUDE = """
            device gpu
            file data 4p
            buf = mmap 16p rw private anon
            """;

    /** (lines after the prelude, the last one bad; offending token; message). */
    static Stream<Arguments> errors() {
        return Stream.of(
                // lexical
                Arguments.of("munmap buf", "", "missing munmap length at end of line"),
                Arguments.of("munmap buf 4p 4p", "4p", "unexpected '4p' after munmap"),
                Arguments.of(
                        "munmap buf x4K",
                        "x4K",
                        "bad munmap length 'x4K' (expected a number like 4096, 0x1000, 16K, 2M, 1G or 16p)"),
                Arguments.of(
                        "munmap buf 4T",
                        "4T",
                        "bad munmap length '4T' (expected a number like 4096, 0x1000, 16K, 2M, 1G or 16p)"),
                Arguments.of("munmap buf 0", "0", "munmap length '0' is zero"),
                Arguments.of("munmap buf 100", "100", "munmap length '100' is not a multiple of the page size (4096)"),
                Arguments.of(
                        "munmap buf 99999999999G", "99999999999G", "munmap length '99999999999G' overflows 64 bits"),
                Arguments.of(
                        "munmap buf 99999999999999999999",
                        "99999999999999999999",
                        "munmap length '99999999999999999999' overflows 64 bits"),
                Arguments.of("munmap buf+1 4p", "buf+1", "munmap address 'buf+1' is not page aligned"),
                Arguments.of("munmap 0x1001 4p", "0x1001", "munmap address '0x1001' is not page aligned"),
                Arguments.of(
                        "munmap 0x800000000000 4p",
                        "0x800000000000",
                        "munmap address '0x800000000000' is beyond the 47-bit user address space"),
                Arguments.of(
                        "munmap buf+x 4p",
                        "buf+x",
                        "bad munmap address 'buf+x' (expected a number like 4096, 0x1000, 16K, 2M, 1G or 16p)"),
                Arguments.of(
                        "munmap $buf 4p", "$buf", "bad munmap address '$buf' (expected NAME, NAME+OFFSET or a number)"),
                Arguments.of("read buf 0", "0", "read length '0' is zero"),
                Arguments.of("mprotect buf 4p rw-", "rw-", "bad protection 'rw-' (expected none, r, rw, rx or rwx)"),
                Arguments.of(
                        "write buf 4 pattern random", "random", "bad pattern 'random' (expected index or index+N)"),
                Arguments.of(
                        "write buf 4 pattern index+x", "index+x", "bad pattern 'index+x' (expected index or index+N)"),
                Arguments.of("write buf 4 fill 256", "256", "bad byte '256' (expected 0..255, like 0xAB)"),
                Arguments.of("write buf 4 bytes 0g", "0g", "bad byte '0g' (bytes are two hex digits, like 0a or ff)"),
                Arguments.of("write buf 4 bytes", "", "missing byte values after 'bytes' at end of line"),
                Arguments.of(
                        "write buf 4 noise",
                        "noise",
                        "bad data 'noise' (expected pattern index, fill BYTE, zero or bytes HH ...)"),
                Arguments.of(
                        "write buf 4",
                        "",
                        "missing data (pattern index, fill BYTE, zero or bytes HH ...) at end of line"),
                Arguments.of(
                        "write buf 6 pattern index",
                        "pattern",
                        "length 6 is not a multiple of the 4-byte unit of 'pattern'"),
                Arguments.of(
                        "write buf 4 bytes 01 02 03",
                        "bytes",
                        "length 4 is not a multiple of the 3-byte unit of 'bytes'"),
                // step titles and watched ranges
                Arguments.of("step", "", "missing step title at end of line"),
                Arguments.of("watch buf", "", "missing watch length at end of line"),
                Arguments.of("watch buf+1 4p", "buf+1", "watch address 'buf+1' is not page aligned"),
                Arguments.of("watch nobuf 4p", "nobuf", "unknown buffer 'nobuf'"),
                Arguments.of("watch buf 4p 4p", "4p", "unexpected '4p' after watch"),
                Arguments.of("step = mmap 4p rw private anon", "step", "'step' is a keyword and cannot name a buffer"),
                Arguments.of(
                        "watch = mmap 4p rw private anon", "watch", "'watch' is a keyword and cannot name a buffer"),
                // names and spaces
                Arguments.of("frobnicate buf", "frobnicate", "unknown statement 'frobnicate'"),
                Arguments.of("npu read buf 4p", "npu", "unknown device 'npu' (declare it with 'device npu')"),
                Arguments.of("munmap nobuf 4p", "nobuf", "unknown buffer 'nobuf'"),
                Arguments.of("munmap gpu 4p", "gpu", "'gpu' is a device, not a buffer"),
                Arguments.of("writeback buf", "buf", "'buf' is a buffer, not a file"),
                Arguments.of("writeback nofile", "nofile", "unknown file 'nofile'"),
                Arguments.of("space nowhere", "nowhere", "unknown address space 'nowhere'"),
                Arguments.of("device gpu", "gpu", "'gpu' is already a device (defined on line 1)"),
                Arguments.of(
                        "device 9gpu",
                        "9gpu",
                        "bad device name '9gpu' (names are letters, digits and '_', not starting with a digit)"),
                Arguments.of("device mmap", "mmap", "'mmap' is a keyword and cannot name a device"),
                Arguments.of(
                        "device npu memory 3", "3", "device memory size '3' is not a multiple of the page size (4096)"),
                Arguments.of("file data 4p", "data", "'data' is already a file (defined on line 2)"),
                Arguments.of("fork main", "main", "'main' is already an address space (predefined)"),
                Arguments.of("fork buf", "buf", "'buf' is already a buffer (defined on line 3)"),
                Arguments.of("gpu = mmap 4p rw private anon", "gpu", "'gpu' is already a device (defined on line 1)"),
                Arguments.of(
                        "9x = mmap 4p rw private anon",
                        "9x",
                        "bad buffer name '9x' (names are letters, digits and '_', not starting with a digit)"),
                Arguments.of(
                        "x = munmap buf 4p", "munmap", "only mmap and mremap return an address to bind, not 'munmap'"),
                Arguments.of("read = mmap 4p rw private anon", "read", "'read' is a keyword and cannot name a buffer"),
                Arguments.of("munmap main 4p", "main", "'main' is an address space, not a buffer"),
                Arguments.of("x =", "", "missing 'mmap' or 'mremap' after 'x =' at end of line"),
                Arguments.of(
                        "fork c\nspace c\nexit\nread buf 4",
                        "read",
                        "'read' in address space 'c', which exited on line 6 (select another with 'space NAME')"),
                Arguments.of(
                        "exit\ngpu read buf 4p",
                        "gpu read",
                        "'gpu read' in address space 'main', which exited on line 4 (select another with 'space NAME')"),
                // host operations
                Arguments.of("mmap 4p rw anon", "", "mmap needs 'private' or 'shared'"),
                Arguments.of("mmap 4p private anon", "", "mmap needs a protection (none, r, rw, rx or rwx)"),
                Arguments.of("mmap 4p rw private", "", "mmap needs 'anon' or 'file NAME'"),
                Arguments.of("mmap 4p rw r private anon", "r", "'r' repeats or conflicts with an earlier protection"),
                Arguments.of(
                        "mmap 4p rw private shared anon",
                        "shared",
                        "'shared' repeats or conflicts with an earlier 'private' or 'shared'"),
                Arguments.of(
                        "mmap 4p rw private anon file data",
                        "file",
                        "'file' repeats or conflicts with an earlier 'anon' or 'file'"),
                Arguments.of(
                        "mmap 4p rw private anon offset 4p",
                        "offset",
                        "'offset' needs 'file NAME' (anonymous mappings have no offset)"),
                Arguments.of(
                        "mmap 4p rw private file data offset 5",
                        "5",
                        "file offset '5' is not a multiple of the page size (4096)"),
                Arguments.of("mmap 4p rw private anon fixed", "fixed", "'fixed' needs 'at ADDR'"),
                Arguments.of(
                        "mmap 2M rw shared anon hugetlb",
                        "hugetlb",
                        "'hugetlb' needs 'private anon' (MAP_HUGETLB is modelled for private anonymous memory only)"),
                Arguments.of(
                        "device npu memory 16M coherent\ndevice tpu memory 2M coherent",
                        "coherent",
                        "device tpu brings the devices' coherent memory to 18 MiB, beyond the limit of 16 MiB (coherent memory is taken from the host's RAM; docs/limits.md)"),
                Arguments.of(
                        "mmap 4p rw private anon sparkly",
                        "sparkly",
                        "bad mmap option 'sparkly' (expected none, r, rw, rx, rwx, private, shared, anon, file NAME, offset SIZE, fixed, huge, hugetlb or at ADDR)"),
                Arguments.of("mremap buf 4p 8p maymove fixed", "fixed", "'fixed' needs 'at ADDR'"),
                Arguments.of("mremap buf 4p 8p at 0x10000", "at", "'at ADDR' needs 'fixed'"),
                Arguments.of(
                        "mremap buf 4p 8p shrink",
                        "shrink",
                        "bad mremap option 'shrink' (expected maymove, fixed, at ADDR or dontunmap)"),
                Arguments.of(
                        "madvise buf 4p willneed",
                        "willneed",
                        "bad advice 'willneed' (expected one of dontneed, free, hugepage, nohugepage, collapse, pageout, mergeable, remove)"),
                Arguments.of("thp merge buf", "merge", "bad thp operation 'merge' (expected collapse or split)"),
                Arguments.of(
                        "uffd close",
                        "close",
                        "bad uffd operation 'close' (expected open, register, unregister, protect, unprotect or move)"),
                Arguments.of("uffd open sync", "sync", "bad uffd feature 'sync' (expected async or unpopulated)"),
                Arguments.of("uffd open async async", "async", "'async' repeats or conflicts with an earlier 'async'"),
                Arguments.of(
                        "uffd protect buf 3", "3", "uffd protect length '3' is not a multiple of the page size (4096)"),
                Arguments.of("uffd unprotect buf 4p wake", "wake", "unexpected 'wake' after uffd"),
                Arguments.of("uffd move buf 4p", "", "missing uffd move length at end of line"),
                Arguments.of("pagemap-scan buf 4p protect", "protect", "unexpected 'protect' after pagemap-scan"),
                Arguments.of("numa-hint buf", "", "missing numa-hint length at end of line"),
                Arguments.of("uffd = mmap 4p rw private anon", "uffd", "'uffd' is a keyword and cannot name a buffer"),
                // device operations
                Arguments.of("gpu", "", "missing device operation after 'gpu' at end of line"),
                Arguments.of(
                        "gpu fly buf 4p",
                        "fly",
                        "bad device operation 'fly' (expected read, write, atomic, snapshot, migrate, migrate-back, exclusive, check-exclusive, release, fail-alloc, lock or unlock)"),
                Arguments.of("gpu read buf 3", "3", "gpu read length '3' is not a multiple of the page size (4096)"),
                Arguments.of("gpu fail-alloc 0", "0", "fail-alloc count '0' is not in 1..2147483647"),
                Arguments.of("gpu atomic buf 1p add x", "x", "bad addend 'x' (expected a number like 1024 or 0x400)"),
                // result suffix
                Arguments.of(
                        "munmap buf 4p -> EWHAT",
                        "EWHAT",
                        "bad result code 'EWHAT' (expected one of OK, EPERM, ENOENT, EIO, ENXIO, SIGBUS, EAGAIN, EACCES, ENOMEM, EFAULT, EBUSY, EEXIST, EINVAL, EOPNOTSUPP, EHWPOISON)"),
                Arguments.of(
                        "munmap buf 4p -> OK OK",
                        "->",
                        "'->' must come after an operation and before exactly one result code, at the end of the line"),
                Arguments.of(
                        "-> OK",
                        "->",
                        "'->' must come after an operation and before exactly one result code, at the end of the line"),
                Arguments.of("device npu -> OK", "->", "'->' only follows an operation, not 'device'"),
                // expectations
                Arguments.of(
                        "expect",
                        "",
                        "missing what to expect (result, faults, cpages, snapshot, data, events, oracle, device, pagemap, userfaults, same-frame, different-frame or notifiers) at end of line"),
                Arguments.of(
                        "expect luck",
                        "luck",
                        "bad expectation 'luck' (expected result, faults, cpages, snapshot, data, events, oracle, device, pagemap, userfaults, same-frame, different-frame or notifiers)"),
                Arguments.of("munmap buf 4p\nexpect result", "", "missing result code at end of line"),
                Arguments.of(
                        "munmap buf 4p\nexpect faults 1",
                        "faults",
                        "'expect faults' follows Munmap on line 4, which counts no device faults"),
                Arguments.of(
                        "gpu release\nexpect faults 1",
                        "faults",
                        "'expect faults' follows Release on line 4, which counts no device faults"),
                Arguments.of(
                        "munmap buf 4p\nexpect cpages 1",
                        "cpages",
                        "'expect cpages' follows Munmap on line 4, which counts no pages"),
                Arguments.of(
                        "gpu read buf 4p\nexpect faults 1p",
                        "1p",
                        "bad fault count '1p' (expected a number like 1024 or 0x400)"),
                Arguments.of(
                        "expect snapshot buf 4p = WRITE*4",
                        "snapshot",
                        "no snapshot in address space 'main' before this line"),
                Arguments.of(
                        "device npu\ngpu snapshot buf 4p\nexpect snapshot npu buf 4p = WRITE*4",
                        "snapshot",
                        "no snapshot by 'npu' in address space 'main' before this line"),
                Arguments.of(
                        "gpu snapshot buf 4p\nexpect snapshot buf 4p WRITE*4",
                        "WRITE*4",
                        "expected '=' before the snapshot bytes, found 'WRITE*4'"),
                Arguments.of(
                        "gpu snapshot buf 4p\nexpect snapshot buf 4p = WRITE*3",
                        "4p",
                        "snapshot lists 3 bytes but '4p' covers 4 pages"),
                Arguments.of(
                        "gpu snapshot buf 4p\nexpect snapshot buf 4p = WRITE*3 READ READ",
                        "READ",
                        "snapshot bytes exceed the 4 pages of '4p' at 'READ'"),
                Arguments.of(
                        "gpu snapshot buf 4p\nexpect snapshot buf 0x10000000000000 = WRITE",
                        "0x10000000000000",
                        "snapshot length '0x10000000000000' is beyond the limit of one access, 32 MiB (the scenario host's RAM; docs/limits.md)"),
                Arguments.of(
                        "gpu snapshot buf 4p\nexpect snapshot buf 4p = WRITE*0",
                        "WRITE*0",
                        "bad repeat count in 'WRITE*0' (expected BYTE*N with N >= 1)"),
                Arguments.of(
                        "gpu snapshot buf 4p\nexpect snapshot buf 4p = WRITE|SHINY*4",
                        "WRITE|SHINY*4",
                        "bad snapshot byte 'WRITE|SHINY*4' (unknown name 'SHINY'; expected ERROR, NONE, READ, WRITE, PMD, PUD, ZERO, DEV_PRIVATE_LOCAL, DEV_PRIVATE_REMOTE, DEV_COHERENT_LOCAL or DEV_COHERENT_REMOTE joined by '|')"),
                Arguments.of(
                        "gpu snapshot buf 4p\nexpect snapshot buf 4p = ERROR|READ*4",
                        "ERROR|READ*4",
                        "bad snapshot byte 'ERROR|READ*4' (ERROR stands alone)"),
                Arguments.of(
                        "gpu snapshot buf 4p\nexpect snapshot buf 4p = 0x100*4",
                        "0x100",
                        "bad byte '0x100' (expected 0..255, like 0xAB)"),
                Arguments.of(
                        "expect data gpu buf 4p zero",
                        "gpu",
                        "no read by 'gpu' in address space 'main' before this line"),
                Arguments.of("expect data buf 4 pattern index extra", "extra", "unexpected 'extra' after expect data"),
                Arguments.of(
                        "munmap buf 4p\nexpect events", "", "missing EVENT=N after 'expect events' at end of line"),
                Arguments.of(
                        "munmap buf 4p\nexpect events UNMAP",
                        "UNMAP",
                        "bad event count 'UNMAP' (expected EVENT=N with EVENT one of UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, RELEASE, MIGRATE, EXCLUSIVE)"),
                Arguments.of(
                        "munmap buf 4p\nexpect events BOOM=1",
                        "BOOM=1",
                        "bad event count 'BOOM=1' (expected EVENT=N with EVENT one of UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, RELEASE, MIGRATE, EXCLUSIVE)"),
                Arguments.of(
                        "munmap buf 4p\nexpect events UNMAP=-1",
                        "UNMAP=-1",
                        "bad count in 'UNMAP=-1' (expected a decimal number)"),
                Arguments.of("munmap buf 4p\nexpect events UNMAP=1 UNMAP=2", "UNMAP=2", "event UNMAP is listed twice"),
                Arguments.of("expect pagemap buf 4p", "", "missing pagemap flag after 'expect pagemap' at end of line"),
                Arguments.of(
                        "expect pagemap buf 4p dirty",
                        "dirty",
                        "bad pagemap flag 'dirty' (expected present, swapped, file, uffd-wp, exclusive, softdirty, hwpoison, each optionally prefixed with 'no-')"),
                Arguments.of(
                        "expect pagemap buf 4p present no-present",
                        "no-present",
                        "pagemap flag 'no-present' repeats or contradicts an earlier one"),
                Arguments.of(
                        "expect userfaults some",
                        "some",
                        "bad userfault count 'some' (expected a number like 1024 or 0x400)"),
                Arguments.of("expect oracle dirty", "dirty", "expected 'clean' after 'expect oracle', found 'dirty'"),
                Arguments.of("expect oracle", "", "missing 'clean' after 'expect oracle' at end of line"),
                Arguments.of("truncate nofile 0", "nofile", "unknown file 'nofile'"),
                Arguments.of("truncate data", "", "missing truncate size at end of line"),
                Arguments.of("truncate buf 4p", "buf", "'buf' is a buffer, not a file"),
                Arguments.of("punch-hole data 0 0", "0", "punch-hole length '0' is zero"),
                Arguments.of("punch-hole data 0", "", "missing punch-hole length at end of line"),
                Arguments.of("memory-failure buf+1", "buf+1", "memory-failure address 'buf+1' is not page aligned"),
                Arguments.of(
                        "gpu unlock",
                        "unlock",
                        "'gpu' does not hold its driver lock for address space 'main' (no 'lock' before this line)"),
                Arguments.of(
                        "gpu lock\ngpu lock",
                        "lock",
                        "'gpu' already holds its driver lock for address space 'main' (since line 4)"),
                Arguments.of("expect device npu holds buf 4p READ", "npu", "unknown device 'npu'"),
                Arguments.of(
                        "expect device gpu has buf 4p READ",
                        "has",
                        "expected 'holds' after 'expect device gpu', found 'has'"),
                Arguments.of(
                        "expect device gpu holds buf 4p RW",
                        "RW",
                        "bad device permission 'RW' (expected none, READ, WRITE, ATOMIC)"),
                Arguments.of(
                        "expect device gpu holds buf 4p",
                        "",
                        "missing permission (none, READ, WRITE, ATOMIC) at end of line"),
                Arguments.of(
                        "expect pagemap buf 1p poisoned",
                        "poisoned",
                        "bad pagemap flag 'poisoned' (expected present, swapped, file, uffd-wp, exclusive, softdirty, hwpoison, each optionally prefixed with 'no-')"),
                Arguments.of(
                        "expect pagemap buf 1p hwpoison no-hwpoison",
                        "no-hwpoison",
                        "pagemap flag 'no-hwpoison' repeats or contradicts an earlier one"),
                Arguments.of("expect same-frame buf", "", "missing same-frame second address at end of line"),
                Arguments.of("expect different-frame buf nobuf", "nobuf", "unknown buffer 'nobuf'"),
                Arguments.of("expect notifiers gpu", "", "missing notifier count at end of line"),
                Arguments.of("expect notifiers buf 1", "buf", "'buf' is a buffer, not a device"),
                Arguments.of(
                        "munmap buf 4p\nexpect events in nowhere UNMAP=1",
                        "nowhere",
                        "unknown address space 'nowhere'"));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void errorNamesLineTokenAndProblem(String lines, String token, String message) {
        // the offending line is the last one
        int line = 3 + (int) lines.lines().count();
        ScenarioParseException e = assertThrows(
                ScenarioParseException.class, () -> ScenarioParser.parse("bad.scn", PRELUDE + lines + "\n"));
        assertEquals(List.of(new ParseError("bad.scn", line, token, message)), e.errors());
        assertEquals("bad.scn:" + line + ": " + message, e.getMessage());
    }

    @Test
    void expectationBeforeAnyOperationHasNothingToCheck() {
        ScenarioParseException e = assertThrows(
                ScenarioParseException.class,
                () -> ScenarioParser.parse("first.scn", "device gpu\nexpect result OK\nexpect events UNMAP=0\n"));
        assertEquals(
                List.of(
                        new ParseError("first.scn", 2, "result", "'expect result' has no operation before it"),
                        new ParseError("first.scn", 3, "events", "'expect events' has no operation before it")),
                e.errors());
    }

    @Test
    void everyErrorOfTheFileIsReportedInLineOrderWithoutCascades() {
        // line 2 fails but still binds buf, so line 3 is fine; line 5 checks the failed line 4 and
        // adds no error of its own
        ScenarioParseException e =
                assertThrows(ScenarioParseException.class, () -> ScenarioParser.parse("many.scn", """
                device gpu
                buf = mmap 4p rw privat anon
                munmap buf 4p
                gpu read buf 4p -> EWAT
                expect faults 1
                gpu snapshot buf 3p
                expect snapshot buf 3p = WRITE*2
                expect oracle clean
                bogus
                """));
        assertEquals(
                List.of(
                        "many.scn:2: bad mmap option 'privat' (expected none, r, rw, rx, rwx, private, shared, anon, file NAME, offset SIZE, fixed, huge, hugetlb or at ADDR)",
                        "many.scn:4: bad result code 'EWAT' (expected one of OK, EPERM, ENOENT, EIO, ENXIO, SIGBUS, EAGAIN, EACCES, ENOMEM, EFAULT, EBUSY, EEXIST, EINVAL, EOPNOTSUPP, EHWPOISON)",
                        "many.scn:7: snapshot lists 2 bytes but '3p' covers 3 pages",
                        "many.scn:9: unknown statement 'bogus'"),
                e.errors().stream().map(ParseError::toString).toList());
    }
}

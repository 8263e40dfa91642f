package org.devmirror.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding of every line shape strace prints for the memory and process calls. */
class StraceReaderTest {

    /** Reads all records of {@code text}; the reader's stats are left in {@link #stats}. */
    private TraceStats stats;

    private final List<Skip> skips = new ArrayList<>();

    private List<Syscall> read(String text) throws IOException {
        try (StraceReader reader = new StraceReader(new StringReader(text)).onSkip(skips::add)) {
            List<Syscall> calls = new ArrayList<>();
            for (Syscall call = reader.next(); call != null; call = reader.next()) {
                calls.add(call);
            }
            assertNull(reader.next(), "the reader stays exhausted");
            stats = reader.stats();
            return calls;
        }
    }

    private Syscall only(String text) throws IOException {
        List<Syscall> calls = read(text);
        assertEquals(1, calls.size(), () -> "records of " + text + ": " + calls + " skips " + skips);
        return calls.get(0);
    }

    private Skip onlySkip(String text, SkipReason reason) throws IOException {
        assertTrue(read(text).isEmpty(), "no record from " + text);
        assertEquals(1, skips.size(), () -> "skips: " + skips);
        Skip skip = skips.get(0);
        assertEquals(reason, skip.reason(), skip::toString);
        assertEquals(1, stats.skipped(reason));
        return skip;
    }

    @Test
    void anonymousMmapWithPidColumn() throws IOException {
        Syscall call = only(
                "4439  mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3dd4ea5000\n");
        assertEquals(
                new Syscall.Mmap(
                        1,
                        4439,
                        0,
                        8192,
                        LinuxMm.PROT_READ | LinuxMm.PROT_WRITE,
                        LinuxMm.MAP_PRIVATE | LinuxMm.MAP_ANONYMOUS,
                        -1,
                        0,
                        0x7f3dd4ea5000L),
                call);
        assertTrue(((Syscall.Mmap) call).isAnonymous());
        assertFalse(((Syscall.Mmap) call).isShared());
        assertEquals(1, stats.parsed(SyscallKind.MMAP));
    }

    @Test
    void fixedFileMmapWithHexOffset() throws IOException {
        Syscall call = only(
                "4440  mmap(0x7f9aeb662000, 1314816, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x62000) = 0x7f9aeb662000");
        assertEquals(
                new Syscall.Mmap(
                        1,
                        4440,
                        0x7f9aeb662000L,
                        1314816,
                        LinuxMm.PROT_READ | LinuxMm.PROT_EXEC,
                        LinuxMm.MAP_PRIVATE | LinuxMm.MAP_FIXED | LinuxMm.MAP_DENYWRITE,
                        3,
                        0x62000,
                        0x7f9aeb662000L),
                call);
    }

    @Test
    void sharedMmapWithDecodedFdPath() throws IOException {
        // strace -y prints the file behind a descriptor: 3</usr/lib/locale/C.utf8/LC_CTYPE>
        Syscall.Mmap call = (Syscall.Mmap)
                only("mmap(NULL, 27028, PROT_READ, MAP_SHARED, 3</usr/lib/locale/x>, 0) = 0x7f3dd4e9e000");
        assertEquals(3, call.fd());
        assertTrue(call.isShared());
        assertEquals(Syscall.NO_PID, call.pid());
    }

    @Test
    void hugetlbSizeAndLeftoverBitsAreDecoded() throws IOException {
        Syscall.Mmap call = (Syscall.Mmap)
                only(
                        "1 mmap(NULL, 2097152, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT|0x80000, -1, 0) = 0x7f0000000000");
        assertEquals(LinuxMm.PROT_NONE, call.prot());
        assertEquals(
                LinuxMm.MAP_PRIVATE
                        | LinuxMm.MAP_ANONYMOUS
                        | LinuxMm.MAP_HUGETLB
                        | (21 << LinuxMm.MAP_HUGE_SHIFT)
                        | LinuxMm.MAP_SYNC,
                call.flags());
    }

    @Test
    void munmapMprotectBrkMadvise() throws IOException {
        List<Syscall> calls = read("""
                7  munmap(0x7f3dd4e9c000, 34547)     = 0
                7  mprotect(0x7f3dd4e89000, 16384, PROT_NONE) = 0
                7  brk(NULL)                         = 0x25c79000
                7  brk(0x25c9a000)                   = 0x25c9a000
                7  madvise(0x7fc8a9558000, 1032192, MADV_DONTNEED) = 0
                """);
        assertEquals(
                List.of(
                        new Syscall.Munmap(1, 7, 0x7f3dd4e9c000L, 34547),
                        new Syscall.Mprotect(2, 7, 0x7f3dd4e89000L, 16384, LinuxMm.PROT_NONE),
                        new Syscall.Brk(3, 7, 0, 0x25c79000L),
                        new Syscall.Brk(4, 7, 0x25c9a000L, 0x25c9a000L),
                        new Syscall.Madvise(5, 7, 0x7fc8a9558000L, 1032192, LinuxMm.MADV_DONTNEED)),
                calls);
    }

    @Test
    void mremapWithAndWithoutNewAddress() throws IOException {
        List<Syscall> calls = read("""
                9  mremap(0x7f518e400000, 266240, 528384, MREMAP_MAYMOVE) = 0x7f518e300000
                9  mremap(0x7f518e300000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x7f0000000000) = 0x7f0000000000
                """);
        assertEquals(
                new Syscall.Mremap(1, 9, 0x7f518e400000L, 266240, 528384, LinuxMm.MREMAP_MAYMOVE, 0, 0x7f518e300000L),
                calls.get(0));
        assertEquals(
                new Syscall.Mremap(
                        2,
                        9,
                        0x7f518e300000L,
                        4096,
                        4096,
                        LinuxMm.MREMAP_MAYMOVE | LinuxMm.MREMAP_FIXED | LinuxMm.MREMAP_DONTUNMAP,
                        0x7f0000000000L,
                        0x7f0000000000L),
                calls.get(1));
    }

    @Test
    void forkCloneAndVforkReportTheChildAndWhetherItSharesTheAddressSpace() throws IOException {
        List<Syscall> calls = read("""
                6121  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7fe188208a10) = 6122
                6215  clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7fc8abdff990, parent_tid=0x7fc8abdff990, exit_signal=0, stack=0x7fc8abd00000, stack_size=0xfef80, tls=0x7fc8abdff6c0} => {parent_tid=[6216]}, 88) = 6216
                6187  vfork()                           = 6188
                100   fork()                            = 101
                """);
        Syscall.Clone clone = (Syscall.Clone) calls.get(0);
        assertEquals(LinuxMm.CLONE_CHILD_CLEARTID | LinuxMm.CLONE_CHILD_SETTID | LinuxMm.SIGCHLD, clone.flags());
        assertEquals(6122, clone.childPid());
        assertFalse(clone.sharesAddressSpace());
        Syscall.Clone thread = (Syscall.Clone) calls.get(1);
        assertEquals("clone3", thread.name());
        assertEquals(6216, thread.childPid());
        assertTrue(thread.sharesAddressSpace());
        assertTrue((thread.flags() & LinuxMm.CLONE_THREAD) != 0);
        Syscall.Clone vfork = (Syscall.Clone) calls.get(2);
        assertTrue(vfork.sharesAddressSpace(), "a vfork child borrows the parent's mm until it execs");
        assertEquals(6188, vfork.childPid());
        assertEquals(new Syscall.Clone(4, 100, "fork", LinuxMm.SIGCHLD, 101), calls.get(3));
        assertEquals(4, stats.parsed(SyscallKind.CLONE));
    }

    @Test
    void execveExitAndProcessEnd() throws IOException {
        List<Syscall> calls = read("""
                6188  execve("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", ["/usr/lib/gcc/x86_64-linux-gnu/12"..., "-quiet"], 0x488f050 /* 44 vars */) = 0
                6189  execveat(3, "a \\"quoted\\" name", [], NULL, 0) = 0
                6222  exit(0)                           = ?
                6188  exit_group(1)                     = ?
                6222  +++ exited with 0 +++
                6188  +++ killed by SIGSEGV (core dumped) +++
                """);
        assertEquals(
                List.of(
                        new Syscall.Execve(1, 6188, "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"),
                        new Syscall.Execve(2, 6189, "a \"quoted\" name"),
                        new Syscall.Exit(3, 6222, false, 0),
                        new Syscall.Exit(4, 6188, true, 1),
                        new Syscall.ProcessEnd(5, 6222, 0, null),
                        new Syscall.ProcessEnd(6, 6188, -1, "SIGSEGV")),
                calls);
    }

    @Test
    void bracketedPidAndTimestampsAreStripped() throws IOException {
        List<Syscall> calls = read("""
                [pid  6395] munmap(0x1000, 4096) = 0
                6238  21:06:39.988512 munmap(0x2000, 4096) = 0 <0.000060>
                21:06:52 munmap(0x3000, 4096) = 0
                1764104812.051231 munmap(0x4000, 4096) = 0
                     0.000123 munmap(0x5000, 4096) = 0
                [pid 12] 21:06:39.988512 munmap(0x6000, 4096) = 0 <0.000017>
                """);
        assertEquals(
                List.of(
                        new Syscall.Munmap(1, 6395, 0x1000, 4096),
                        new Syscall.Munmap(2, 6238, 0x2000, 4096),
                        new Syscall.Munmap(3, Syscall.NO_PID, 0x3000, 4096),
                        new Syscall.Munmap(4, Syscall.NO_PID, 0x4000, 4096),
                        new Syscall.Munmap(5, Syscall.NO_PID, 0x5000, 4096),
                        new Syscall.Munmap(6, 12, 0x6000, 4096)),
                calls);
    }

    @Test
    void unfinishedCallsAreJoinedPerPidInCompletionOrder() throws IOException {
        // Two tasks interleave; each record keeps the line its call began on.
        List<Syscall> calls = read("""
                6216  mmap(NULL, 1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0 <unfinished ...>
                6226  mprotect(0x7fc8a9558000, 16384, PROT_NONE <unfinished ...>
                6226  <... mprotect resumed>)           = 0
                6216  <... mmap resumed>)               = 0x7fc8a9458000
                6216  clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x1} <unfinished ...>
                6216  <... clone3 resumed> => {parent_tid=[6233]}, 88) = 6233
                6187  vfork( <unfinished ...>
                6187  <... vfork resumed>)              = 6188
                """);
        assertEquals(new Syscall.Mprotect(2, 6226, 0x7fc8a9558000L, 16384, LinuxMm.PROT_NONE), calls.get(0));
        assertEquals(
                new Syscall.Mmap(
                        1,
                        6216,
                        0,
                        1048576,
                        LinuxMm.PROT_READ | LinuxMm.PROT_WRITE,
                        LinuxMm.MAP_PRIVATE | LinuxMm.MAP_ANONYMOUS | LinuxMm.MAP_STACK,
                        -1,
                        0,
                        0x7fc8a9458000L),
                calls.get(1));
        assertEquals(new Syscall.Clone(5, 6216, "clone3", LinuxMm.CLONE_VM | LinuxMm.CLONE_THREAD, 6233), calls.get(2));
        assertEquals(
                new Syscall.Clone(7, 6187, "vfork", LinuxMm.CLONE_VM | LinuxMm.CLONE_VFORK | LinuxMm.SIGCHLD, 6188),
                calls.get(3));
        assertEquals(0, stats.skippedTotal());
    }

    @Test
    void failedCallsAreSkippedWithTheirErrno() throws IOException {
        Skip skip = onlySkip(
                "\n\n5 mmap(NULL, 1099511627776, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM (Cannot allocate memory)\n",
                SkipReason.FAILED);
        assertEquals(3, skip.line());
        assertEquals("mmap ENOMEM", skip.detail());
        assertEquals(1L, stats.skippedByName().get("mmap"));
        assertEquals(3, stats.lines());
    }

    /**
     * Found by Jazzer on the replay: the text before a parenthesis of a damaged line was counted
     * as a call name, tab and control characters included, and the report printed it ("\tat "
     * read as a stack trace). Only a name a system call can have is counted by name.
     */
    @Test
    void onlyRealCallNamesAreCountedByName() throws IOException {
        read("""
                1 man:x:6:12:man:/var/c\tat :/usr/s\u001b[2J(NULL, 4096 <unfinished ...>
                1 wait4(-1, NULL, 0, NULL) = 2
                """);
        assertEquals(2, stats.skippedTotal());
        assertEquals(java.util.Map.of("wait4", 1L), stats.skippedByName());
    }

    @Test
    void failedExecveInAJoinedCallIsSkipped() throws IOException {
        Skip skip = onlySkip("""
                6199  execve("/root/.cargo/bin/as", ["as"], 0x488f050 /* 44 vars */ <unfinished ...>
                6199  <... execve resumed>)             = -1 ENOENT (No such file or directory) <0.000029>
                """, SkipReason.FAILED);
        assertEquals(1, skip.line());
        assertEquals("execve ENOENT", skip.detail());
    }

    @Test
    void callsWithoutAResultAreSkipped() throws IOException {
        read("""
                1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = ?
                1 munmap(0x1000, 4096) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)
                """);
        assertEquals(2, stats.skipped(SkipReason.NO_RESULT));
        assertEquals(0, stats.parsedTotal());
    }

    @Test
    void signalsNoticesAndUnmodelledCallsAreCountedNotParsed() throws IOException {
        read("""
                4293  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4294, si_uid=0, si_status=0} ---
                strace: Process 6395 attached
                6187  wait4(6188, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 6188
                6187  mlock(0x1000, 4096) = 0
                7 +++ superseded by execve in pid 8 +++
                """);
        assertEquals(1, stats.skipped(SkipReason.SIGNAL));
        assertEquals(2, stats.skipped(SkipReason.STRACE_NOTICE));
        assertEquals(2, stats.skipped(SkipReason.UNMODELLED_SYSCALL));
        assertEquals(1L, stats.skippedByName().get("wait4"));
        assertEquals(1L, stats.skippedByName().get("mlock"));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), skips.stream().map(Skip::line).toList());
    }

    @Test
    void resumedHalfWithoutStartIsAnOrphan() throws IOException {
        Skip skip = onlySkip("6216  <... mmap resumed>)               = 0x7fc8a9458000\n", SkipReason.ORPHAN_RESUMED);
        assertEquals(1, skip.line());
    }

    @Test
    void unfinishedCallsThatNeverResumeAreSkippedAtEndTaskEndOrNextCall() throws IOException {
        List<Syscall> calls = read("""
                1  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>
                1  +++ exited with 0 +++
                2  munmap(0x1000, 4096 <unfinished ...>
                2  munmap(0x2000, 4096) = 0
                3  mprotect(0x1000, 4096, PROT_READ <unfinished ...>
                3  <... munmap resumed>) = 0
                4  brk(NULL <unfinished ...>
                """);
        assertEquals(List.of(new Syscall.ProcessEnd(2, 1, 0, null), new Syscall.Munmap(4, 2, 0x2000, 4096)), calls);
        assertEquals(4, stats.skipped(SkipReason.UNFINISHED), () -> "skips " + skips);
        assertEquals(1, stats.skipped(SkipReason.ORPHAN_RESUMED));
        assertEquals(List.of(1L, 3L, 5L, 6L, 7L), skips.stream().map(Skip::line).toList());
    }

    @Test
    void malformedLinesAreSkippedWithTheirLineNumber() throws IOException {
        List<Syscall> calls = read("""
                4439  mmap(NULL, 8192, PROT_READ
                hello world
                4439  mmap(NULL, 8192, PROT_READ, MAP_BOGUS, -1, 0) = 0x1000
                4439  mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, -1) = 0x1000
                4439  munmap(0xZZ, 8192) = 0
                4439  munmap(0x1000, 8192) =
                4439  munmap(0x1000, 8192) 0
                4439  +++ exited with lots +++
                [pid 12 munmap(0x1000, 4096) = 0
                4439  <... munmap resumd>) = 0
                4439  clone(flags=CLONE_VM) = 0
                \u0000\u0001\uFFFD(((
                4439  munmap(0x1000, 8192) = 0
                """);
        assertEquals(List.of(new Syscall.Munmap(13, 4439, 0x1000, 8192)), calls);
        assertEquals(12, stats.skipped(SkipReason.MALFORMED), () -> "skips " + skips);
        assertEquals(12, skips.size());
        for (int i = 0; i < 12; i++) {
            assertEquals(i + 1, skips.get(i).line());
        }
        assertTrue(skips.get(2).detail().contains("MAP_BOGUS"), skips.get(2)::toString);
        assertTrue(skips.get(3).detail().contains("5 arguments"), skips.get(3)::toString);
    }

    @Test
    void overlongLineIsSkippedAndReadingContinues() throws IOException {
        String huge = "1 execve(\"" + "x".repeat(StraceReader.MAX_LINE_CHARS) + "\", [], NULL) = 0";
        List<Syscall> calls = read(huge + "\r\n2 munmap(0x1000, 4096) = 0\r\n");
        assertEquals(List.of(new Syscall.Munmap(2, 2, 0x1000, 4096)), calls);
        assertEquals(1, stats.skipped(SkipReason.MALFORMED));
        assertTrue(skips.get(0).detail().contains("longer than"));
    }

    @Test
    void statsKeepBoundedSamplesButCountEverything() throws IOException {
        String text = "1 wait4(-1, NULL, 0, NULL) = 2\n".repeat(TraceStats.SAMPLE_LIMIT * 3);
        read(text);
        assertEquals(TraceStats.SAMPLE_LIMIT * 3, stats.skipped(SkipReason.UNMODELLED_SYSCALL));
        assertEquals(TraceStats.SAMPLE_LIMIT, stats.samples().size());
        assertEquals(TraceStats.SAMPLE_LIMIT * 3, stats.skippedTotal());
    }

    @Test
    void streamsALongTraceWithoutHoldingIt() throws IOException {
        // 200k lines produced lazily: the reader sees them through a Reader, never as one string.
        int lines = 200_000;
        java.io.Reader generated = new java.io.Reader() {
            private int line;
            private String current = "";
            private int pos;

            @Override
            public int read(char[] buf, int off, int len) {
                if (pos == current.length()) {
                    if (line == lines) {
                        return -1;
                    }
                    current = (line++ % 2 == 0
                            ? "42  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x1000\n"
                            : "42  munmap(0x1000, 4096) = 0\n");
                    pos = 0;
                }
                int n = Math.min(len, current.length() - pos);
                current.getChars(pos, pos + n, buf, off);
                pos += n;
                return n;
            }

            @Override
            public void close() {}
        };
        try (StraceReader reader = new StraceReader(generated)) {
            long count = 0;
            while (reader.next() != null) {
                count++;
            }
            assertEquals(lines, count);
            assertEquals(lines / 2, reader.stats().parsed(SyscallKind.MUNMAP));
            assertEquals(lines, reader.stats().lines());
        }
    }

    @Test
    void recordKindsMatchTheirRecords() throws IOException {
        assertInstanceOf(Syscall.Brk.class, only("brk(NULL) = 0x1000"));
        assertEquals(SyscallKind.BRK, only("brk(NULL) = 0x1000").kind());
    }
}

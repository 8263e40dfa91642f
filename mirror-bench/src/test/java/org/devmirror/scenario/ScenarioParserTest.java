package org.devmirror.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.scenario.model.Address;
import org.devmirror.scenario.model.DataPattern;
import org.devmirror.scenario.model.Declaration;
import org.devmirror.scenario.model.DeviceOp;
import org.devmirror.scenario.model.DevicePerm;
import org.devmirror.scenario.model.DmirrorProt;
import org.devmirror.scenario.model.Expectation;
import org.devmirror.scenario.model.HostOp;
import org.devmirror.scenario.model.PagemapFlag;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.model.Statement;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.junit.jupiter.api.Test;

/** Every statement of docs/scenarios.md parses into the record it documents. */
class ScenarioParserTest {
    private static final long PAGE = 4096;
    private static final String PRELUDE = """
            device gpu memory 64M      # line 1
            file data 16p              # line 2
            buf = mmap 16p rw private anon
            """;

    private static List<Statement> parse(String text) throws ScenarioParseException {
        return ScenarioParser.parse("t.scn", text).statements();
    }

    /** The statements after the three-line prelude. */
    private static List<Statement> after(String text) throws ScenarioParseException {
        List<Statement> all = parse(PRELUDE + text);
        return all.subList(3, all.size());
    }

    private static Address buf(long offset) {
        return new Address("buf", offset);
    }

    @Test
    void declarationsAndComments() throws ScenarioParseException {
        List<Statement> s = parse("""
                # a comment line

                device gpu            # trailing comment
                device npu memory 0x200p
                file data 2M
                device cdev memory 4M coherent
                device pdev private
                """);
        assertEquals(
                List.of(
                        new Declaration.Device(3, "gpu", Declaration.Device.DEFAULT_MEMORY),
                        new Declaration.Device(4, "npu", 512 * PAGE),
                        new Declaration.File(5, "data", 2 << 20),
                        new Declaration.Device(6, "cdev", 4 << 20, true),
                        new Declaration.Device(7, "pdev", Declaration.Device.DEFAULT_MEMORY, false)),
                s);
    }

    @Test
    void numbersTakeHexDecimalSizeSuffixesAndPages() throws ScenarioParseException {
        List<Statement> s = after("""
                munmap buf 4096
                munmap buf 0x2000
                munmap buf 4K
                munmap buf 4k
                munmap buf 2M
                munmap buf 1G
                munmap buf 3p
                munmap buf 0x10p
                """);
        long[] lengths =
                s.stream().mapToLong(st -> ((HostOp.Munmap) st).length()).toArray();
        assertArrayEquals(new long[] {4096, 8192, 4096, 4096, 2 << 20, 1L << 30, 3 * PAGE, 16 * PAGE}, lengths);
    }

    @Test
    void addressesAreNamesWithOffsetsOrAbsolute() throws ScenarioParseException {
        List<Statement> s = after("""
                munmap buf+4p 4p
                munmap buf-0x1000 4p
                munmap 0x7f0000000000 4p
                read buf+3 1
                """);
        assertEquals(buf(4 * PAGE), ((HostOp.Munmap) s.get(0)).addr());
        assertEquals(buf(-PAGE), ((HostOp.Munmap) s.get(1)).addr());
        assertEquals(new Address(null, 0x7f0000000000L), ((HostOp.Munmap) s.get(2)).addr());
        assertEquals(new HostOp.CpuRead(7, "main", buf(3), 1), s.get(3));
        assertEquals("buf+0x4000", buf(4 * PAGE).toString());
    }

    @Test
    void mmapTakesOptionsInAnyOrder() throws ScenarioParseException {
        assertEquals(
                new HostOp.Mmap(3, "main", "buf", 16 * PAGE, 3, false, null, 0, false, false, null),
                parse(PRELUDE).get(2));
        List<Statement> s = after("""
                f = mmap 4p r shared file data offset 4p
                h = mmap 2M huge rwx anon private
                x = mmap 4p none private anon fixed at buf+8p
                mmap 4p rx private anon at 0x10000 -> ENOMEM
                t = mmap 2M rw hugetlb private anon
                """);
        assertEquals(
                new HostOp.Mmap(4, "main", "f", 4 * PAGE, 1, true, "data", 4 * PAGE, false, false, null), s.get(0));
        assertEquals(new HostOp.Mmap(5, "main", "h", 2 << 20, 7, false, null, 0, false, true, null), s.get(1));
        assertEquals(
                new HostOp.Mmap(6, "main", "x", 4 * PAGE, 0, false, null, 0, true, false, buf(8 * PAGE)), s.get(2));
        assertEquals(
                new HostOp.Mmap(7, "main", null, 4 * PAGE, 5, false, null, 0, false, false, new Address(null, 0x10000)),
                s.get(3));
        assertEquals(new Expectation.Result(7, 7, Errno.ENOMEM), s.get(4));
        assertEquals(new HostOp.Mmap(8, "main", "t", 2 << 20, 3, false, null, 0, false, false, null, true), s.get(5));
    }

    @Test
    void layoutChangingCalls() throws ScenarioParseException {
        List<Statement> s = after("""
                munmap buf 4p
                mprotect buf 4p r
                madvise buf 4p dontneed
                madvise buf 4p free
                madvise buf 4p hugepage
                madvise buf 4p nohugepage
                madvise buf 4p collapse
                madvise buf 4p pageout
                madvise buf 4p mergeable
                madvise buf 4p remove
                moved = mremap buf 4p 8p maymove
                mremap buf 4p 4p maymove fixed at 0x7f0000000000 dontunmap
                mremap buf 4p 2p
                """);
        assertEquals(new HostOp.Munmap(4, "main", buf(0), 4 * PAGE), s.get(0));
        assertEquals(new HostOp.Mprotect(5, "main", buf(0), 4 * PAGE, 1), s.get(1));
        Advice[] advice = Advice.values();
        for (int i = 0; i < advice.length; i++) {
            assertEquals(new HostOp.Madvise(6 + i, "main", buf(0), 4 * PAGE, advice[i]), s.get(2 + i));
        }
        assertEquals(
                new HostOp.Mremap(14, "main", "moved", buf(0), 4 * PAGE, 8 * PAGE, true, false, null, false),
                s.get(10));
        assertEquals(
                new HostOp.Mremap(
                        15,
                        "main",
                        null,
                        buf(0),
                        4 * PAGE,
                        4 * PAGE,
                        true,
                        true,
                        new Address(null, 0x7f0000000000L),
                        true),
                s.get(11));
        assertEquals(
                new HostOp.Mremap(16, "main", null, buf(0), 4 * PAGE, 2 * PAGE, false, false, null, false), s.get(12));
    }

    @Test
    void cpuAccessWithEveryDataPattern() throws ScenarioParseException {
        List<Statement> s = after("""
                write buf 4p pattern index
                write buf 8 pattern index+1
                write buf 16 fill 0xAB
                write buf 3 fill 7
                write buf 2 zero
                write buf 6 bytes de ad be
                read buf 1
                """);
        assertEquals(new HostOp.CpuWrite(4, "main", buf(0), 4 * PAGE, new DataPattern.Index(0)), s.get(0));
        assertEquals(new HostOp.CpuWrite(5, "main", buf(0), 8, new DataPattern.Index(1)), s.get(1));
        assertEquals(new DataPattern.Fill(0xAB), ((HostOp.CpuWrite) s.get(2)).data());
        assertEquals(new DataPattern.Fill(7), ((HostOp.CpuWrite) s.get(3)).data());
        assertEquals(new DataPattern.Fill(0), ((HostOp.CpuWrite) s.get(4)).data());
        assertEquals(
                new DataPattern.Bytes(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe}),
                ((HostOp.CpuWrite) s.get(5)).data());
        assertEquals(new HostOp.CpuRead(10, "main", buf(0), 1), s.get(6));
    }

    @Test
    void dataPatternsProduceTheirBytes() {
        // ptr[i] = i as little-endian 32-bit ints: word 1 is 01 00 00 00, word 256 is 00 01 00 00
        DataPattern index = new DataPattern.Index(0);
        assertEquals(1, index.byteAt(4));
        assertEquals(0, index.byteAt(5));
        assertEquals(1, index.byteAt(256 * 4 + 1));
        assertEquals(2, new DataPattern.Index(1).byteAt(4));
        assertEquals((byte) 0xAB, new DataPattern.Fill(0xAB).byteAt(12345));
        DataPattern bytes = new DataPattern.Bytes(new byte[] {1, 2, 3});
        assertEquals(3, bytes.byteAt(5));
        assertEquals(3, bytes.unit());
    }

    @Test
    void forkSpacesAndHostActivities() throws ScenarioParseException {
        List<Statement> s = after("""
                fork child
                space child
                clear-soft-dirty
                reclaim buf 4p
                compact buf 4p
                ksm buf 4p
                thp collapse buf
                thp split buf
                oom-reap
                writeback data
                exit
                space main
                read buf 4
                """);
        assertEquals(
                List.of(
                        new HostOp.Fork(4, "main", "child"),
                        new Declaration.SelectSpace(5, "child"),
                        new HostOp.ClearSoftDirty(6, "child"),
                        new HostOp.Reclaim(7, "child", buf(0), 4 * PAGE),
                        new HostOp.Compact(8, "child", buf(0), 4 * PAGE),
                        new HostOp.Ksm(9, "child", buf(0), 4 * PAGE),
                        new HostOp.ThpCollapse(10, "child", buf(0)),
                        new HostOp.ThpSplit(11, "child", buf(0)),
                        new HostOp.OomReap(12, "child"),
                        new HostOp.Writeback(13, "child", "data"),
                        new HostOp.Exit(14, "child"),
                        new Declaration.SelectSpace(15, "main"),
                        new HostOp.CpuRead(16, "main", buf(0), 4)),
                s);
    }

    @Test
    void deviceOperations() throws ScenarioParseException {
        List<Statement> s = after("""
                gpu read buf 4p
                gpu write buf 4p pattern index
                gpu atomic buf 1p
                gpu atomic buf 1p add 5
                gpu snapshot buf 4p
                gpu migrate buf 4p
                gpu migrate-back buf 4p
                gpu exclusive buf 4p
                gpu check-exclusive buf 4p
                gpu release
                gpu fail-alloc
                gpu fail-alloc 3
                """);
        assertEquals(
                List.of(
                        new DeviceOp.Read(4, "main", "gpu", buf(0), 4 * PAGE),
                        new DeviceOp.Write(5, "main", "gpu", buf(0), 4 * PAGE, new DataPattern.Index(0)),
                        new DeviceOp.Atomic(6, "main", "gpu", buf(0), PAGE, 1),
                        new DeviceOp.Atomic(7, "main", "gpu", buf(0), PAGE, 5),
                        new DeviceOp.Snapshot(8, "main", "gpu", buf(0), 4 * PAGE),
                        new DeviceOp.MigrateToDevice(9, "main", "gpu", buf(0), 4 * PAGE),
                        new DeviceOp.MigrateToSystem(10, "main", "gpu", buf(0), 4 * PAGE),
                        new DeviceOp.Exclusive(11, "main", "gpu", buf(0), 4 * PAGE),
                        new DeviceOp.CheckExclusive(12, "main", "gpu", buf(0), 4 * PAGE),
                        new DeviceOp.Release(13, "main", "gpu"),
                        new DeviceOp.FailAlloc(14, "main", "gpu", 1),
                        new DeviceOp.FailAlloc(15, "main", "gpu", 3)),
                s);
    }

    @Test
    void resultExpectationsBySuffixAndByLine() throws ScenarioParseException {
        List<Statement> s = after("""
                gpu read buf 4p -> EFAULT
                expect result OK
                munmap buf 4p
                expect result EINVAL
                """);
        assertEquals(new Expectation.Result(4, 4, Errno.EFAULT), s.get(1));
        assertEquals(new Expectation.Result(5, 4, Errno.OK), s.get(2));
        assertEquals(new Expectation.Result(7, 6, Errno.EINVAL), s.get(4));
        for (Errno code : Errno.values()) {
            assertEquals(
                    new Expectation.Result(4, 4, code),
                    after("munmap buf 4p -> " + code).get(1));
        }
    }

    @Test
    void countExpectationsFollowTheirOperation() throws ScenarioParseException {
        List<Statement> s = after("""
                gpu write buf 4p zero
                expect faults 1
                expect cpages 0x4
                reclaim buf 4p
                expect cpages 4
                """);
        assertEquals(new Expectation.Faults(5, 4, 1), s.get(1));
        assertEquals(new Expectation.Cpages(6, 4, 4), s.get(2));
        assertEquals(new Expectation.Cpages(8, 7, 4), s.get(4));
    }

    @Test
    void snapshotExpectationResolvesTheSnapshotItChecks() throws ScenarioParseException {
        List<Statement> s = parse(PRELUDE + """
                device npu
                gpu snapshot buf 8p
                npu snapshot buf 4p
                expect snapshot buf 4p = WRITE WRITE ZERO|READ ERROR
                expect snapshot gpu buf+4p 4p = HMM_DMIRROR_PROT_WRITE*2 DEV_PRIVATE_LOCAL|WRITE|PMD*1 0x30
                expect snapshot npu buf 4p = NONE*4
                """);
        Expectation.Snapshot any = (Expectation.Snapshot) s.get(6);
        assertEquals("npu", any.device(), "without a device name: the latest snapshot in the space");
        assertEquals(6, any.snapshotLine());
        assertArrayEquals(new byte[] {2, 2, 0x11, (byte) 0xFF}, any.bytes());
        Expectation.Snapshot gpu = (Expectation.Snapshot) s.get(7);
        assertEquals(
                new Expectation.Snapshot(8, "main", "gpu", 5, buf(4 * PAGE), 4 * PAGE, new byte[] {2, 2, 0x26, 0x30}),
                gpu);
        assertArrayEquals(new byte[4], ((Expectation.Snapshot) s.get(8)).bytes());
    }

    @Test
    void dataExpectationsForTheCpuAndForADevicesRead() throws ScenarioParseException {
        List<Statement> s = after("""
                gpu read buf 4p
                expect data buf+1 3 bytes 00 00 00
                expect data gpu buf 4p pattern index
                """);
        assertEquals(new Expectation.Data(5, "main", null, 0, buf(1), 3, new DataPattern.Bytes(new byte[3])), s.get(1));
        assertEquals(new Expectation.Data(6, "main", "gpu", 4, buf(0), 4 * PAGE, new DataPattern.Index(0)), s.get(2));
    }

    @Test
    void eventAndOracleExpectations() throws ScenarioParseException {
        List<Statement> s = after("""
                munmap buf 4p
                expect events UNMAP=1 CLEAR=0 MMU_NOTIFY_PROTECTION_VMA=0
                expect oracle clean
                """);
        assertEquals(
                new Expectation.Events(
                        5,
                        4,
                        null,
                        Map.of(
                                MmuNotifierEvent.UNMAP,
                                1L,
                                MmuNotifierEvent.CLEAR,
                                0L,
                                MmuNotifierEvent.PROTECTION_VMA,
                                0L)),
                s.get(1));
        assertEquals(new Expectation.OracleClean(6), s.get(2));
    }

    @Test
    void bufferNamesMayBeReboundAndLinesMayEndInCrLf() throws ScenarioParseException {
        List<Statement> s =
                parse("buf = mmap 4p rw private anon\r\nbuf = mmap 8p rw private anon\r\nmunmap buf 8p\r\n");
        assertEquals(3, s.size());
        assertEquals(3, s.get(2).line());
    }

    @Test
    void scenarioListsDevicesAndExpectations() throws ScenarioParseException {
        Scenario scenario = ScenarioParser.parse("t.scn", PRELUDE + "munmap buf 4p -> OK\nexpect oracle clean\n");
        assertEquals("t.scn", scenario.file());
        assertEquals(List.of(new Declaration.Device(1, "gpu", 64 << 20)), scenario.devices());
        assertEquals(2, scenario.expectations().size());
        assertTrue(scenario.statements().get(0) instanceof Declaration);
    }

    @Test
    void userfaultfdPagemapScanAndNumaHinting() throws ScenarioParseException {
        List<Statement> s = after("""
                uffd open async
                uffd register buf 8p
                uffd protect buf 8p
                uffd unprotect buf 8p dontwake
                uffd move buf+8p buf 2p allow-holes
                uffd unregister buf 8p
                pagemap-scan buf 8p wp
                numa-hint buf 4p
                """);
        assertEquals(
                List.of(
                        new HostOp.UffdOpen(4, "main", true, false),
                        new HostOp.UffdRegister(5, "main", buf(0), 8 * PAGE),
                        new HostOp.UffdWriteProtect(6, "main", buf(0), 8 * PAGE, true, false),
                        new HostOp.UffdWriteProtect(7, "main", buf(0), 8 * PAGE, false, true),
                        new HostOp.UffdMove(8, "main", buf(8 * PAGE), buf(0), 2 * PAGE, true),
                        new HostOp.UffdUnregister(9, "main", buf(0), 8 * PAGE),
                        new HostOp.PagemapScan(10, "main", buf(0), 8 * PAGE, true),
                        new HostOp.NumaHint(11, "main", buf(0), 4 * PAGE)),
                s);
    }

    @Test
    void stepTitlesAndWatchedRangesRunNothing() throws ScenarioParseException {
        List<Statement> s = after("""
                step CPU  writes (every page)
                watch buf+2p 4p
                """);
        assertEquals(
                List.of(
                        new Declaration.Step(4, "CPU writes (every page)"),
                        new Declaration.Watch(5, buf(2 * PAGE), 4 * PAGE)),
                s);
    }

    @Test
    void fileOperationsAndMemoryFailure() throws ScenarioParseException {
        List<Statement> s = after("""
                truncate data 0
                truncate data 10000
                punch-hole data 100 2p
                memory-failure buf+3p
                """);
        assertEquals(new HostOp.Truncate(4, "main", "data", 0), s.get(0));
        assertEquals(new HostOp.Truncate(5, "main", "data", 10000), s.get(1));
        assertEquals(new HostOp.PunchHole(6, "main", "data", 100, 2 * PAGE), s.get(2));
        assertEquals(new HostOp.MemoryFailure(7, "main", buf(3 * PAGE)), s.get(3));
    }

    @Test
    void driverLevelExpectations() throws ScenarioParseException {
        List<Statement> s = after("""
                fork child
                gpu lock
                oom-reap -> EAGAIN
                gpu unlock
                expect events in child CLEAR=0
                expect device gpu holds buf 4p READ
                expect device gpu holds buf+4p 1p none
                expect pagemap buf 1p hwpoison
                expect pagemap buf 2p no-hwpoison
                expect same-frame buf buf+1p
                expect different-frame buf buf+2p
                expect notifiers gpu 1
                """);
        assertEquals(new DeviceOp.HoldLock(5, "main", "gpu"), s.get(1));
        assertEquals(new DeviceOp.ReleaseLock(7, "main", "gpu"), s.get(4));
        assertEquals(new Expectation.Events(8, 7, "child", Map.of(MmuNotifierEvent.CLEAR, 0L)), s.get(5));
        assertEquals(new Expectation.DeviceHolds(9, "main", "gpu", buf(0), 4 * PAGE, DevicePerm.READ), s.get(6));
        assertEquals(new Expectation.DeviceHolds(10, "main", "gpu", buf(4 * PAGE), PAGE, DevicePerm.NONE), s.get(7));
        assertEquals(new Expectation.Pagemap(11, "main", buf(0), PAGE, PagemapFlag.HWPOISON, 0), s.get(8));
        assertEquals(new Expectation.Pagemap(12, "main", buf(0), 2 * PAGE, 0, PagemapFlag.HWPOISON), s.get(9));
        assertEquals(new Expectation.SameFrame(13, "main", buf(0), buf(PAGE), true), s.get(10));
        assertEquals(new Expectation.SameFrame(14, "main", buf(0), buf(2 * PAGE), false), s.get(11));
        assertEquals(new Expectation.Notifiers(15, "main", "gpu", 1), s.get(12));
    }

    @Test
    void snapshotBytesAreDescribedInScenarioSpelling() {
        assertEquals("ERROR", DmirrorProt.describe((byte) 0xFF));
        assertEquals("NONE", DmirrorProt.describe((byte) 0));
        assertEquals("ZERO|READ", DmirrorProt.describe((byte) 0x11));
        assertEquals("DEV_PRIVATE_LOCAL|WRITE|PMD", DmirrorProt.describe((byte) 0x26));
    }
}

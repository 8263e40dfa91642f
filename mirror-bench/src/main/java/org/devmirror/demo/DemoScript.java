package org.devmirror.demo;

import java.io.PrintStream;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceMirror;
import org.devmirror.device.MirrorDevice;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.PagemapScan;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Uffd;
import org.devmirror.observe.DeviceWork;

/**
 * The built-in run behind {@code ./devmirror demo}: every host operation devmirror models, in an
 * order where each one has something populated to act on, against one device mirroring the
 * address space under a given policy.
 *
 * <p>After every step the device reads the whole buffer back (so it refaults whatever its policy
 * dropped) and the safety oracle checks every device translation against the CPU page table. The
 * same script runs once per policy; {@link DemoReport} puts the two side by side.
 */
final class DemoScript {
    static final long PAGE = Host.PAGE_SIZE;
    /** The main buffer: 16 pages of private anonymous memory. */
    static final int PAGES = 16;

    private final InvalidationPolicy policy;
    private final DemoTrace trace;
    private long oracleChecks;
    private long oracleViolations;

    DemoScript(InvalidationPolicy policy, PrintStream out) {
        this.policy = policy;
        this.trace = new DemoTrace(out);
    }

    long oracleChecks() {
        return oracleChecks;
    }

    long oracleViolations() {
        return oracleViolations;
    }

    /** Runs every step and returns the mirror's statistics and the oracle's totals. */
    DemoOutcome run() {
        try (Host host = new Host(HostConfig.defaults().withFrames(8192).withSwapSlots(1024));
                MirrorDevice device = new MirrorDevice(host, 0, 1024)) {
            AddressSpace mm = host.newAddressSpace();
            trace.attach(mm, "parent");
            DeviceMirror mirror = device.open(mm, MirrorOptions.forPolicy(policy));
            trace.watch(mirror);

            trace.begin("mmap 16 pages rw private anonymous");
            long buf = check(mm.mmap(0, PAGES * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS));
            trace.note("at 0x" + Long.toHexString(buf));
            trace.end(mm, buf, PAGES);

            trace.begin("CPU writes every page (write faults; nothing was populated, nothing to invalidate)");
            fillPages(mm, buf, PAGES, 1);
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("mprotect pages 0-3 read-only");
            ok(mm.mprotect(buf, 4 * PAGE, Prot.READ));
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("mprotect pages 0-3 read-write again");
            ok(mm.mprotect(buf, 4 * PAGE, Prot.RW));
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("clear_refs: soft-dirty bits cleared (the CPU write-protects to catch the next write)");
            ok(mm.clearSoftDirty());
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("reclaim pages 8-9 to swap");
            trace.note(mm.reclaim(buf + 8 * PAGE, 2 * PAGE) + " pages reclaimed");
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("compaction moves pages 10-11 to new frames");
            trace.note(mm.compact(buf + 10 * PAGE, 2 * PAGE) + " pages moved");
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("CPU writes the same bytes to pages 12-13, then KSM merges them");
            ok(mm.cpuFill(buf + 12 * PAGE, 2 * PAGE, (byte) 0x7f));
            trace.note(mm.ksmMerge(buf + 12 * PAGE, 2 * PAGE) + " page(s) replaced by the KSM page (frames freed)");
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("madvise(DONTNEED) pages 14-15");
            ok(mm.madvise(buf + 14 * PAGE, 2 * PAGE, Advice.DONTNEED));
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("device migrates pages 4-5 to its memory");
            trace.note("migrate: " + describe(mirror.migrateToDevice(buf + 4 * PAGE, 2)));
            trace.end(mm, buf, PAGES);

            trace.begin("CPU reads page 4: migrate_to_ram brings it back");
            ok(mm.cpuRead(buf + 4 * PAGE, new byte[1], 0, 1));
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("device takes page 6 for exclusive atomics");
            trace.note("exclusive: " + describe(mirror.exclusive(buf + 6 * PAGE, 1)));
            trace.end(mm, buf, PAGES);

            trace.begin("CPU writes page 6: exclusive access revoked");
            ok(mm.cpuFill(buf + 6 * PAGE, PAGE, (byte) 0x66));
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("THP: CPU faults a 2 MiB page, then it is split");
            long huge = alignedHugeRegion(mm);
            ok(mm.cpuFill(huge, PAGE, (byte) 0x11));
            ok(mm.splitHuge(huge));
            trace.end(mm, huge, PAGES);

            trace.begin("THP: the 512 pages collapse back into one 2 MiB page");
            ok(mm.collapseHuge(huge));
            trace.end(mm, huge, PAGES);

            trace.begin("writeback of a dirty shared file mapping (page_mkclean)");
            MemoryObject file = host.newFile("data", 4 * PAGE);
            long shared = check(mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.SHARED, file, 0));
            fillPages(mm, shared, 4, 0x21);
            ok(mm.writeback(file));
            trace.end(mm, shared, 4);
            deviceReads(mirror, shared, 4);

            trace.begin("punch a hole at page 2 of the file (fallocate PUNCH_HOLE: CLEAR in every mapping of it)");
            ok(file.fallocate(MemoryObject.FALLOC_FL_PUNCH_HOLE | MemoryObject.FALLOC_FL_KEEP_SIZE, 2 * PAGE, PAGE));
            trace.end(mm, shared, 4);
            deviceReads(mirror, shared, 4);

            trace.begin("madvise(REMOVE) page 1 of the file mapping (the same hole punch, from the mapping)");
            ok(mm.madvise(shared + PAGE, PAGE, Advice.REMOVE));
            trace.end(mm, shared, 4);
            deviceReads(mirror, shared, 4);

            trace.begin("truncate the file to 3 pages (CLEAR beyond the new end; page 3 is SIGBUS from now on)");
            ok(file.truncate(3 * PAGE));
            trace.end(mm, shared, 4);
            deviceReads(mirror, shared, 3);

            trace.begin("fork: the parent's private PTEs are write-protected for copy-on-write");
            AddressSpace child = mm.fork();
            trace.attach(child, "child");
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("parent writes page 1 (the COW break replaces the page)");
            ok(mm.cpuFill(buf + PAGE, PAGE, (byte) 0x40));
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, PAGES);

            trace.begin("child writes pages 0-3 (its own copies; page 1 is already its own)");
            fillPages(child, buf, 4, 0x33);
            trace.end(child, buf, PAGES);

            trace.begin("OOM reaper reaps the child (non-blockable)");
            trace.note("oom reap: " + child.oomReap());
            trace.end(child, buf, PAGES);

            trace.begin("mremap pages 14-15 elsewhere");
            long moved = check(mm.mremap(buf + 14 * PAGE, 2 * PAGE, 2 * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED,
                    huge + Host.PMD_SIZE));
            trace.note("moved to 0x" + Long.toHexString(moved));
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, 14);

            trace.begin("munmap pages 8-13");
            ok(mm.munmap(buf + 8 * PAGE, 6 * PAGE));
            trace.end(mm, buf, PAGES);
            deviceReads(mirror, buf, 8);

            trace.begin("memory failure of page 7's frame (MADV_HWPOISON): CLEAR, then a hwpoison entry");
            ok(mm.hwpoison(buf + 7 * PAGE, PAGE));
            trace.end(mm, buf, 8);
            deviceReads(mirror, buf, 7);
            userfaultfdAndNuma(mm, mirror, buf);

            trace.begin("exit: RELEASE, then the address spaces are unmapped");
            child.exit();
            mm.exit();
            trace.end(null, 0, 0);
            return new DemoOutcome(policy.name(), DeviceWork.of(mirror.stats()), oracleChecks, oracleViolations);
        }
    }

    /**
     * The emitters whose PROTECTION_VMA leaves the VMA's protection as it was (userfaultfd
     * write-protect, PAGEMAP_SCAN, NUMA hinting), then UFFDIO_MOVE, on pages 0-7 of the buffer.
     * They come last: the event-aware policy keeps translations they take away (its known bug),
     * and every later oracle check counts as part of that bug.
     */
    private void userfaultfdAndNuma(AddressSpace mm, DeviceMirror mirror, long buf) {
        int pages = PAGES / 2;
        long src = check(mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS));
        long dst = check(mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS));
        fillPages(mm, src, 4, 0x50);
        ok(mm.uffdApi(Uffd.FEATURE_WP_ASYNC));
        ok(mm.uffdRegister(buf, pages * PAGE, Uffd.REGISTER_MODE_WP));
        ok(mm.uffdRegister(dst, 4 * PAGE, Uffd.REGISTER_MODE_WP));

        trace.begin("UFFDIO_MOVE 4 pages between two buffers: CLEAR over the source only");
        trace.note((mm.uffdMove(dst, src, 4 * PAGE, 0) >> Host.PAGE_SHIFT) + " pages moved");
        trace.end(mm, dst, 4);
        deviceReads(mirror, buf, pages);

        trace.begin("userfaultfd (async) write-protects pages 0-7: PROTECTION_VMA, the VMA stays read-write");
        ok(mm.uffdWriteProtect(buf, pages * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        trace.end(mm, buf, pages);
        deviceReads(mirror, buf, pages);

        trace.begin("CPU writes page 2: async uffd-wp, the kernel drops the bit and the write goes on");
        ok(mm.cpuFill(buf + 2 * PAGE, PAGE, (byte) 0x52));
        trace.end(mm, buf, pages);
        deviceReads(mirror, buf, pages);

        trace.begin("PAGEMAP_SCAN(WP_MATCHING) over pages 0-7: one PROTECTION_VMA, written pages protected again");
        trace.note(mm.pagemapScan(PagemapScan.writtenAndProtect(buf, buf + pages * PAGE)).regions().size() + " written regions");
        trace.end(mm, buf, pages);
        deviceReads(mirror, buf, pages);

        trace.begin("userfaultfd un-protects pages 0-7 (PROTECTION_VMA; exclusive pages writable again)");
        ok(mm.uffdWriteProtect(buf, pages * PAGE, 0));
        trace.end(mm, buf, pages);
        deviceReads(mirror, buf, pages);

        trace.begin("NUMA balancing scan over pages 0-7: PROTECTION_VMA, entries PROT_NONE, the VMA stays read-write");
        trace.note(mm.changeProtNuma(buf, pages * PAGE) + " pages hinted");
        trace.end(mm, buf, pages);
        deviceReads(mirror, buf, pages);

        trace.begin("CPU reads page 0: the NUMA hinting fault restores the entry (no invalidation)");
        ok(mm.cpuRead(buf, new byte[1], 0, 1));
        trace.end(mm, buf, pages);
        deviceReads(mirror, buf, pages);
    }

    /** The device reads {@code pages} pages of the buffer back, then the oracle checks the mirror. */
    private void deviceReads(DeviceMirror mirror, long buf, int pages) {
        byte[] data = new byte[(int) (pages * PAGE)];
        trace.device("device reads pages 0-" + (pages - 1), mirror.read(buf, pages, data));
        OracleReport report = SafetyOracle.check(mirror);
        oracleChecks += report.checked();
        oracleViolations += report.violationCount();
        if (!report.isClean()) {
            trace.violations(report);
        }
    }

    /** Page i of [addr, addr + count pages) is filled with byte value + i. */
    private static void fillPages(AddressSpace mm, long addr, int count, int value) {
        for (int i = 0; i < count; i++) {
            ok(mm.cpuFill(addr + (long) i * PAGE, PAGE, (byte) (value + i)));
        }
    }

    /** A 2 MiB aligned, THP-hinted anonymous region (mapped over a larger one, then trimmed). */
    private static long alignedHugeRegion(AddressSpace mm) {
        long pmd = Host.PMD_SIZE;
        long raw = check(mm.mmap(0, 3 * pmd, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS));
        long aligned = (raw + pmd - 1) & -pmd;
        ok(mm.munmap(raw, 3 * pmd));
        return check(mm.mmap(aligned, pmd, Prot.RW,
                MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED | MapFlags.HUGEPAGE));
    }

    private static long check(long ret) {
        ok(Errno.fromReturn(ret));
        return ret;
    }

    private static void ok(Errno e) {
        if (!e.isOk()) {
            throw new IllegalStateException("demo step failed with " + e);
        }
    }

    private static String describe(DeviceCommand cmd) {
        return cmd.result() + ", cpages " + cmd.cpages();
    }
}

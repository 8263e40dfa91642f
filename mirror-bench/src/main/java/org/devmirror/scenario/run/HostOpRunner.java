package org.devmirror.scenario.run;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.PagemapScan;
import org.devmirror.mm.Uffd;
import org.devmirror.observe.InvalidationRecorder;
import org.devmirror.scenario.model.HostOp;

/**
 * Runs the {@link HostOp}s of a scenario on the simulated host: each becomes the
 * {@code AddressSpace} call of the same name, with the scenario's names resolved to addresses.
 * A result the kernel would return (EFAULT, ENOMEM, ...) is the operation's outcome.
 */
final class HostOpRunner {
    private final RunState state;

    HostOpRunner(RunState state) {
        this.state = state;
    }

    OpOutcome run(HostOp op) {
        AddressSpace mm = state.spaces.get(op.space());
        return switch (op) {
            case HostOp.Mmap m -> mmap(mm, m);
            case HostOp.Munmap m -> OpOutcome.of(mm.munmap(state.address(m.addr()), m.length()));
            case HostOp.Mremap m -> mremap(mm, m);
            case HostOp.Mprotect m -> OpOutcome.of(mm.mprotect(state.address(m.addr()), m.length(), m.prot()));
            case HostOp.Madvise m -> OpOutcome.of(mm.madvise(state.address(m.addr()), m.length(), m.advice()));
            case HostOp.CpuRead r -> cpuRead(mm, r);
            case HostOp.CpuWrite w -> cpuWrite(mm, w);
            case HostOp.Fork f -> fork(mm, f);
            case HostOp.ClearSoftDirty c -> OpOutcome.of(mm.clearSoftDirty());
            case HostOp.Reclaim r -> OpOutcome.ofPages(mm.reclaim(state.address(r.addr()), r.length()));
            case HostOp.Compact c -> OpOutcome.ofPages(mm.compact(state.address(c.addr()), c.length()));
            case HostOp.Ksm k -> OpOutcome.ofPages(mm.ksmMerge(state.address(k.addr()), k.length()));
            case HostOp.ThpCollapse t -> OpOutcome.of(mm.collapseHuge(state.address(t.addr())));
            case HostOp.ThpSplit t -> OpOutcome.of(mm.splitHuge(state.address(t.addr())));
            case HostOp.OomReap o -> OpOutcome.of(mm.oomReap());
            case HostOp.Writeback w -> OpOutcome.of(mm.writeback(state.files.get(w.file())));
            case HostOp.Truncate tr -> OpOutcome.of(state.files.get(tr.file()).truncate(tr.size()));
            case HostOp.PunchHole p ->
                OpOutcome.of(state.files
                        .get(p.file())
                        .fallocate(
                                MemoryObject.FALLOC_FL_PUNCH_HOLE | MemoryObject.FALLOC_FL_KEEP_SIZE,
                                p.offset(),
                                p.length()));
            case HostOp.MemoryFailure f -> OpOutcome.of(mm.hwpoison(state.address(f.addr()), Host.PAGE_SIZE));
            case HostOp.Exit e -> {
                mm.exit();
                state.exited.add(e.space());
                yield OpOutcome.of(Errno.OK);
            }
            case HostOp.UffdOpen u ->
                OpOutcome.of(mm.uffdApi(
                        (u.async() ? Uffd.FEATURE_WP_ASYNC : 0) | (u.unpopulated() ? Uffd.FEATURE_WP_UNPOPULATED : 0)));
            case HostOp.UffdRegister u ->
                OpOutcome.of(mm.uffdRegister(state.address(u.addr()), u.length(), Uffd.REGISTER_MODE_WP));
            case HostOp.UffdUnregister u -> OpOutcome.of(mm.uffdUnregister(state.address(u.addr()), u.length()));
            case HostOp.UffdWriteProtect u ->
                OpOutcome.of(mm.uffdWriteProtect(
                        state.address(u.addr()),
                        u.length(),
                        (u.protect() ? Uffd.WRITEPROTECT_MODE_WP : 0)
                                | (u.dontWake() ? Uffd.WRITEPROTECT_MODE_DONTWAKE : 0)));
            case HostOp.UffdMove u ->
                bytesAsPages(mm.uffdMove(
                        state.address(u.dst()),
                        state.address(u.src()),
                        u.length(),
                        u.allowHoles() ? Uffd.MOVE_MODE_ALLOW_SRC_HOLES : 0));
            case HostOp.PagemapScan p -> pagemapScan(mm, p);
            case HostOp.NumaHint n -> OpOutcome.ofPages(mm.changeProtNuma(state.address(n.addr()), n.length()));
        };
    }

    /** A byte count or {@code -errno} (UFFDIO_MOVE's result) as pages moved or the error. */
    private static OpOutcome bytesAsPages(long result) {
        return result < 0 ? OpOutcome.ofReturn(result) : OpOutcome.ofPages(result >>> Host.PAGE_SHIFT);
    }

    /** PAGEMAP_SCAN for written pages; the pages found are the outcome's page count. */
    private OpOutcome pagemapScan(AddressSpace mm, HostOp.PagemapScan p) {
        long start = state.address(p.addr());
        long end = start + p.length();
        PagemapScan scan = p.wp()
                ? PagemapScan.writtenAndProtect(start, end)
                : new PagemapScan(start, end, 0, PagemapScan.PAGE_IS_WRITTEN, 0, 0, PagemapScan.PAGE_IS_WRITTEN);
        PagemapScan.Result r = mm.pagemapScan(scan);
        if (!r.result().isOk()) {
            return OpOutcome.of(r.result());
        }
        long pages = 0;
        for (PagemapScan.Region region : r.regions()) {
            pages += (region.end() - region.start()) >>> Host.PAGE_SHIFT;
        }
        return OpOutcome.ofPages(pages);
    }

    private OpOutcome mmap(AddressSpace mm, HostOp.Mmap m) {
        int flags = (m.shared() ? MapFlags.SHARED : MapFlags.PRIVATE)
                | (m.fixed() ? MapFlags.FIXED : 0)
                | (m.huge() ? MapFlags.HUGEPAGE : 0)
                | (m.hugetlb() ? MapFlags.HUGETLB : 0);
        long hint = m.at() == null ? 0 : state.address(m.at());
        long addr = m.file() == null
                ? mm.mmap(hint, m.length(), m.prot(), flags | MapFlags.ANONYMOUS)
                : mm.mmap(hint, m.length(), m.prot(), flags, state.files.get(m.file()), m.fileOffset());
        if (addr >= 0 && m.binding() != null) {
            state.buffers.put(m.binding(), addr);
        }
        return OpOutcome.ofReturn(addr);
    }

    private OpOutcome mremap(AddressSpace mm, HostOp.Mremap m) {
        int flags = (m.mayMove() ? MapFlags.MREMAP_MAYMOVE : 0)
                | (m.fixed() ? MapFlags.MREMAP_FIXED : 0)
                | (m.dontUnmap() ? MapFlags.MREMAP_DONTUNMAP : 0);
        long target = m.at() == null ? 0 : state.address(m.at());
        long addr = mm.mremap(state.address(m.addr()), m.oldLength(), m.newLength(), flags, target);
        if (addr >= 0 && m.binding() != null) {
            state.buffers.put(m.binding(), addr);
        }
        return OpOutcome.ofReturn(addr);
    }

    private OpOutcome cpuRead(AddressSpace mm, HostOp.CpuRead r) {
        long addr = state.address(r.addr());
        if (!accessOk(addr, r.length())) {
            return OpOutcome.of(Errno.EFAULT);
        }
        byte[] sink = new byte[Math.toIntExact(r.length())];
        return OpOutcome.of(mm.cpuRead(addr, sink, 0, sink.length));
    }

    private OpOutcome cpuWrite(AddressSpace mm, HostOp.CpuWrite w) {
        long addr = state.address(w.addr());
        if (!accessOk(addr, w.length())) {
            return OpOutcome.of(Errno.EFAULT);
        }
        return OpOutcome.of(mm.cpuWrite(addr, DataBytes.of(w.data(), w.length()), 0, Math.toIntExact(w.length())));
    }

    /**
     * {@code access_ok} (arch/x86/include/asm/uaccess_64.h): a user access must lie inside the
     * user half; one that does not faults, EFAULT, as a {@code read(2)} into such a buffer does.
     * (The parser bounds the length by {@code ScenarioLimits.MAX_ACCESS_BYTES}; an address
     * computed from a buffer can still land anywhere.)
     */
    static boolean accessOk(long addr, long length) {
        return addr >= 0 && addr < Host.TASK_SIZE && length <= Host.TASK_SIZE - addr;
    }

    private OpOutcome fork(AddressSpace parent, HostOp.Fork f) {
        AddressSpace child = parent.fork();
        InvalidationRecorder recorder = state.recorder;
        recorder.watch(child);
        state.spaces.put(f.child(), child);
        return OpOutcome.of(Errno.OK);
    }
}

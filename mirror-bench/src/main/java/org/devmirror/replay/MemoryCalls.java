package org.devmirror.replay;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;
import org.devmirror.trace.LinuxMm;
import org.devmirror.trace.Syscall;

/**
 * Turns the memory system calls of a trace into host operations at the traced addresses: every
 * {@code mmap} is replayed {@code MAP_FIXED} at the address the real call returned, a moving
 * {@code mremap} is forced to the address it really moved to, and {@code brk} becomes an anonymous
 * heap mapping grown or shrunk at the traced break. Lengths are rounded up to pages as the kernel
 * does ({@code PAGE_ALIGN} in do_mmap, __vm_munmap, do_mprotect_pkey, madvise).
 *
 * <p>File calls ({@code ftruncate}, {@code fallocate}) act on the files mapped through their
 * descriptor. A trace of memory calls has no {@code open} or {@code close}, so every mapping of a
 * descriptor gets its own file (as for {@code mmap} below), and a call on descriptor N acts on
 * every file mapped through N so far, in any process (descriptors are inherited). A size given
 * before the first mapping sizes the files mapped later.
 *
 * <p>Each method returns {@code null} when the call was replayed, or the reason it was not (with
 * {@link #detail()} saying more). A call the host answers differently from the trace (an error
 * where the program saw success, a different address) is still replayed and counted in
 * {@link #diverged()}.
 */
final class MemoryCalls {
    private static final int DIVERGENCE_SAMPLES = 16;
    private final Host host;
    private final CpuModel cpu;
    private String detail = "";
    private long diverged;
    // the first divergences, described ("line 42: munmap -> EINVAL, the trace says 0")
    private final java.util.List<String> divergenceSamples = new java.util.ArrayList<>();
    private long files;
    // descriptor -> the files mapped through it, in order
    private final java.util.Map<Integer, java.util.List<MemoryObject>> filesByFd = new java.util.HashMap<>();
    // descriptor -> the size its last ftruncate gave, for files mapped after it
    private final java.util.Map<Integer, Long> sizeByFd = new java.util.HashMap<>();

    MemoryCalls(Host host, CpuModel cpu) {
        this.host = host;
        this.cpu = cpu;
    }

    /** What the last skip was about. */
    String detail() {
        return detail;
    }

    /** Calls whose host result differed from the traced one. */
    long diverged() {
        return diverged;
    }

    /** The first divergences, described. */
    java.util.List<String> divergenceSamples() {
        return divergenceSamples;
    }

    /** Counts a call whose host result {@code host} differs from the traced one. */
    void diverged(Syscall call, String host, String traced) {
        diverged++;
        if (divergenceSamples.size() < DIVERGENCE_SAMPLES) {
            divergenceSamples.add(
                    "line " + call.line() + ": " + call.kind().name().toLowerCase(java.util.Locale.ROOT) + " -> " + host
                            + ", the trace says " + traced);
        }
    }

    ReplaySkip mmap(TracedProcess p, Syscall.Mmap call) {
        long length = pageAlign(call.length());
        if (bad(call.result(), length)) {
            return badRange("mmap at 0x" + Long.toHexString(call.result()) + " length " + call.length());
        }
        int prot = prot(call.prot());
        int flags = MapFlags.FIXED | (call.isShared() ? MapFlags.SHARED : MapFlags.PRIVATE);
        long got;
        if (call.isAnonymous() || call.fd() < 0) {
            got = p.mm.mmap(call.result(), length, prot, flags | MapFlags.ANONYMOUS);
        } else {
            // The trace does not say which file a descriptor names (trace=memory omits open), so each
            // file mapping gets its own page-cache object covering what it maps.
            long offset = call.offset() & -Host.PAGE_SIZE;
            long size = Math.max(offset + length, sizeByFd.getOrDefault(call.fd(), 0L));
            files++;
            MemoryObject file = host.newFile("fd" + call.fd() + "#" + files, size);
            filesByFd
                    .computeIfAbsent(call.fd(), fd -> new java.util.ArrayList<>())
                    .add(file);
            got = p.mm.mmap(call.result(), length, prot, flags, file, offset);
        }
        if (got != call.result()) {
            diverged(call, result(got), hex(call.result()));
            return null;
        }
        // the model writes private mappings and shared anonymous ones; a shared file mapping's
        // writes would go to a file the trace does not name
        boolean writable = (prot & Prot.WRITE) != 0;
        if (writable && (!call.isShared() || call.isAnonymous())) {
            cpu.writeNewPages(p.mm, call.result(), length);
        }
        return null;
    }

    ReplaySkip munmap(TracedProcess p, Syscall.Munmap call) {
        long length = pageAlign(call.length());
        if (bad(call.addr(), length)) {
            return badRange("munmap at 0x" + Long.toHexString(call.addr()) + " length " + call.length());
        }
        countDivergence(call, p.mm.munmap(call.addr(), length));
        return null;
    }

    ReplaySkip mprotect(TracedProcess p, Syscall.Mprotect call) {
        if (emptyAtPageBoundary(call.addr(), call.length())) {
            return null; // do_mprotect_pkey returns 0 for a zero length before looking at any VMA
        }
        long length = pageAlign(call.length());
        if (bad(call.addr(), length)) {
            return badRange("mprotect at 0x" + Long.toHexString(call.addr()) + " length " + call.length());
        }
        countDivergence(call, p.mm.mprotect(call.addr(), length, prot(call.prot())));
        return null;
    }

    ReplaySkip mremap(TracedProcess p, Syscall.Mremap call) {
        long oldLength = pageAlign(call.oldLength());
        long newLength = pageAlign(call.newLength());
        if (bad(call.oldAddr(), oldLength) || bad(call.result(), newLength)) {
            return badRange(
                    "mremap of 0x" + Long.toHexString(call.oldAddr()) + " to 0x" + Long.toHexString(call.result()));
        }
        int flags = 0;
        if (call.result() != call.oldAddr()) {
            // It moved: replay the move to where the kernel put it.
            flags = MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED;
        }
        if ((call.flags() & LinuxMm.MREMAP_DONTUNMAP) != 0) {
            flags |= MapFlags.MREMAP_DONTUNMAP | MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED;
        }
        long got = p.mm.mremap(call.oldAddr(), oldLength, newLength, flags, flags == 0 ? 0 : call.result());
        if (got != call.result()) {
            diverged(call, result(got), hex(call.result()));
            return null;
        }
        if (newLength > oldLength) {
            if ((vmaProt(p.mm, call.result()) & Prot.WRITE) != 0) {
                cpu.writeNewPages(p.mm, call.result() + oldLength, newLength - oldLength);
            }
        }
        return null;
    }

    ReplaySkip madvise(TracedProcess p, Syscall.Madvise call) {
        Advice advice = switch (call.advice()) {
            case LinuxMm.MADV_DONTNEED, LinuxMm.MADV_DONTNEED_LOCKED -> Advice.DONTNEED;
            case LinuxMm.MADV_FREE -> Advice.FREE;
            case LinuxMm.MADV_HUGEPAGE -> Advice.HUGEPAGE;
            case LinuxMm.MADV_NOHUGEPAGE -> Advice.NOHUGEPAGE;
            case LinuxMm.MADV_COLLAPSE -> Advice.COLLAPSE;
            case LinuxMm.MADV_PAGEOUT -> Advice.PAGEOUT;
            case LinuxMm.MADV_MERGEABLE -> Advice.MERGEABLE;
            case LinuxMm.MADV_REMOVE -> Advice.REMOVE;
            default -> null;
        };
        if (advice == null) {
            detail = "madvise advice " + call.advice();
            return ReplaySkip.UNMODELLED_ADVICE;
        }
        if (emptyAtPageBoundary(call.addr(), call.length())) {
            // do_madvise: check_input_range passes and a zero len_in returns 0 before any VMA is
            // looked at (HotSpot probes MADV_POPULATE_WRITE support with madvise(NULL, 0, ...)).
            return null;
        }
        long length = pageAlign(call.length());
        if (bad(call.addr(), length)) {
            return badRange("madvise at 0x" + Long.toHexString(call.addr()) + " length " + call.length());
        }
        countDivergence(call, p.mm.madvise(call.addr(), length, advice));
        return null;
    }

    /** {@code ftruncate}: every file mapped through the descriptor takes the size; {@code truncate(path)} is skipped. */
    ReplaySkip truncate(Syscall.Truncate call) {
        if (call.fd() < 0) {
            detail = "truncate(\"" + call.path() + "\")";
            return ReplaySkip.UNKNOWN_FILE;
        }
        if (call.length() < 0 || call.length() > Host.TASK_SIZE) {
            return badRange("ftruncate of fd " + call.fd() + " to " + call.length());
        }
        sizeByFd.put(call.fd(), call.length());
        for (MemoryObject file : filesByFd.getOrDefault(call.fd(), java.util.List.of())) {
            countDivergence(call, file.truncate(call.length()));
        }
        return null;
    }

    /** {@code fallocate}: applied to every file mapped through the descriptor (none yet: nothing to do). */
    ReplaySkip fallocate(Syscall.Fallocate call) {
        if (call.offset() < 0 || call.length() <= 0 || call.offset() > Host.TASK_SIZE - call.length()) {
            return badRange("fallocate of fd " + call.fd() + " at " + call.offset() + " length " + call.length());
        }
        int mode = (call.mode() & LinuxMm.FALLOC_FL_KEEP_SIZE) != 0 ? MemoryObject.FALLOC_FL_KEEP_SIZE : 0;
        mode |= (call.mode() & LinuxMm.FALLOC_FL_PUNCH_HOLE) != 0 ? MemoryObject.FALLOC_FL_PUNCH_HOLE : 0;
        for (MemoryObject file : filesByFd.getOrDefault(call.fd(), java.util.List.of())) {
            countDivergence(call, file.fallocate(mode, call.offset(), call.length()));
        }
        return null;
    }

    /**
     * {@code brk}: the first answer (to {@code brk(NULL)}) fixes the heap's start; later ones grow
     * the heap with a fixed anonymous mapping up to the new break or unmap what it gave back, at
     * page granularity (the kernel's brk works on {@code PAGE_ALIGN}ed breaks too).
     */
    ReplaySkip brk(TracedProcess p, Syscall.Brk call) {
        long newEnd = call.result();
        if (p.brkStart < 0) {
            if (call.requested() != 0 && call.requested() != newEnd) {
                detail = "brk(0x" + Long.toHexString(call.requested()) + ") before brk(NULL)";
                return ReplaySkip.UNKNOWN_BREAK;
            }
            p.brkStart = newEnd;
            p.brkEnd = newEnd;
            if (call.requested() == 0) {
                return null;
            }
        }
        long oldTop = pageAlign(p.brkEnd);
        long newTop = pageAlign(Math.max(newEnd, p.brkStart));
        if (bad(Math.min(oldTop, newTop), Math.max(1, Math.abs(newTop - oldTop)))) {
            return badRange("brk to 0x" + Long.toHexString(newEnd));
        }
        if (newTop > oldTop) {
            long got =
                    p.mm.mmap(oldTop, newTop - oldTop, Prot.RW, MapFlags.FIXED | MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            if (got != oldTop) {
                diverged(call, "heap growth at " + hex(oldTop) + " " + result(got), hex(newEnd));
            } else {
                cpu.writeNewPages(p.mm, oldTop, newTop - oldTop);
            }
        } else if (newTop < oldTop) {
            countDivergence(call, p.mm.munmap(newTop, oldTop - newTop));
        }
        p.brkEnd = Math.max(newEnd, p.brkStart);
        return null;
    }

    /** The protection of the VMA at {@code addr}, or {@link Prot#NONE} where nothing is mapped. */
    static int vmaProt(AddressSpace mm, long addr) {
        mm.mmapReadLock();
        try {
            Vma vma = mm.findVma(addr);
            return vma == null ? Prot.NONE : vma.prot();
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /** Linux PROT_* of a trace to devmirror's: write or exec imply read on x86; other bits do not map pages. */
    static int prot(int traced) {
        int prot = traced & (Prot.READ | Prot.WRITE | Prot.EXEC);
        if (prot != 0) {
            prot |= Prot.READ;
        }
        return prot;
    }

    static long pageAlign(long length) {
        return (length + Host.PAGE_SIZE - 1) & -Host.PAGE_SIZE;
    }

    /** A zero length at a page-aligned address: {@code mprotect} and {@code madvise} succeed without doing anything. */
    private static boolean emptyAtPageBoundary(long addr, long length) {
        return length == 0 && (addr & (Host.PAGE_SIZE - 1)) == 0;
    }

    /**
     * The range the kernel would have refused: unaligned start, empty ({@code mmap} and
     * {@code munmap} refuse a zero length with EINVAL), or not inside the user half.
     */
    private static boolean bad(long addr, long length) {
        return (addr & (Host.PAGE_SIZE - 1)) != 0
                || length <= 0
                || addr < 0
                || addr >= Host.TASK_SIZE
                || length > Host.TASK_SIZE - addr;
    }

    private ReplaySkip badRange(String what) {
        detail = what;
        return ReplaySkip.BAD_RANGE;
    }

    /** Counts a divergence when the host did not succeed where the trace did. */
    void countDivergence(Syscall call, Errno result) {
        if (result != Errno.OK) {
            diverged(call, result.name(), "0");
        }
    }

    private static String result(long got) {
        return got < 0 ? Errno.fromReturn(got).name() : hex(got);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}

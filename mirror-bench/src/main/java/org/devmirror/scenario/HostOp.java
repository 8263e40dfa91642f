package org.devmirror.scenario;

/**
 * An operation on an address space (the host side): a system call, a CPU access, or a kernel
 * activity the scenario triggers (reclaim, compaction, KSM, THP, the OOM reaper, writeback).
 * Each names the {@link #space()} it runs in. Lengths are bytes; the parser has checked that
 * page-granular ones are positive multiples of 4 KiB and absolute addresses page aligned.
 * Protections are Linux {@code PROT_*} bits: READ 1, WRITE 2, EXEC 4.
 */
public sealed interface HostOp extends Operation {
    /**
     * {@code [binding =] mmap SIZE PROT private|shared anon|file FILE [offset SIZE] [fixed] [huge] [at ADDR]}.
     * {@code file} is null for an anonymous mapping; {@code at} is the address hint (required
     * with {@code fixed}) or null. {@code huge} asks for transparent huge pages (VM_HUGEPAGE).
     * The returned address is bound to {@code binding} (null: not bound).
     */
    record Mmap(int line, String space, String binding, long length, int prot, boolean shared, String file,
            long fileOffset, boolean fixed, boolean huge, Address at) implements HostOp {}

    /** {@code munmap ADDR SIZE}. */
    record Munmap(int line, String space, Address addr, long length) implements HostOp {}

    /**
     * {@code [binding =] mremap ADDR OLDSIZE NEWSIZE [maymove] [fixed at ADDR] [dontunmap]}:
     * the flags are {@code MREMAP_MAYMOVE}, {@code MREMAP_FIXED} (with {@code at}) and
     * {@code MREMAP_DONTUNMAP}; combinations the kernel refuses are run-time EINVAL results.
     */
    record Mremap(int line, String space, String binding, Address addr, long oldLength, long newLength,
            boolean mayMove, boolean fixed, Address at, boolean dontUnmap) implements HostOp {}

    /** {@code mprotect ADDR SIZE PROT}. */
    record Mprotect(int line, String space, Address addr, long length, int prot) implements HostOp {}

    /** {@code madvise ADDR SIZE ADVICE}. */
    record Madvise(int line, String space, Address addr, long length, Advice advice) implements HostOp {
        /** The {@code MADV_*} advice a scenario can give, named as devmirror's {@code org.devmirror.mm.Advice}. */
        public enum Advice {
            DONTNEED,
            FREE,
            HUGEPAGE,
            NOHUGEPAGE,
            COLLAPSE,
            PAGEOUT,
            MERGEABLE,
            REMOVE
        }
    }

    /** {@code read ADDR SIZE}: the CPU reads the range (faulting as needed); any byte length. */
    record CpuRead(int line, String space, Address addr, long length) implements HostOp {}

    /** {@code write ADDR SIZE DATA}: the CPU stores {@code data} over the range; any byte length. */
    record CpuWrite(int line, String space, Address addr, long length, DataPattern data) implements HostOp {}

    /** {@code fork CHILD}: {@code space} forks; the copy is the new space {@code child}. */
    record Fork(int line, String space, String child) implements HostOp {}

    /** {@code clear-soft-dirty}: {@code echo 4 > /proc/PID/clear_refs}. */
    record ClearSoftDirty(int line, String space) implements HostOp {}

    /** {@code reclaim ADDR SIZE}: swap out the range's present anonymous pages. */
    record Reclaim(int line, String space, Address addr, long length) implements HostOp {}

    /** {@code compact ADDR SIZE}: memory compaction moves the range's frames. */
    record Compact(int line, String space, Address addr, long length) implements HostOp {}

    /** {@code ksm ADDR SIZE}: KSM merges identical private anonymous pages of the range. */
    record Ksm(int line, String space, Address addr, long length) implements HostOp {}

    /** {@code thp collapse ADDR}: khugepaged collapses the 2 MiB region at ADDR. */
    record ThpCollapse(int line, String space, Address addr) implements HostOp {}

    /** {@code thp split ADDR}: the huge page mapped at ADDR is split into 4 KiB pages. */
    record ThpSplit(int line, String space, Address addr) implements HostOp {}

    /** {@code oom-reap}: the OOM reaper reclaims the space (non-blockable invalidations). */
    record OomReap(int line, String space) implements HostOp {}

    /** {@code writeback FILE}: dirty pages of the file are cleaned (page_mkclean). */
    record Writeback(int line, String space, String file) implements HostOp {}

    /** {@code truncate FILE SIZE}: {@code ftruncate} of the file to {@code size} bytes (any byte count, 0 allowed). */
    record Truncate(int line, String space, String file, long size) implements HostOp {}

    /** {@code punch-hole FILE OFFSET SIZE}: {@code fallocate(PUNCH_HOLE|KEEP_SIZE)} of bytes {@code [offset, offset + length)}. */
    record PunchHole(int line, String space, String file, long offset, long length) implements HostOp {}

    /** {@code memory-failure ADDR}: the frame mapped at ADDR fails ({@code madvise(MADV_HWPOISON)} of one page). */
    record MemoryFailure(int line, String space, Address addr) implements HostOp {}

    /** {@code exit}: the space's process exits; its address space is torn down. */
    record Exit(int line, String space) implements HostOp {}
}

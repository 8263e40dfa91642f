package org.devmirror.scenario.model;

import org.devmirror.mm.Advice;

/**
 * An operation on an address space (the host side): a system call, a CPU access, or a kernel
 * activity the scenario triggers (reclaim, compaction, KSM, THP, the OOM reaper, writeback).
 * Each names the {@link #space()} it runs in. Lengths are bytes; the parser has checked that
 * page-granular ones are positive multiples of 4 KiB and absolute addresses page aligned.
 * Protections are Linux {@code PROT_*} bits: READ 1, WRITE 2, EXEC 4.
 */
public sealed interface HostOp extends Operation {
    /**
     * An operation that returns an address a {@code NAME =} in front of it binds ({@code mmap},
     * {@code mremap}). {@link #binding()} is that name, or null when the line binds none.
     */
    interface Binding {
        /** The buffer name the returned address is bound to, or null. */
        String binding();
    }

    /**
     * {@code [binding =] mmap SIZE PROT private|shared anon|file FILE [offset SIZE] [fixed] [huge] [at ADDR]}.
     * {@code file} is null for an anonymous mapping; {@code at} is the address hint (required
     * with {@code fixed}) or null. {@code huge} asks for transparent huge pages (VM_HUGEPAGE),
     * {@code hugetlb} for 2 MiB hugetlb pages ({@code MAP_HUGETLB}).
     * The returned address is bound to {@code binding} (null: not bound).
     */
    record Mmap(
            int line,
            String space,
            String binding,
            long length,
            int prot,
            boolean shared,
            String file,
            long fileOffset,
            boolean fixed,
            boolean huge,
            Address at,
            boolean hugetlb)
            implements HostOp, Binding {
        /** A mapping without {@code hugetlb}. */
        public Mmap(
                int line,
                String space,
                String binding,
                long length,
                int prot,
                boolean shared,
                String file,
                long fileOffset,
                boolean fixed,
                boolean huge,
                Address at) {
            this(line, space, binding, length, prot, shared, file, fileOffset, fixed, huge, at, false);
        }
    }

    /** {@code munmap ADDR SIZE}. */
    record Munmap(int line, String space, Address addr, long length) implements HostOp {}

    /**
     * {@code [binding =] mremap ADDR OLDSIZE NEWSIZE [maymove] [fixed at ADDR] [dontunmap]}:
     * the flags are {@code MREMAP_MAYMOVE}, {@code MREMAP_FIXED} (with {@code at}) and
     * {@code MREMAP_DONTUNMAP}; combinations the kernel refuses are run-time EINVAL results.
     */
    record Mremap(
            int line,
            String space,
            String binding,
            Address addr,
            long oldLength,
            long newLength,
            boolean mayMove,
            boolean fixed,
            Address at,
            boolean dontUnmap)
            implements HostOp, Binding {}

    /** {@code mprotect ADDR SIZE PROT}. */
    record Mprotect(int line, String space, Address addr, long length, int prot) implements HostOp {}

    /** {@code madvise ADDR SIZE ADVICE}: ADVICE is an {@link Advice} constant in lower case ({@code dontneed}). */
    record Madvise(int line, String space, Address addr, long length, Advice advice) implements HostOp {}

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

    /**
     * {@code uffd open [async] [unpopulated]}: {@code userfaultfd(2)} + {@code UFFDIO_API} with
     * {@code UFFD_FEATURE_WP_ASYNC} and/or {@code UFFD_FEATURE_WP_UNPOPULATED}.
     */
    record UffdOpen(int line, String space, boolean async, boolean unpopulated) implements HostOp {}

    /** {@code uffd register ADDR SIZE}: {@code UFFDIO_REGISTER} with {@code UFFDIO_REGISTER_MODE_WP}. */
    record UffdRegister(int line, String space, Address addr, long length) implements HostOp {}

    /** {@code uffd unregister ADDR SIZE}: {@code UFFDIO_UNREGISTER}. */
    record UffdUnregister(int line, String space, Address addr, long length) implements HostOp {}

    /**
     * {@code uffd protect ADDR SIZE} ({@code UFFDIO_WRITEPROTECT_MODE_WP}) or
     * {@code uffd unprotect ADDR SIZE [dontwake]} (mode 0, which also wakes the parked writes of
     * the range unless the file says {@code dontwake}: {@code UFFDIO_WRITEPROTECT_MODE_DONTWAKE}).
     */
    @SuppressWarnings("InvalidParam") // "dontwake" is the scenario word, not a misspelt parameter
    record UffdWriteProtect(int line, String space, Address addr, long length, boolean protect, boolean dontWake)
            implements HostOp {}

    /** {@code uffd move DST SRC SIZE [allow-holes]}: {@code UFFDIO_MOVE}. */
    record UffdMove(int line, String space, Address dst, Address src, long length, boolean allowHoles)
            implements HostOp {}

    /**
     * {@code pagemap-scan ADDR SIZE [wp]}: the {@code PAGEMAP_SCAN} ioctl for written pages
     * ({@code PAGE_IS_WRITTEN}); with {@code wp}, {@code PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC}
     * write-protects them again.
     */
    record PagemapScan(int line, String space, Address addr, long length, boolean wp) implements HostOp {}

    /** {@code numa-hint ADDR SIZE}: a NUMA balancing scan pass ({@code change_prot_numa}) over the range. */
    record NumaHint(int line, String space, Address addr, long length) implements HostOp {}

    /** {@code exit}: the space's process exits; its address space is torn down. */
    record Exit(int line, String space) implements HostOp {}
}

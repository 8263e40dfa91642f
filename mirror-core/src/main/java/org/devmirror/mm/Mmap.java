package org.devmirror.mm;

import java.util.List;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models mm/mmap.c and mm/vma.c: {@code do_mmap}, {@code get_unmapped_area},
 * {@code do_vmi_munmap}, {@code split_vma} and {@code vma_merge}.
 *
 * <p>munmap (and MAP_FIXED over an existing mapping) raises one UNMAP over the whole requested
 * range whenever a VMA lies in it, empty page tables and holes between VMAs included
 * ({@code vms_clear_ptes} → {@code unmap_vmas} initialises the range from the munmap arguments),
 * after splitting any 2 MiB mapping that straddles an end (a CLEAR over that 2 MiB,
 * {@code __split_huge_pmd}). Under {@link InvalidationRanges#NARROWED} the UNMAP covers only the
 * populated part, and is not raised when nothing is populated. Creating a mapping raises nothing:
 * nothing is populated yet.
 *
 * <h2>Locking</h2>
 * Everything here runs with the mmap write lock held.
 */
final class Mmap {
    private static final int KNOWN_FLAGS = MapFlags.SHARED
            | MapFlags.PRIVATE
            | MapFlags.FIXED
            | MapFlags.ANONYMOUS
            | MapFlags.FIXED_NOREPLACE
            | MapFlags.HUGEPAGE
            | MapFlags.HUGETLB;
    /** {@code mmap_min_addr}: the lowest address get_unmapped_area hands out. */
    static final long MMAP_MIN_ADDR = 0x10000;

    private Mmap() {}

    static long mmap(AddressSpace mm, long addr, long length, int prot, int flags, MemoryObject file, long offset) {
        Prot.check(prot);
        checkFlags(flags, file);
        if (length == 0) {
            throw new IllegalArgumentException("length=0 must be positive");
        }
        // A length past TASK_SIZE (a negative long is a huge unsigned one) is ENOMEM, as
        // __get_unmapped_area's "len > TASK_SIZE" check and do_mmap's PAGE_ALIGN overflow
        // check return: a mapping that cannot fit is out of memory, not an invalid argument.
        if (length < 0 || length > Host.TASK_SIZE) {
            return -Errno.ENOMEM.code();
        }
        long len = UserRange.pageAlign("length", length);
        boolean hugetlb = (flags & MapFlags.HUGETLB) != 0;
        if (hugetlb) {
            // ksys_mmap_pgoff: len = ALIGN(len, huge_page_size(hs)); hugetlb_get_unmapped_area aligns the address
            len = (len + Host.PMD_SIZE - 1) & -Host.PMD_SIZE;
            if (len <= 0 || len > Host.TASK_SIZE) {
                return -Errno.ENOMEM.code();
            }
            addr = (flags & (MapFlags.FIXED | MapFlags.FIXED_NOREPLACE)) != 0 || (addr & (Host.PMD_SIZE - 1)) == 0
                    ? addr
                    : 0;
        }
        boolean fixed = (flags & (MapFlags.FIXED | MapFlags.FIXED_NOREPLACE)) != 0;
        if (fixed && hugetlb && (addr & (Host.PMD_SIZE - 1)) != 0) {
            return -Errno.EINVAL.code(); // prepare_hugepage_range: a MAP_FIXED address not 2 MiB aligned
        }
        if (fixed) {
            // __get_unmapped_area: a MAP_FIXED range that ends past TASK_SIZE is ENOMEM
            // ("addr > TASK_SIZE - len"); only a misaligned address is EINVAL.
            UserRange.checkAligned("addr", addr);
            if (addr < 0 || addr > Host.TASK_SIZE - len) {
                return -Errno.ENOMEM.code();
            }
        } else if (addr != 0) {
            // A hint is only a hint (round_hint_to_min, then get_unmapped_area searching from it):
            // an unaligned one is rounded down, one that does not fit is ignored.
            addr &= -Host.PAGE_SIZE;
            if (addr < 0 || addr > Host.TASK_SIZE - len) {
                addr = 0;
            }
        }
        if (file != null) {
            UserRange.checkAligned("offset", offset);
            // A mapping may extend beyond the end of the file, as in the kernel: an access there
            // is SIGBUS (filemap_fault's i_size check), not a failure of mmap.
            if (offset < 0 || offset > Host.TASK_SIZE - len) {
                throw new IllegalArgumentException("offset=0x" + Long.toHexString(offset) + " + length=0x"
                        + Long.toHexString(length) + " does not fit a file offset below TASK_SIZE");
            }
        }
        mm.lockForWrite();
        try {
            long target;
            if (fixed) {
                target = addr;
                if ((flags & MapFlags.FIXED_NOREPLACE) != 0) {
                    Vma clash = mm.vmaFrom(addr);
                    if (clash != null && clash.start < addr + len) {
                        throw new IllegalArgumentException("addr=0x" + Long.toHexString(addr) + " length=0x"
                                + Long.toHexString(len) + " overlaps the mapping " + clash + " (MAP_FIXED_NOREPLACE)");
                    }
                }
                Errno r = unmapLocked(mm, target, target + len);
                if (!r.isOk()) {
                    return -r.code();
                }
            } else {
                target = unmappedArea(mm, addr, len);
                if (target < 0) {
                    return -Errno.ENOMEM.code();
                }
            }
            MemoryObject obj = file;
            long pgoff;
            if (file == null) {
                if ((flags & MapFlags.SHARED) != 0) {
                    obj = mm.host().newShmem(len); // shmem_zero_setup
                    pgoff = 0;
                } else {
                    pgoff = target >>> Host.PAGE_SHIFT;
                }
            } else {
                pgoff = offset >>> Host.PAGE_SHIFT;
            }
            Vma v = new Vma(target, target + len, prot, flags | Vma.SOFTDIRTY, obj, pgoff, null);
            mm.insertVma(v);
            if (obj != null) {
                obj.mappers.add(mm);
            }
            mergeAround(mm, v);
            return target;
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    private static void checkFlags(int flags, MemoryObject file) {
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("flags=0x" + Integer.toHexString(flags) + " has unknown bits 0x"
                    + Integer.toHexString(flags & ~KNOWN_FLAGS));
        }
        int kind = flags & (MapFlags.SHARED | MapFlags.PRIVATE);
        if (kind != MapFlags.SHARED && kind != MapFlags.PRIVATE) {
            throw new IllegalArgumentException(
                    "flags=0x" + Integer.toHexString(flags) + " must have exactly one of MAP_SHARED and MAP_PRIVATE");
        }
        boolean anon = (flags & MapFlags.ANONYMOUS) != 0;
        if (file == null && !anon) {
            throw new IllegalArgumentException(
                    "flags=0x" + Integer.toHexString(flags) + " lacks MAP_ANONYMOUS for a mapping without a file");
        }
        if (file != null && anon) {
            throw new IllegalArgumentException(
                    "flags=0x" + Integer.toHexString(flags) + " has MAP_ANONYMOUS for a file mapping");
        }
        if ((flags & MapFlags.HUGETLB) != 0 && (kind != MapFlags.PRIVATE || !anon)) {
            throw new IllegalArgumentException("flags=0x" + Integer.toHexString(flags)
                    + ": MAP_HUGETLB is modelled for MAP_PRIVATE | MAP_ANONYMOUS only");
        }
    }

    static Errno munmap(AddressSpace mm, long addr, long length) {
        long end = UserRange.end("addr", addr, "length", length);
        mm.lockForWrite();
        try {
            return unmapLocked(mm, addr, end);
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /**
     * {@code do_vmi_munmap}: removes {@code [start, end)} from the layout, raising UNMAP over it
     * ({@code unmap_vmas}; its populated part under NARROWED). A hole is {@link Errno#OK}; {@link Errno#ENOMEM} only when a straddling
     * shared huge page could not be split (then nothing was unmapped).
     */
    static Errno unmapLocked(AddressSpace mm, long start, long end) {
        List<Vma> vmas = mm.vmasIn(start, end);
        if (vmas.isEmpty()) {
            return Errno.OK;
        }
        Errno r = HugeMemory.splitStraddling(mm, start);
        if (r.isOk()) {
            r = HugeMemory.splitStraddling(mm, end);
        }
        if (!r.isOk()) {
            return r;
        }
        int slot = mm.notify.startOver(MmuNotifierEvent.UNMAP, start, end, null);
        try {
            for (Vma v : vmas) {
                Zap.range(mm, v, Math.max(start, v.start), Math.min(end, v.end));
            }
        } finally {
            mm.notify.end(slot);
        }
        for (Vma v : vmas) {
            if (v.start < start && v.end > end) {
                Vma hi = splitVma(mm, v, start);
                splitVma(mm, hi, end);
                mm.removeVma(hi);
            } else if (v.start < start) {
                v.end = start;
            } else if (v.end > end) {
                // the start moves up inside the VMA's own old range: the tree order is unchanged
                v.pgoff += (end - v.start) >>> Host.PAGE_SHIFT;
                v.start = end;
            } else {
                mm.removeVma(v);
            }
        }
        return Errno.OK;
    }

    /**
     * {@code __split_vma}: cuts v at addr (strictly inside it) and returns the upper part, a new
     * VMA. The caller has split any PMD leaf straddling addr.
     */
    static Vma splitVma(AddressSpace mm, Vma v, long addr) {
        Vma hi = v.copy();
        hi.start = addr;
        hi.pgoff = v.pgoff + ((addr - v.start) >>> Host.PAGE_SHIFT);
        v.end = addr;
        mm.insertVma(hi);
        return hi;
    }

    /** {@code vma_merge}: merges v with compatible neighbours; returns the surviving VMA. */
    static Vma mergeAround(AddressSpace mm, Vma v) {
        Vma prev = mm.prevVma(v);
        if (prev != null && prev.canMergeWith(v)) {
            absorb(mm, prev, v);
            v = prev;
        }
        Vma next = mm.nextVma(v);
        if (next != null && v.canMergeWith(next)) {
            absorb(mm, v, next);
        }
        return v;
    }

    /** Merges every compatible neighbour pair touching {@code [start, end]}. */
    static void mergeRange(AddressSpace mm, long start, long end) {
        Vma v = mm.vmaFrom(start > 0 ? start - 1 : 0);
        while (v != null && v.start <= end) {
            Vma next = mm.nextVma(v);
            if (next != null && v.canMergeWith(next)) {
                absorb(mm, v, next);
            } else {
                v = next;
            }
        }
    }

    private static void absorb(AddressSpace mm, Vma low, Vma high) {
        mm.removeVma(high);
        low.end = high.end;
        low.flags |= high.flags & Vma.SOFTDIRTY;
        if (low.anonVma == null) {
            low.anonVma = high.anonVma;
        }
    }

    /**
     * Splits VMAs so that {@code [start, end)} starts and ends on VMA boundaries (splitting any PMD
     * leaf straddling them first). Returns {@link Errno#ENOMEM} if a huge page could not be split.
     */
    static Errno splitAt(AddressSpace mm, long start, long end) {
        Errno r = HugeMemory.splitStraddling(mm, start);
        if (r.isOk()) {
            r = HugeMemory.splitStraddling(mm, end);
        }
        if (!r.isOk()) {
            return r;
        }
        Vma v = mm.vmaAt(start);
        if (v != null && v.start < start) {
            splitVma(mm, v, start);
        }
        v = mm.vmaAt(end);
        if (v != null && v.start < end) {
            splitVma(mm, v, end);
        }
        return Errno.OK;
    }

    /** Whether {@code [start, end)} is mapped without holes. */
    static boolean fullyMapped(AddressSpace mm, long start, long end) {
        long a = start;
        while (a < end) {
            Vma v = mm.vmaAt(a);
            if (v == null) {
                return false;
            }
            a = v.end;
        }
        return true;
    }

    /**
     * {@code get_unmapped_area}: the hint if it is free, else the highest free gap (top-down, as
     * {@code mmap_base} allocation does), aligned to 2 MiB for mappings of at least 2 MiB
     * ({@code thp_get_unmapped_area}); -1 when there is none.
     */
    static long unmappedArea(AddressSpace mm, long hint, long len) {
        if (hint != 0 && hint <= Host.TASK_SIZE - len) {
            Vma v = mm.vmaFrom(hint);
            if (v == null || v.start >= hint + len) {
                return hint;
            }
        }
        long align = len >= Host.PMD_SIZE ? Host.PMD_SIZE : Host.PAGE_SIZE;
        long high = Host.TASK_SIZE;
        for (Vma v : mm.vmasDescending()) {
            long cand = (high - len) & -align;
            if (cand >= v.end) {
                return cand;
            }
            high = Math.min(high, v.start);
            if (high < len) {
                return -1;
            }
        }
        long cand = (high - len) & -align;
        return high >= len && cand >= MMAP_MIN_ADDR ? cand : -1;
    }
}

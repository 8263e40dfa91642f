package org.devmirror.mm;

/**
 * Models {@code struct vm_area_struct} (include/linux/mm_types.h): one contiguous range of an
 * address space with one protection, one set of flags and one backing object.
 *
 * <p>The public view is read-only. The host changes a VMA's fields only with the owning address
 * space's mmap lock held for write (splitting and merging it as {@code split_vma} and
 * {@code vma_merge} do), except {@code anonVma}, which a fault under the read lock attaches once
 * under the page-table lock ({@code anon_vma_prepare}). {@link AddressSpace#vmas()} returns
 * copies, so a caller's view never changes under it.
 */
public final class Vma {
    /** Internal flag: {@code VM_NOHUGEPAGE} after {@code MADV_NOHUGEPAGE}. */
    static final int NOHUGEPAGE = 0x8000000;
    /** Internal flag: {@code VM_MERGEABLE} after {@code MADV_MERGEABLE}. */
    static final int MERGEABLE = 0x10000000;
    /**
     * Internal flag: {@code VM_SOFTDIRTY}. Set on every new VMA ({@code __mmap_complete}: a range
     * mapped anew must read as written) and cleared by {@code clear_refs}; pagemap reports every
     * page of a VMA that has it as soft-dirty, populated or not. Ignored when deciding whether
     * two VMAs merge ({@code is_mergeable_vma}); a merged VMA keeps it if either half had it.
     */
    static final int SOFTDIRTY = 0x20000000;
    /**
     * Internal flag: {@code VM_UFFD_WP}, registered with the address space's userfaultfd in
     * write-protect mode ({@code UFFDIO_REGISTER_MODE_WP}).
     */
    static final int UFFD_WP = 0x40000000;
    /** Flags kept on a VMA (the rest of mmap's flags only steer placement). */
    static final int KEPT_FLAGS = MapFlags.SHARED
            | MapFlags.PRIVATE
            | MapFlags.ANONYMOUS
            | MapFlags.HUGEPAGE
            | MapFlags.HUGETLB
            | NOHUGEPAGE
            | MERGEABLE
            | SOFTDIRTY
            | UFFD_WP;

    // page aligned; start < end; guarded by the mmap write lock
    long start;
    long end;
    // Prot bits; guarded by the mmap write lock
    int prot;
    // KEPT_FLAGS bits; guarded by the mmap write lock
    int flags;
    // the file, or the shmem object of a shared anonymous mapping; null for private anonymous memory
    final MemoryObject object;
    // vm_pgoff: page index in object of start, or start >>> PAGE_SHIFT for anonymous memory (kept by mremap)
    long pgoff;
    // the fork family of this VMA's anonymous pages; null until the first anonymous page (anon_vma_prepare)
    volatile AnonVma anonVma;

    Vma(long start, long end, int prot, int flags, MemoryObject object, long pgoff, AnonVma anonVma) {
        this.start = start;
        this.end = end;
        this.prot = prot;
        this.flags = flags & KEPT_FLAGS;
        this.object = object;
        this.pgoff = pgoff;
        this.anonVma = anonVma;
    }

    /** A detached copy (for snapshots and for the other half of a split). */
    Vma copy() {
        return new Vma(start, end, prot, flags, object, pgoff, anonVma);
    }

    /** First byte. */
    public long start() {
        return start;
    }

    /** One past the last byte. */
    public long end() {
        return end;
    }

    /** Length in bytes. */
    public long length() {
        return end - start;
    }

    /** {@link Prot} bits. */
    public int prot() {
        return prot;
    }

    /** {@link MapFlags} bits kept on the VMA (SHARED or PRIVATE, ANONYMOUS, HUGEPAGE). */
    public int flags() {
        return flags;
    }

    /** {@code vma_is_anonymous()} or a shared anonymous (shmem) mapping: not backed by a named file. */
    public boolean isAnonymous() {
        return (flags & MapFlags.ANONYMOUS) != 0;
    }

    /** {@code VM_SHARED}. */
    public boolean isShared() {
        return (flags & MapFlags.SHARED) != 0;
    }

    /** {@code is_vm_hugetlb_page}: a {@link MapFlags#HUGETLB} mapping of 2 MiB hugetlb pages. */
    public boolean isHugetlb() {
        return (flags & MapFlags.HUGETLB) != 0;
    }

    /** {@code VM_HUGEPAGE} without {@code VM_NOHUGEPAGE}. */
    public boolean isHugeHint() {
        return (flags & MapFlags.HUGEPAGE) != 0 && (flags & NOHUGEPAGE) == 0;
    }

    /** {@code VM_MERGEABLE}. */
    public boolean isMergeable() {
        return (flags & MERGEABLE) != 0;
    }

    /** {@code VM_SOFTDIRTY}: every page of the VMA reads as soft-dirty until the next {@code clear_refs}. */
    public boolean isSoftDirty() {
        return (flags & SOFTDIRTY) != 0;
    }

    /** {@code userfaultfd_wp(vma)}: registered with the userfaultfd in write-protect mode. */
    public boolean isUffdWp() {
        return (flags & UFFD_WP) != 0;
    }

    /** The mapped file, or {@code null} for anonymous memory (private or shared). */
    public MemoryObject file() {
        return isAnonymous() ? null : object;
    }

    /** Byte offset in the file of {@link #start()}; 0 for anonymous memory. */
    public long fileOffset() {
        return isAnonymous() ? 0 : pgoff << Host.PAGE_SHIFT;
    }

    boolean canRead() {
        return (prot & Prot.READ) != 0;
    }

    boolean canWrite() {
        return (prot & Prot.WRITE) != 0;
    }

    /** Private anonymous memory: no backing object at all ({@code vma_is_anonymous}). */
    boolean isPrivateAnon() {
        return object == null;
    }

    /** {@code is_cow_mapping()}: private, so writes copy. */
    boolean isCow() {
        return !isShared();
    }

    /** {@code linear_page_index()}: the page index (in object, or anonymous) of addr. */
    long linearIndex(long addr) {
        return pgoff + ((addr - start) >>> Host.PAGE_SHIFT);
    }

    /** {@code vma_address()}: where page index {@code index} is mapped, or -1 outside this VMA. */
    long addressOf(long index) {
        long delta = index - pgoff;
        if (delta < 0 || delta >= (end - start) >>> Host.PAGE_SHIFT) {
            return -1;
        }
        return start + (delta << Host.PAGE_SHIFT);
    }

    boolean contains(long addr) {
        return addr >= start && addr < end;
    }

    /**
     * {@code is_mergeable_vma} + {@code is_mergeable_anon_vma} + pgoff continuity: {@code next}
     * starts where this ends and could be the same VMA.
     */
    boolean canMergeWith(Vma next) {
        if (end != next.start
                || prot != next.prot
                || ((flags ^ next.flags) & ~SOFTDIRTY) != 0
                || object != next.object) {
            return false;
        }
        if (pgoff + ((end - start) >>> Host.PAGE_SHIFT) != next.pgoff) {
            return false;
        }
        AnonVma a = anonVma;
        AnonVma b = next.anonVma;
        return a == null || b == null || a == b;
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ") " + Prot.toString(prot)
                + (isShared() ? " shared" : " private") + (isAnonymous() ? " anon" : " file=" + object.name())
                + (isHugeHint() ? " huge" : "") + (isUffdWp() ? " uffd-wp" : "");
    }
}

package org.devmirror.mm;

/**
 * The {@code MAP_*} flags of {@code mmap()} and the {@code MREMAP_*} flags of {@code mremap()}
 * that devmirror models. Exactly one of {@link #PRIVATE} and {@link #SHARED} must be given to
 * {@code mmap}; {@link #ANONYMOUS} means no file.
 */
public final class MapFlags {
    /** {@code MAP_SHARED}: writes are visible to every mapping of the same object, and survive fork shared. */
    public static final int SHARED = 0x01;
    /** {@code MAP_PRIVATE}: copy-on-write. */
    public static final int PRIVATE = 0x02;
    /** {@code MAP_FIXED}: map exactly at the address, replacing what is there (an UNMAP of the old range). */
    public static final int FIXED = 0x10;
    /** {@code MAP_ANONYMOUS}: not backed by a file. */
    public static final int ANONYMOUS = 0x20;
    /** {@code MAP_FIXED_NOREPLACE}: map exactly at the address, fail with EEXIST-like ENOMEM if anything is there. */
    public static final int FIXED_NOREPLACE = 0x100000;
    /**
     * {@code MAP_HUGETLB}: private anonymous memory of 2 MiB hugetlb pages (the default
     * {@code hstate} on x86-64). The length is rounded up to 2 MiB and the address is 2 MiB
     * aligned; every fault maps a whole 2 MiB page with one PMD entry, which is never split: a
     * munmap, mprotect or madvise that would cut one is EINVAL ({@code hugetlb_vm_op_split}). Only
     * {@code MAP_PRIVATE | MAP_ANONYMOUS} is modelled (no hugetlbfs files, no PMD sharing).
     */
    public static final int HUGETLB = 0x40000;
    /** devmirror's huge-page hint: the VMA is {@code VM_HUGEPAGE} (as after {@code madvise(MADV_HUGEPAGE)}). */
    public static final int HUGEPAGE = 0x4000000;

    /** {@code MREMAP_MAYMOVE}. */
    public static final int MREMAP_MAYMOVE = 1;
    /** {@code MREMAP_FIXED}. */
    public static final int MREMAP_FIXED = 2;
    /** {@code MREMAP_DONTUNMAP}: move the pages, leave the old range mapped and empty. */
    public static final int MREMAP_DONTUNMAP = 4;

    private MapFlags() {}
}

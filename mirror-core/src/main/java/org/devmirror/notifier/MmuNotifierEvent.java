package org.devmirror.notifier;

/**
 * Models {@code enum mmu_notifier_event} (include/linux/mmu_notifier.h): why the host is
 * invalidating a range of its page tables.
 *
 * <p>Before the 2018 patch that introduced these values, a device mirror had to assume every
 * invalidation was an {@code munmap()} and rebuild its page tables. With the event a driver can
 * drop its tracking only on {@link #UNMAP}, keep it on {@link #CLEAR}, and update permissions in
 * place on the protection events. No event is safe to ignore: the protection events may take
 * write access away per PTE whatever the VMA says, and {@link #SOFT_DIRTY} asks the driver to
 * mark soft-dirty what it may write without the CPU.
 *
 * <p>The ordinals match the kernel's values (UNMAP = 0 ... EXCLUSIVE = 7).
 */
public enum MmuNotifierEvent {
    /** {@code munmap()} unmaps the range, or {@code mremap()} moves it away (unmap_vmas, move_page_tables). */
    UNMAP,
    /**
     * Page-table entries are cleared: madvise(DONTNEED/FREE), a COW break replacing a page,
     * reclaim, compaction, KSM, THP collapse and split, the OOM reaper.
     */
    CLEAR,
    /**
     * Protection change over the range by {@code change_protection}: {@code mprotect()}, but also
     * userfaultfd write-protect ({@code mwriteprotect_range}), PAGEMAP_SCAN's write-protect and
     * NUMA hinting ({@code change_prot_numa}), which leave the VMA writable and take access away
     * in the PTEs. The kernel-doc says the VMA's protection is enough; for these callers it is
     * not, so a mirror reads the CPU PTEs.
     */
    PROTECTION_VMA,
    /**
     * Per-page read/write change: the mirror must re-read the CPU page table once the host is done
     * (fork's COW write-protect in copy_page_range, page_mkclean_one).
     */
    PROTECTION_PAGE,
    /**
     * {@code clear_refs_write} clears soft-dirty bits: same page, same access for the CPU, but
     * the kernel-doc asks a mirror to mark soft-dirty, in the end callback, every page it may write
     * without a CPU fault, or to take that write access away.
     */
    SOFT_DIRTY,
    /** The address space is going away; sent to interval notifiers by {@code mn_itree_release}. */
    RELEASE,
    /** {@code migrate_vma_collect()}: ignore when the range's owner is this device's pagemap owner. */
    MIGRATE,
    /** {@code make_device_exclusive()}: the owner is the caller, so it can filter its own event. */
    EXCLUSIVE;

    private static final MmuNotifierEvent[] VALUES = values();

    /** Number of events, for per-event counter arrays indexed by {@link #ordinal()}. */
    public static final int COUNT = VALUES.length;

    /** The event with the given kernel value; {@code IllegalArgumentException} outside 0..7. */
    public static MmuNotifierEvent ofValue(int value) {
        if (value < 0 || value >= COUNT) {
            throw new IllegalArgumentException(
                    "event=" + value + " is not an mmu_notifier_event (0.." + (COUNT - 1) + ")");
        }
        return VALUES[value];
    }
}

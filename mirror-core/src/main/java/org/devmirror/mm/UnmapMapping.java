package org.devmirror.mm;

import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code unmap_mapping_range} → {@code unmap_mapping_pages} → {@code unmap_mapping_range_tree}
 * → {@code zap_page_range_single} (mm/memory.c): unmaps a range of a file's pages from every
 * address space that maps the file. Per VMA of the file's {@code i_mmap} (shared and private file
 * mappings, and shmem mappings) overlapping the page range, one blockable CLEAR over the VMA's part
 * of the range, whatever is populated there, then the zap. With {@code evenCows} false a private
 * mapping's copy-on-write copies stay. Under {@link InvalidationRanges#NARROWED} each CLEAR covers
 * only the populated part of the VMA's share, and none is raised for a share with nothing mapped.
 *
 * <p>The arithmetic is the kernel's, in unsigned 64-bit page indexes, including its edge cases:
 * a {@code holelen} of 0 means "to the end of the file", and a negative one wraps to the same.
 *
 * <h2>Locking</h2>
 * The kernel holds only {@code i_mmap_rwsem}; devmirror's zap needs the mmap lock of the address
 * space it changes, so each one's read lock is taken in turn (blocking: the unmap must not skip a
 * mapping), never two at once. The caller holds no mmap lock, or only the write lock of an address
 * space it passes through (the lock is reentrant).
 */
final class UnmapMapping {
    private UnmapMapping() {}

    /** {@code unmap_mapping_range(mapping, holebegin, holelen, even_cows)}; lengths in bytes. */
    static void range(MemoryObject file, long holebegin, long holelen, boolean evenCows) {
        long hba = holebegin >>> Host.PAGE_SHIFT;
        long hlen = (holelen + Host.PAGE_SIZE - 1) >>> Host.PAGE_SHIFT;
        pages(file, hba, hlen, evenCows);
    }

    /** {@code unmap_mapping_pages(mapping, start, nr, even_cows)}. */
    static void pages(MemoryObject file, long first, long nr, boolean evenCows) {
        long last = first + nr - 1;
        if (Long.compareUnsigned(last, first) < 0) {
            last = -1; // ULONG_MAX: to the end of the file
        }
        for (AddressSpace mm : file.mappers.snapshot()) {
            mm.mmapReadLock();
            try {
                if (!mm.isExited()) {
                    tree(mm, file, first, last, evenCows);
                }
            } finally {
                mm.mmapReadUnlock();
            }
        }
    }

    /** {@code unmap_mapping_range_tree} over one address space's VMAs of the file. */
    private static void tree(AddressSpace mm, MemoryObject file, long first, long last, boolean evenCows) {
        for (Vma v : mm.allVmas()) {
            if (v.object != file) {
                continue;
            }
            long vba = v.pgoff;
            long vea = vba + ((v.end - v.start) >>> Host.PAGE_SHIFT) - 1;
            if (Long.compareUnsigned(vea, first) < 0 || Long.compareUnsigned(vba, last) > 0) {
                continue;
            }
            long zba = Long.compareUnsigned(first, vba) > 0 ? first : vba;
            long zea = Long.compareUnsigned(last, vea) < 0 ? last : vea;
            long start = v.start + ((zba - vba) << Host.PAGE_SHIFT);
            long end = v.start + ((zea - vba + 1) << Host.PAGE_SHIFT);
            zapPageRangeSingle(mm, v, start, end, evenCows);
        }
    }

    /** {@code zap_page_range_single}: CLEAR over the range, then the zap. */
    private static void zapPageRangeSingle(AddressSpace mm, Vma v, long start, long end, boolean evenCows) {
        int slot = mm.notify.startOver(MmuNotifierEvent.CLEAR, start, end, null);
        try {
            Zap.mappingRange(mm, v, start, end, evenCows);
        } finally {
            mm.notify.end(slot);
        }
    }
}

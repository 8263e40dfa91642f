package org.devmirror.mm;

/**
 * Models the size change of {@code shmem_setattr} (mm/shmem.c; mm/truncate.c's
 * {@code truncate_pagecache} does the same for other file systems) for {@code truncate} and
 * {@code ftruncate}, and the hole punch of
 * {@code shmem_fallocate} (mm/shmem.c) → {@code truncate_pagecache_range}-style unmapping and
 * {@code shmem_truncate_range}. devmirror's files behave as tmpfs files here.
 *
 * <ul>
 *   <li>Shrinking: i_size is written first (so faults beyond it fail from now on), then, if a
 *       whole page lay beyond the new end, {@code unmap_mapping_range(holebegin, 0, even_cows=1)}, the page cache beyond the new end
 *       is dropped (the partial last page zeroed past the end), and the unmap runs again: a private
 *       copy-on-write page made meanwhile must go too. Each unmap raises CLEAR per mapping VMA.</li>
 *   <li>Punching a hole: {@code unmap_mapping_range} once over the whole pages of the hole
 *       without {@code even_cows} (private copies stay), then the pages are dropped and partial
 *       pages zeroed. As in the kernel, a hole inside the first page of the file
 *       ({@code offset + len < PAGE_SIZE}) unmaps from the first whole page to the end of the file:
 *       {@code round_down(offset + len) - 1} is -1 and the length passed wraps.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * The file's {@code inodeLock} ({@code i_rwsem}) serialises these; mmap locks are taken inside it
 * by {@link UnmapMapping}.
 */
final class Truncate {
    private Truncate() {}

    static Errno setsize(MemoryObject file, long newSize) {
        if (newSize < 0 || newSize > Host.TASK_SIZE) {
            throw new IllegalArgumentException("newSize=" + newSize + " is outside [0, TASK_SIZE]");
        }
        file.inodeLock.lock();
        try {
            long old = file.size();
            file.setSize(newSize);
            if (newSize <= old) {
                long holebegin = roundUp(newSize);
                if (old > holebegin) {
                    UnmapMapping.range(file, holebegin, 0, true);
                }
                file.truncateRange(newSize, Long.MAX_VALUE);
                if (old > holebegin) {
                    UnmapMapping.range(file, holebegin, 0, true); // again: private pages COWed meanwhile
                }
            }
            return Errno.OK;
        } finally {
            file.inodeLock.unlock();
        }
    }

    static Errno fallocate(MemoryObject file, int mode, long offset, long len) {
        if (offset < 0 || len <= 0 || offset > Host.TASK_SIZE - len) {
            throw new IllegalArgumentException(
                    "offset=" + offset + " len=" + len + " is not a non-empty range below TASK_SIZE");
        }
        int known = MemoryObject.FALLOC_FL_KEEP_SIZE | MemoryObject.FALLOC_FL_PUNCH_HOLE;
        if ((mode & ~known) != 0) {
            return Errno.EOPNOTSUPP;
        }
        boolean punch = (mode & MemoryObject.FALLOC_FL_PUNCH_HOLE) != 0;
        boolean keep = (mode & MemoryObject.FALLOC_FL_KEEP_SIZE) != 0;
        if (punch && !keep) {
            return Errno.EOPNOTSUPP; // vfs_fallocate: punching a hole must keep the size
        }
        file.inodeLock.lock();
        try {
            if (punch) {
                long unmapStart = roundUp(offset);
                long unmapEnd = ((offset + len) & -Host.PAGE_SIZE) - 1;
                if (Long.compareUnsigned(unmapEnd, unmapStart) > 0) {
                    UnmapMapping.range(file, unmapStart, 1 + unmapEnd - unmapStart, false);
                }
                file.truncateRange(offset, offset + len);
            } else if (!keep && offset + len > file.size()) {
                file.setSize(offset + len);
            }
            return Errno.OK;
        } finally {
            file.inodeLock.unlock();
        }
    }

    private static long roundUp(long bytes) {
        return (bytes + Host.PAGE_SIZE - 1) & -Host.PAGE_SIZE;
    }
}

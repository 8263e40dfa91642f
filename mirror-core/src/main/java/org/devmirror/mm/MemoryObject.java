package org.devmirror.mm;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.mm.phys.PhysicalMemory;

/**
 * Models a file's {@code struct address_space} (its page cache, include/linux/fs.h) and inode
 * size, or a shmem object backing a shared anonymous mapping: page index to frame, filled on
 * first use, plus the address spaces that map it ({@code i_mmap}, for the reverse map).
 *
 * <p>A file has a backing store (its "disk"): a page reads from it when it enters the page cache,
 * and writeback ({@link AddressSpace#writeback}) writes a dirty page's bytes to it
 * ({@code folio_clear_dirty_for_io}). A page is "dirty" from the first write through a mapping or
 * {@link #pwrite} until then. A shmem object has no backing store ({@code mapping_can_writeback}
 * is false for tmpfs): its page cache is its content.
 *
 * <p>Size changes and holes: {@link #truncate} ({@code truncate}/{@code ftruncate}) and
 * {@link #fallocate} ({@code FALLOC_FL_PUNCH_HOLE}) unmap the affected pages from every address
 * space mapping the file, with the invalidations docs/events.md lists, and drop them from the page
 * cache. A mapping's access beyond the end of the file is {@link Errno#SIGBUS}.
 *
 * <h2>Locking</h2>
 * The page array, dirty bits, backing store and size are guarded by {@code lock} (the page cache's
 * xarray lock); it is taken after any page-table lock is released, never while holding one.
 * {@code inodeLock} ({@code i_rwsem}) serialises size changes and hole punches; it is taken
 * before any mmap lock. Each cached frame holds one reference, owned by this object.
 */
public final class MemoryObject {
    /** {@link #findGet}: the index is at or beyond the end of the file ({@code VM_FAULT_SIGBUS}). */
    static final long BEYOND_EOF = -2;
    /** {@link #findGet}: the cached page is hardware-poisoned (shmem keeps it in the cache). */
    static final long POISONED = -3;

    private final Host host;
    private final String name;
    private final boolean shmem;
    private final ReentrantLock lock = new ReentrantLock();
    /** {@code i_rwsem}: held across a truncate or a hole punch. */
    final ReentrantLock inodeLock = new ReentrantLock();
    // i_size in bytes; written under lock, read anywhere
    private volatile long size;
    // index -> pfn, or PhysicalMemory.NO_FRAME when the page is not cached; grows, never shrinks; guarded by lock
    private long[] pages;
    // index -> dirty since the last writeback; same length as pages; guarded by lock
    private boolean[] dirty;
    // index -> the page's bytes on the backing store, or null for zeros; same length as pages; guarded by lock
    private byte[][] stored;
    // address spaces with a VMA of this object (i_mmap); read without the lock
    final MapperSet mappers = new MapperSet();

    MemoryObject(Host host, String name, long size, boolean shmem) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name=" + name + " must be a non-empty string");
        }
        int n = pagesFor("size", size);
        this.host = host;
        this.name = name;
        this.shmem = shmem;
        this.size = size;
        this.pages = new long[n];
        this.dirty = new boolean[n];
        this.stored = new byte[n][];
        Arrays.fill(pages, PhysicalMemory.NO_FRAME);
    }

    private static int pagesFor(String what, long size) {
        if (size <= 0 || size > Host.TASK_SIZE) {
            throw new IllegalArgumentException(what + "=" + size + " is outside (0, TASK_SIZE]");
        }
        long n = (size + Host.PAGE_SIZE - 1) >>> Host.PAGE_SHIFT;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + "=" + size + " has too many pages for one object");
        }
        return (int) n;
    }

    /** The file's name ("shmem" for a shared anonymous mapping). */
    public String name() {
        return name;
    }

    /** Size in bytes ({@code i_size}). */
    public long size() {
        return size;
    }

    /** A shmem object (tmpfs): no backing store, so nothing is ever written back. */
    public boolean isShmem() {
        return shmem;
    }

    /**
     * {@code truncate}/{@code ftruncate}: sets the size. Shrinking unmaps every page beyond the
     * new end from every address space mapping the file, private copy-on-write copies included,
     * and drops it from the page cache and the backing store; the page holding the new end keeps
     * its bytes before it and reads zeros after it. docs/events.md lists the invalidations.
     *
     * @return {@link Errno#OK}
     */
    public Errno truncate(long newSize) {
        return Truncate.setsize(this, newSize);
    }

    /** {@code fallocate} mode bit {@code FALLOC_FL_KEEP_SIZE}. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** {@code fallocate} mode bit {@code FALLOC_FL_PUNCH_HOLE} (needs {@link #FALLOC_FL_KEEP_SIZE}). */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;

    /**
     * {@code fallocate(fd, mode, offset, len)} as tmpfs implements it ({@code shmem_fallocate}):
     * mode 0 allocates (the size grows to {@code offset + len} if that is larger), KEEP_SIZE
     * alone only reserves, PUNCH_HOLE|KEEP_SIZE frees {@code [offset, offset + len)}: whole pages
     * are unmapped from every shared mapping and from private mappings that still map the page
     * cache (private copies stay) and dropped, partial pages are zeroed; reads then see zeros.
     *
     * @return OK, or EOPNOTSUPP for PUNCH_HOLE without KEEP_SIZE or any other mode bit
     */
    public Errno fallocate(int mode, long offset, long len) {
        return Truncate.fallocate(this, mode, offset, len);
    }

    /** Pages in the page cache. */
    public long cachedPages() {
        lock.lock();
        try {
            long n = 0;
            for (long p : pages) {
                if (p != PhysicalMemory.NO_FRAME) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Pages dirtied since the last writeback. */
    public long dirtyPages() {
        lock.lock();
        try {
            long n = 0;
            for (boolean d : dirty) {
                if (d) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code pread()}: copies {@code len} bytes at {@code offset} into dst; pages not cached read
     * from the backing store (zeros where nothing was written back). {@code IllegalArgumentException}
     * if the range is outside the file or dst.
     *
     * @return OK, or EIO at a hardware-poisoned shmem page (bytes before it are copied)
     */
    public Errno pread(long offset, byte[] dst, int dstOff, int len) {
        checkIo(offset, dst, dstOff, len);
        lock.lock();
        try {
            return copyLocked(offset, dst, dstOff, len, false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code pwrite()}: copies {@code len} bytes from src into the page cache at {@code offset}.
     *
     * @return {@link Errno#OK}; {@link Errno#ENOMEM} when a page could not be cached, or EIO at a
     *         hardware-poisoned shmem page (bytes before it are written, as a short write)
     */
    public Errno pwrite(long offset, byte[] src, int srcOff, int len) {
        checkIo(offset, src, srcOff, len);
        lock.lock();
        try {
            return copyLocked(offset, src, srcOff, len, true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The page-by-page loop of {@code filemap_read}/{@code generic_perform_write}: a read sees
     * the backing store where nothing is cached; a write caches a page where needed, dirties it,
     * and stops with ENOMEM at the first page it cannot cache.
     */
    private Errno copyLocked(long offset, byte[] buf, int off, int len, boolean write) {
        PhysicalMemory mem = host.memory();
        while (len > 0) {
            int idx = (int) (offset >>> Host.PAGE_SHIFT);
            int in = (int) (offset & (Host.PAGE_SIZE - 1));
            int n = (int) Math.min(len, Host.PAGE_SIZE - in);
            long pfn = pages[idx];
            if (pfn != PhysicalMemory.NO_FRAME && mem.isHwpoison(pfn)) {
                return Errno.EIO; // shmem_file_read_iter / shmem_write_begin: -EIO
            }
            if (write) {
                pfn = findOrCreateLocked(idx);
                if (pfn == PhysicalMemory.NO_FRAME) {
                    return Errno.ENOMEM;
                }
                mem.write(pfn, in, buf, off, n);
                dirty[idx] = true;
            } else if (pfn != PhysicalMemory.NO_FRAME) {
                mem.read(pfn, in, buf, off, n);
            } else if (stored[idx] != null) {
                System.arraycopy(stored[idx], in, buf, off, n);
            } else {
                Arrays.fill(buf, off, off + n, (byte) 0);
            }
            offset += n;
            off += n;
            len -= n;
        }
        return Errno.OK;
    }

    private void checkIo(long offset, byte[] buf, int off, int len) {
        long sz = size;
        if (offset < 0 || len < 0 || offset > sz - len) {
            throw new IllegalArgumentException("offset=" + offset + " len=" + len + " is outside size=" + sz);
        }
        if (off < 0 || off > buf.length - len) {
            throw new IllegalArgumentException(
                    "off=" + off + " len=" + len + " is outside the buffer of " + buf.length);
        }
    }

    /** Pages in the file now: {@code DIV_ROUND_UP(i_size, PAGE_SIZE)}. */
    long pageCount() {
        return (size + Host.PAGE_SIZE - 1) >>> Host.PAGE_SHIFT;
    }

    /**
     * {@code filemap_fault}/{@code shmem_fault}'s page lookup: the cached frame of index with a
     * reference for the caller (who drops it with {@code put} once it has mapped or copied the
     * page), caching it from the backing store first if needed.
     *
     * @return the frame; NO_FRAME when out of memory; {@link #BEYOND_EOF} when index is at or
     *         past the end of the file; {@link #POISONED} when the cached page is poisoned
     */
    long findGet(long index) {
        lock.lock();
        try {
            if (index >= pageCount()) {
                return BEYOND_EOF;
            }
            long pfn = findOrCreateLocked((int) index);
            if (pfn == PhysicalMemory.NO_FRAME) {
                return pfn;
            }
            if (host.memory().isHwpoison(pfn)) {
                return POISONED;
            }
            host.memory().get(pfn); // the caller's reference: a truncate may drop the cache's meanwhile
            return pfn;
        } finally {
            lock.unlock();
        }
    }

    private long findOrCreateLocked(int index) {
        long pfn = pages[index];
        if (pfn == PhysicalMemory.NO_FRAME) {
            pfn = host.memory().allocFrame();
            if (pfn == PhysicalMemory.NO_FRAME) {
                return pfn;
            }
            if (stored[index] != null) {
                host.memory().write(pfn, 0, stored[index], 0, (int) Host.PAGE_SIZE); // read from the backing store
            }
            host.rmap().setFile(pfn, this, index);
            pages[index] = pfn;
        }
        return pfn;
    }

    /** The cached frame of index, or NO_FRAME (also beyond the cache). */
    long lookup(long index) {
        lock.lock();
        try {
            return index < pages.length ? pages[(int) index] : PhysicalMemory.NO_FRAME;
        } finally {
            lock.unlock();
        }
    }

    /** Compaction: the cache entry moves from oldPfn to newPfn (the cache's reference moves with it). */
    boolean replace(long index, long oldPfn, long newPfn) {
        lock.lock();
        try {
            if (index >= pages.length || pages[(int) index] != oldPfn) {
                return false;
            }
            pages[(int) index] = newPfn;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** {@code folio_mark_dirty}; nothing for a page no longer in the file. */
    void markDirty(long index) {
        lock.lock();
        try {
            if (index < dirty.length) {
                dirty[(int) index] = true;
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@code folio_test_dirty} of the cached page at index. */
    boolean isDirty(long index) {
        lock.lock();
        try {
            return index < dirty.length && dirty[(int) index];
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code folio_clear_dirty_for_io} and the write that follows: true if the page was dirty, in
     * which case its bytes now are on the backing store (a shmem object has none: only the bit
     * is cleared).
     */
    boolean testAndClearDirty(long index) {
        lock.lock();
        try {
            if (index >= dirty.length || !dirty[(int) index]) {
                return false;
            }
            dirty[(int) index] = false;
            long pfn = pages[(int) index];
            if (!shmem && pfn != PhysicalMemory.NO_FRAME) {
                byte[] bytes = stored[(int) index] != null ? stored[(int) index] : new byte[(int) Host.PAGE_SIZE];
                host.memory().read(pfn, 0, bytes, 0, bytes.length);
                stored[(int) index] = bytes;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets i_size ({@code i_size_write}); growing extends the cache's arrays. Caller holds
     * {@link #inodeLock}.
     */
    void setSize(long newSize) {
        int n = newSize == 0 ? 0 : pagesFor("newSize", newSize);
        lock.lock();
        try {
            if (n > pages.length) {
                int old = pages.length;
                pages = Arrays.copyOf(pages, n);
                Arrays.fill(pages, old, n, PhysicalMemory.NO_FRAME);
                dirty = Arrays.copyOf(dirty, n);
                stored = Arrays.copyOf(stored, n);
            }
            size = newSize;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code truncate_inode_pages_range}: drops the whole pages of {@code [from, to)} (bytes) from
     * the page cache and the backing store and zeroes the partial pages at either end
     * ({@code truncate_inode_partial_folio}). A page still mapped somewhere (a fault raced with
     * the unmap) keeps its frame alive through the mapping's reference until the caller's second
     * unmap. A poisoned shmem page is dropped like any other (the hole is the recovery).
     *
     * @return the pages dropped
     */
    long truncateRange(long from, long to) {
        PhysicalMemory mem = host.memory();
        lock.lock();
        try {
            to = Math.min(to, (long) pages.length << Host.PAGE_SHIFT);
            long n = 0;
            for (long off = from; off < to; ) {
                int idx = (int) (off >>> Host.PAGE_SHIFT);
                long pageEnd = ((long) idx + 1) << Host.PAGE_SHIFT;
                long stop = Math.min(to, pageEnd);
                int in = (int) (off & (Host.PAGE_SIZE - 1));
                if (in == 0 && stop == pageEnd) {
                    if (pages[idx] != PhysicalMemory.NO_FRAME) {
                        mem.put(pages[idx]);
                        pages[idx] = PhysicalMemory.NO_FRAME;
                        n++;
                    }
                    dirty[idx] = false;
                    stored[idx] = null;
                } else {
                    int len = (int) (stop - off);
                    if (pages[idx] != PhysicalMemory.NO_FRAME && !mem.isHwpoison(pages[idx])) {
                        mem.write(pages[idx], in, new byte[len], 0, len);
                    }
                    if (stored[idx] != null) {
                        Arrays.fill(stored[idx], in, in + len, (byte) 0);
                    }
                }
                off = stop;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code truncate_error_folio} for a regular file: a poisoned page leaves the page cache (its
     * dirty data is lost; the next access reads the backing store). A shmem object keeps it
     * ({@code shmem_error_remove_folio}): later accesses fail.
     */
    void errorRemove(long index, long pfn) {
        if (shmem) {
            return;
        }
        lock.lock();
        try {
            if (index < pages.length && pages[(int) index] == pfn) {
                pages[(int) index] = PhysicalMemory.NO_FRAME;
                dirty[(int) index] = false;
                host.memory().put(pfn);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Drops the cache's references (host shutdown). */
    void release() {
        lock.lock();
        try {
            for (int i = 0; i < pages.length; i++) {
                if (pages[i] != PhysicalMemory.NO_FRAME) {
                    host.memory().put(pages[i]);
                    pages[i] = PhysicalMemory.NO_FRAME;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "MemoryObject[" + name + ", " + size + " bytes]";
    }
}

package org.devmirror.mm;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.mm.phys.PhysicalMemory;

/**
 * Models a file's {@code struct address_space} (its page cache, include/linux/fs.h) or a shmem
 * object backing a shared anonymous mapping: page index to frame, filled on first use with a
 * zeroed frame, plus the address spaces that map it ({@code i_mmap}, for the reverse map).
 *
 * <p>devmirror has no block device behind files: the page cache is the file's content. A page
 * is "dirty" from the first write through a mapping or {@link #pwrite} until
 * {@link AddressSpace#writeback} cleans it ({@code folio_clear_dirty_for_io}).
 *
 * <h2>Locking</h2>
 * The page array and dirty bits are guarded by {@code lock} (the page cache's xarray lock); it
 * is taken after any page-table lock is released, never while holding one. Each cached frame
 * holds one reference, owned by this object.
 */
public final class MemoryObject {
    private static final AddressSpace[] NONE = new AddressSpace[0];

    private final Host host;
    private final String name;
    private final long size;
    private final ReentrantLock lock = new ReentrantLock();
    // index -> pfn, or PhysicalMemory.NO_FRAME when the page is not cached; guarded by lock
    private final long[] pages;
    // index -> dirty since the last writeback; guarded by lock
    private final boolean[] dirty;
    // address spaces with a VMA of this object; replaced, never mutated (copy on write)
    private volatile AddressSpace[] mappers = NONE;

    MemoryObject(Host host, String name, long size) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name=" + name + " must be a non-empty string");
        }
        if (size <= 0 || size > Host.TASK_SIZE) {
            throw new IllegalArgumentException("size=" + size + " is outside (0, TASK_SIZE]");
        }
        long n = (size + Host.PAGE_SIZE - 1) >>> Host.PAGE_SHIFT;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("size=" + size + " has too many pages for one object");
        }
        this.host = host;
        this.name = name;
        this.size = size;
        this.pages = new long[(int) n];
        this.dirty = new boolean[(int) n];
        Arrays.fill(pages, PhysicalMemory.NO_FRAME);
    }

    /** The file's name ("shmem" for a shared anonymous mapping). */
    public String name() {
        return name;
    }

    /** Size in bytes. */
    public long size() {
        return size;
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
     * as zeros. {@code IllegalArgumentException} if the range is outside the file or dst.
     */
    public void pread(long offset, byte[] dst, int dstOff, int len) {
        checkIo(offset, dst, dstOff, len);
        PhysicalMemory mem = host.memory();
        lock.lock();
        try {
            while (len > 0) {
                int idx = (int) (offset >>> Host.PAGE_SHIFT);
                int in = (int) (offset & (Host.PAGE_SIZE - 1));
                int n = (int) Math.min(len, Host.PAGE_SIZE - in);
                long pfn = pages[idx];
                if (pfn == PhysicalMemory.NO_FRAME) {
                    Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
                } else {
                    mem.read(pfn, in, dst, dstOff, n);
                }
                offset += n;
                dstOff += n;
                len -= n;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code pwrite()}: copies {@code len} bytes from src into the page cache at {@code offset}.
     *
     * @return {@link Errno#OK}, or {@link Errno#ENOMEM} when a page could not be cached (bytes
     *         before it are written, as a short write)
     */
    public Errno pwrite(long offset, byte[] src, int srcOff, int len) {
        checkIo(offset, src, srcOff, len);
        PhysicalMemory mem = host.memory();
        lock.lock();
        try {
            while (len > 0) {
                int idx = (int) (offset >>> Host.PAGE_SHIFT);
                int in = (int) (offset & (Host.PAGE_SIZE - 1));
                int n = (int) Math.min(len, Host.PAGE_SIZE - in);
                long pfn = findOrCreateLocked(idx);
                if (pfn == PhysicalMemory.NO_FRAME) {
                    return Errno.ENOMEM;
                }
                mem.write(pfn, in, src, srcOff, n);
                dirty[idx] = true;
                offset += n;
                srcOff += n;
                len -= n;
            }
            return Errno.OK;
        } finally {
            lock.unlock();
        }
    }

    private void checkIo(long offset, byte[] buf, int off, int len) {
        if (offset < 0 || len < 0 || offset > size - len) {
            throw new IllegalArgumentException("offset=" + offset + " len=" + len + " is outside size=" + size);
        }
        if (off < 0 || off > buf.length - len) {
            throw new IllegalArgumentException("off=" + off + " len=" + len + " is outside the buffer of " + buf.length);
        }
    }

    long pageCount() {
        return pages.length;
    }

    /** {@code filemap_fault}/{@code shmem_fault}: the cached frame of index, caching a zeroed one; NO_FRAME when out of memory. */
    long findOrCreate(long index) {
        lock.lock();
        try {
            return findOrCreateLocked((int) index);
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
            host.rmap().setFile(pfn, this, index);
            pages[index] = pfn;
        }
        return pfn;
    }

    /** The cached frame of index, or NO_FRAME. */
    long lookup(long index) {
        lock.lock();
        try {
            return pages[(int) index];
        } finally {
            lock.unlock();
        }
    }

    /** Compaction: the cache entry moves from oldPfn to newPfn (the cache's reference moves with it). */
    boolean replace(long index, long oldPfn, long newPfn) {
        lock.lock();
        try {
            if (pages[(int) index] != oldPfn) {
                return false;
            }
            pages[(int) index] = newPfn;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** {@code folio_mark_dirty}. */
    void markDirty(long index) {
        lock.lock();
        try {
            dirty[(int) index] = true;
        } finally {
            lock.unlock();
        }
    }

    /** {@code folio_clear_dirty_for_io}: true if the page was dirty. */
    boolean testAndClearDirty(long index) {
        lock.lock();
        try {
            boolean d = dirty[(int) index];
            dirty[(int) index] = false;
            return d;
        } finally {
            lock.unlock();
        }
    }

    /** The address spaces that map this object. */
    AddressSpace[] mappers() {
        return mappers; // volatile read: pairs with the volatile write in addMapper/removeMapper
    }

    synchronized void addMapper(AddressSpace mm) {
        AddressSpace[] m = mappers;
        for (AddressSpace a : m) {
            if (a == mm) {
                return;
            }
        }
        AddressSpace[] n = Arrays.copyOf(m, m.length + 1);
        n[m.length] = mm;
        mappers = n;
    }

    synchronized void removeMapper(AddressSpace mm) {
        AddressSpace[] m = mappers;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == mm) {
                AddressSpace[] n = new AddressSpace[m.length - 1];
                System.arraycopy(m, 0, n, 0, i);
                System.arraycopy(m, i + 1, n, i, m.length - i - 1);
                mappers = n;
                return;
            }
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

package org.devmirror.mm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.mm.phys.SwapDevice;

/**
 * The simulated machine: physical memory, a swap device, page-cache objects, the device pagemaps
 * registered with {@code memremap_pages}, and the address spaces (processes) running on it.
 *
 * <h2>Assumptions and Guarantees</h2>
 * All methods are thread-safe. Address spaces may be created, forked and exited from any thread.
 * Device-private PFNs start at {@link #DEVICE_PFN_BASE}, above every frame of system RAM; each
 * pagemap's range is 2 MiB aligned. The host counts the page-table entries naming each
 * device-private page and calls {@link DevicePagemap#pageFree} when the last one goes
 * ({@code free_zone_device_folio}).
 *
 * <h2>Locking</h2>
 * {@code this} guards the lists of files, address spaces and pagemaps; it is never held while
 * calling out.
 */
public final class Host implements AutoCloseable {
    /** Bytes per page. */
    public static final long PAGE_SIZE = 4096;
    /** log2 of {@link #PAGE_SIZE}. */
    public static final int PAGE_SHIFT = 12;
    /** Bytes mapped by a PMD leaf (2 MiB). */
    public static final long PMD_SIZE = 1L << 21;
    /** Pages in a PMD leaf. */
    public static final int PMD_PAGES = 512;
    /** Bytes one PUD entry covers (a PMD table): 1 GiB. */
    public static final long PUD_SIZE = 1L << 30;
    /** Bytes one PGD entry covers (a PUD table): 512 GiB. */
    public static final long PGDIR_SIZE = 1L << 39;
    /**
     * x86-64 user address space: valid addresses are {@code [0, TASK_SIZE)}. {@code TASK_SIZE_MAX}
     * (arch/x86/include/asm/page_64.h {@code task_size_max()}) is {@code 2^47} minus one page: the
     * top canonical page is never mappable, so a {@code SYSCALL} at its end cannot return to a
     * non-canonical address (arch/x86/include/asm/processor.h).
     */
    public static final long TASK_SIZE = (1L << 47) - PAGE_SIZE;
    /** First device-private PFN. */
    public static final long DEVICE_PFN_BASE = 1L << 32;

    private final HostConfig config;
    private final PhysicalMemory memory;
    private final SwapDevice swap;
    private final PageMapping rmap;
    private final AtomicInteger nextId = new AtomicInteger(1);
    // guarded by this
    private final List<MemoryObject> files = new ArrayList<>();
    // guarded by this
    private final List<AddressSpace> spaces = new ArrayList<>();
    // sorted by base pfn; replaced, never mutated (copy on write); written under this
    private volatile Pagemap[] pagemaps = new Pagemap[0];
    // next free device pfn; guarded by this
    private long nextDevicePfn = DEVICE_PFN_BASE;
    // MEMORY_DEVICE_COHERENT: the pagemap owning each 512-frame block of system RAM reserved for
    // a device, indexed by pfn >>> 9; null for ordinary RAM; a slot is written once, under this,
    // before any frame of its block is handed out, and read without a lock
    private final DevicePagemap[] coherentOwners;
    // folio_trylock of device-coherent frames, indexed by pfn; created by the first coherent registration
    private volatile AtomicIntegerArray coherentLocked;

    /**
     * One {@code memremap_pages} registration. {@code anon} and {@code index} are each device
     * page's {@code folio->mapping} and {@code folio->index} ({@code folio_add_new_anon_rmap}):
     * written before the entry that maps the page is published, read by
     * {@code migrate_device_range}'s reverse-map walk; stale for pages no entry names.
     */
    @SuppressWarnings(
            "ArrayRecordComponent") // its arrays are read by index and the record is never compared or hashed, so array
    // identity in equals() does not matter
    private record Pagemap(
            DevicePagemap pgmap,
            long base,
            long nrPages,
            AtomicIntegerArray refs,
            AnonVma[] anon,
            long[] index,
            AtomicIntegerArray locked) {}

    /** Boots a machine with the given configuration. */
    public Host(HostConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config=null");
        }
        this.config = config;
        this.memory = new PhysicalMemory(config.frames());
        this.swap = new SwapDevice(Math.max(1, config.swapSlots()));
        this.rmap = new PageMapping(config.frames());
        this.coherentOwners = new DevicePagemap[(int) ((config.frames() + PMD_PAGES - 1) >>> 9)];
        memory.setZoneDeviceFree(pfn -> coherentOwners[(int) (pfn >>> 9)].pageFree(pfn));
    }

    /** Boots a machine with {@link HostConfig#defaults()}. */
    public Host() {
        this(HostConfig.defaults());
    }

    public HostConfig config() {
        return config;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    public SwapDevice swap() {
        return swap;
    }

    PageMapping rmap() {
        return rmap;
    }

    /**
     * {@code memory_failure(pfn)}: the frame's memory is corrupted. It is unmapped from every
     * address space (CLEAR per mapping), each entry becomes a hwpoison entry unless the page was
     * a clean page of a file with a backing store (then it is simply dropped), and the frame is
     * never used again. docs/events.md; {@code MemoryFailure} says what is simplified.
     *
     * @return OK; EHWPOISON (already poisoned); EBUSY (the zero page, a huge page, a frame out of
     *         the reverse map's reach); ENXIO (not a frame of system RAM)
     */
    public Errno memoryFailure(long pfn) {
        return MemoryFailure.memoryFailure(this, pfn);
    }

    /** A new, empty address space ({@code mm_alloc}). */
    public AddressSpace newAddressSpace() {
        AddressSpace mm = new AddressSpace(this, nextId.getAndIncrement());
        synchronized (this) {
            spaces.add(mm);
        }
        return mm;
    }

    /** Called by {@link AddressSpace#exit()}. */
    synchronized void removeAddressSpace(AddressSpace mm) {
        spaces.remove(mm);
    }

    /** Address spaces not yet exited. */
    public synchronized List<AddressSpace> addressSpaces() {
        return List.copyOf(spaces);
    }

    /**
     * A page-cache backed file of {@code size} bytes, all zeros, for {@code MAP_SHARED} and
     * {@code MAP_PRIVATE} file mappings.
     */
    public MemoryObject newFile(String name, long size) {
        return register(new MemoryObject(this, name, size, false));
    }

    private MemoryObject register(MemoryObject f) {
        synchronized (this) {
            files.add(f);
        }
        return f;
    }

    /** The shmem object behind a shared anonymous mapping. */
    MemoryObject newShmem(long size) {
        return register(new MemoryObject(this, "shmem", size, true));
    }

    /**
     * {@code memremap_pages}: gives {@code pgmap} a range of {@code nrPages} device-private PFNs.
     *
     * @return the first PFN of the range (at least {@link #DEVICE_PFN_BASE}, 512-aligned)
     */
    @SuppressWarnings(
            "ReferenceEquality") // a pagemap is one object: registering the same object twice is the misuse refused
    // here
    public long registerPagemap(DevicePagemap pgmap, long nrPages) {
        if (pgmap == null) {
            throw new IllegalArgumentException("pgmap=null");
        }
        if (nrPages < 1 || nrPages > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "nrPages=" + nrPages + " is outside [1, " + (Integer.MAX_VALUE - 8) + "]");
        }
        synchronized (this) {
            for (Pagemap p : pagemaps) {
                if (p.pgmap == pgmap) {
                    throw new IllegalArgumentException(
                            "pgmap=" + pgmap + " is already registered at pfn 0x" + Long.toHexString(p.base));
                }
            }
            long base = nextDevicePfn;
            nextDevicePfn = (base + nrPages + PMD_PAGES - 1) & -PMD_PAGES;
            Pagemap[] old = pagemaps;
            Pagemap[] n = Arrays.copyOf(old, old.length + 1);
            n[old.length] = new Pagemap(
                    pgmap,
                    base,
                    nrPages,
                    new AtomicIntegerArray((int) nrPages),
                    new AnonVma[(int) nrPages],
                    new long[(int) nrPages],
                    new AtomicIntegerArray((int) nrPages));
            pagemaps = n; // volatile write: publishes the registration to pagemapOf
            return base;
        }
    }

    /**
     * {@code memremap_pages} with {@code MEMORY_DEVICE_COHERENT}: reserves {@code nrPages} frames
     * of this host's physical memory, in 512-frame blocks, as device-coherent memory of
     * {@code pgmap}. The CPU maps such pages with ordinary present entries and reads and writes
     * them directly, so no CPU access ever calls {@link DevicePagemap#migrateToRam}; they move only
     * by a migration the driver starts ({@link MigrateVma#SELECT_DEVICE_COHERENT},
     * {@link #migrateDevicePfns}). The driver takes a page with
     * {@link PhysicalMemory#zoneDevicePageInit}; when its last reference goes the host calls
     * {@link DevicePagemap#pageFree}. Reclaim, compaction, KSM, NUMA hinting, THP collapse and
     * memory failure leave these pages alone ({@code folio_is_zone_device}).
     *
     * @param nrPages a positive multiple of 512
     * @return the first frame of each block, in order: device page {@code i} is frame
     *     {@code blocks[i / 512] + i % 512}
     * @throws IllegalStateException when the host has too few free 2 MiB blocks (a host configured
     *     too small for its devices)
     */
    public long[] registerCoherentPagemap(DevicePagemap pgmap, long nrPages) {
        if (pgmap == null) {
            throw new IllegalArgumentException("pgmap=null");
        }
        if (nrPages < PMD_PAGES || nrPages % PMD_PAGES != 0) {
            throw new IllegalArgumentException("nrPages=" + nrPages + " is not a positive multiple of " + PMD_PAGES);
        }
        long[] blocks = new long[(int) (nrPages / PMD_PAGES)];
        synchronized (this) {
            if (coherentLocked == null) {
                coherentLocked = new AtomicIntegerArray((int) memory.frameCount());
            }
            for (int b = 0; b < blocks.length; b++) {
                long head = memory.reserveZoneDeviceBlock();
                if (head == PhysicalMemory.NO_FRAME) {
                    throw new IllegalStateException("host has no free 2 MiB block for device-coherent page "
                            + ((long) b * PMD_PAGES) + " of " + nrPages);
                }
                blocks[b] = head;
                coherentOwners[(int) (head >>> 9)] = pgmap;
            }
        }
        return blocks;
    }

    /**
     * {@code page_pgmap} of a device-coherent frame ({@code is_device_coherent_page}); {@code null}
     * for ordinary system RAM and for PFNs that are not frames.
     */
    public DevicePagemap coherentPagemapOf(long pfn) {
        if (pfn < 0 || pfn >= memory.frameCount()) {
            return null;
        }
        return coherentOwners[(int) (pfn >>> 9)];
    }

    /** The pagemap owning a device-private PFN; {@code null} for system RAM or an unregistered PFN. */
    public DevicePagemap pagemapOf(long pfn) {
        Pagemap p = find(pfn);
        return p == null ? null : p.pgmap;
    }

    private Pagemap find(long pfn) {
        if (pfn < DEVICE_PFN_BASE) {
            return null;
        }
        Pagemap[] maps = pagemaps; // volatile read: pairs with the write in registerPagemap
        for (Pagemap p : maps) { // array loop: no iterator
            if (pfn >= p.base && pfn < p.base + p.nrPages) {
                return p;
            }
        }
        return null;
    }

    /** Page-table entries naming device page {@code pfn} (for tests and the device model). */
    public int devicePageMapcount(long pfn) {
        Pagemap p = checkedPagemap(pfn);
        return p.refs.get((int) (pfn - p.base));
    }

    /**
     * {@code get_page_unless_zero} on device page {@code pfn}: one more reference unless the page
     * is free (no reference left). A migration by pfn holds one from collection to finalize, so an
     * entry zapped meanwhile cannot free the page under it.
     *
     * @return true if a reference was taken
     */
    boolean deviceTryGet(long pfn) {
        Pagemap p = checkedPagemap(pfn);
        int i = (int) (pfn - p.base);
        int old;
        do {
            old = p.refs.get(i);
            if (old <= 0) {
                return false;
            }
        } while (!p.refs.compareAndSet(i, old, old + 1));
        return true;
    }

    /** One more page-table entry names device page {@code pfn}. */
    void deviceGet(long pfn) {
        Pagemap p = checkedPagemap(pfn);
        p.refs.incrementAndGet((int) (pfn - p.base));
    }

    /**
     * One more page-table entry names each of the {@code nr} device pages from {@code pfn}: a
     * PMD-level device-private entry holds one reference per page, so splitting it into PTEs
     * moves no count.
     */
    void deviceGet(long pfn, int nr) {
        for (int i = 0; i < nr; i++) {
            deviceGet(pfn + i);
        }
    }

    /**
     * {@code folio_add_new_anon_rmap} for the {@code nr} device pages from {@code pfn}, about to be
     * mapped by a private anonymous VMA of family {@code anon} at linear index {@code idx} onwards.
     */
    void setDeviceAnon(long pfn, int nr, AnonVma anon, long idx) {
        Pagemap p = checkedPagemap(pfn);
        for (int i = 0; i < nr; i++) {
            p.anon[(int) (pfn + i - p.base)] = anon;
            p.index[(int) (pfn + i - p.base)] = idx + i;
        }
    }

    /**
     * {@code folio_trylock} on the {@code nr} device pages from {@code pfn}, all or none: a
     * migration holds them locked from collection to finalize, so two migrations (one by virtual
     * address, one by pfn) never claim the same page.
     *
     * @return true if this call locked all of them
     */
    boolean deviceTryLock(long pfn, int nr) {
        if (pfn < DEVICE_PFN_BASE) {
            return coherentTryLock(pfn);
        }
        Pagemap p = checkedPagemap(pfn);
        for (int i = 0; i < nr; i++) {
            if (!p.locked.compareAndSet((int) (pfn + i - p.base), 0, 1)) {
                for (int j = 0; j < i; j++) {
                    p.locked.set((int) (pfn + j - p.base), 0);
                }
                return false;
            }
        }
        return true;
    }

    /** {@code folio_unlock} of the {@code nr} device pages from {@code pfn}. */
    void deviceUnlock(long pfn, int nr) {
        if (pfn < DEVICE_PFN_BASE) {
            coherentUnlock(pfn);
            return;
        }
        Pagemap p = checkedPagemap(pfn);
        for (int i = 0; i < nr; i++) {
            p.locked.set((int) (pfn + i - p.base), 0);
        }
    }

    /** {@code folio_trylock} of a device-coherent frame (device-coherent memory has no folios). */
    private boolean coherentTryLock(long pfn) {
        if (coherentPagemapOf(pfn) == null) {
            throw new IllegalArgumentException("pfn=0x" + Long.toHexString(pfn) + " is not a device-coherent page");
        }
        return coherentLocked.compareAndSet((int) pfn, 0, 1);
    }

    private void coherentUnlock(long pfn) {
        if (coherentPagemapOf(pfn) == null) {
            throw new IllegalArgumentException("pfn=0x" + Long.toHexString(pfn) + " is not a device-coherent page");
        }
        coherentLocked.set((int) pfn, 0);
    }

    /** The fork family whose VMAs map device page {@code pfn}. */
    AnonVma deviceAnonOf(long pfn) {
        Pagemap p = checkedPagemap(pfn);
        return p.anon[(int) (pfn - p.base)];
    }

    /** The linear page index at which device page {@code pfn} is mapped. */
    long deviceIndexOf(long pfn) {
        Pagemap p = checkedPagemap(pfn);
        return p.index[(int) (pfn - p.base)];
    }

    /** {@link #devicePut(long)} for each of the {@code nr} device pages from {@code pfn}. */
    void devicePut(long pfn, int nr) {
        for (int i = 0; i < nr; i++) {
            devicePut(pfn + i);
        }
    }

    /** One page-table entry less names device page {@code pfn}; the last one frees it. */
    void devicePut(long pfn) {
        Pagemap p = checkedPagemap(pfn);
        int left = p.refs.decrementAndGet((int) (pfn - p.base));
        if (left < 0) {
            p.refs.incrementAndGet((int) (pfn - p.base));
            throw new IllegalStateException("device pfn=0x" + Long.toHexString(pfn) + " was not mapped");
        }
        if (left == 0) {
            p.pgmap.pageFree(pfn);
        }
    }

    private Pagemap checkedPagemap(long pfn) {
        Pagemap p = find(pfn);
        if (p == null) {
            throw new IllegalArgumentException("pfn=0x" + Long.toHexString(pfn) + " is not a registered device page");
        }
        return p;
    }

    /**
     * {@code migrate_device_range}: collects the device pages {@code [startPfn, startPfn + npages)}
     * that some page-table entry names, with no VMA or address space given, and unmaps them for
     * migration to system memory; see {@link MigrateDeviceRange}. {@code src} gets one entry per
     * pfn as {@link MigrateVma#src} does.
     */
    public void migrateDeviceRange(long[] src, long startPfn, int npages) {
        MigrateDeviceRange.range(this, src, startPfn, npages);
    }

    /** {@code migrate_device_pfns}: as {@link #migrateDeviceRange} for the pfns listed in {@code src[0..npages)}. */
    public void migrateDevicePfns(long[] src, int npages) {
        MigrateDeviceRange.pfns(this, src, npages);
    }

    /** {@code migrate_device_pages}: confirms which collected pages have a destination in {@code dst}. */
    public void migrateDevicePages(long[] src, long[] dst, int npages) {
        MigrateDeviceRange.pages(this, src, dst, npages);
    }

    /** {@code migrate_device_finalize}: maps the destinations of the pages that moved, restores the others. */
    public void migrateDeviceFinalize(long[] src, long[] dst, int npages) {
        MigrateDeviceRange.finalizeMigration(this, src, dst, npages, false);
    }

    /**
     * {@link #migrateDeviceFinalize}, and every entry that comes back writable on a page that moved
     * is made soft-dirty. The kernel has no such helper: it is devmirror's, for a driver that keeps
     * soft-dirty complete for its device memory ({@code InvalidationPolicy.marksDeviceMemorySoftDirty}
     * in device-model). {@code remove_migration_pte} maps such a page writable with the bit its
     * device-private entry had, which clear_refs may have cleared without write-protecting it, and
     * an eviction by page frame number gives the driver no address to mark it at afterwards.
     */
    public void migrateDeviceFinalizeMarkingSoftDirty(long[] src, long[] dst, int npages) {
        MigrateDeviceRange.finalizeMigration(this, src, dst, npages, true);
    }

    /** Exits every address space and frees physical memory and swap. */
    @Override
    public void close() {
        for (AddressSpace mm : addressSpaces()) {
            mm.exit();
        }
        List<MemoryObject> fs;
        synchronized (this) {
            fs = List.copyOf(files);
            files.clear();
        }
        for (MemoryObject f : fs) {
            f.release();
        }
        swap.close();
        memory.close();
    }
}

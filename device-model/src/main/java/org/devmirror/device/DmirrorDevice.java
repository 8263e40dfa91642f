package org.devmirror.device;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongPredicate;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.memory.DeviceMemory;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.DevicePagemap;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code struct dmirror_device} (lib/test_hmm.c): one simulated device with its own memory
 * of device pages, registered with the host as a {@code dev_pagemap} ({@code memremap_pages})
 * whose owner is the device itself, and the mirrors ({@code open()}s) through which it mirrors
 * address spaces. The {@link DeviceMemoryKind} is chosen at creation.
 *
 * <p>{@link DeviceMemoryKind#PRIVATE}: device page {@code idx} of {@link #memory()} is
 * device-private PFN {@code pfnBase() + idx}. A CPU touch of such a page calls
 * {@link #migrateToRam}, which moves it back to system memory ({@code dmirror_devmem_fault}).
 *
 * <p>{@link DeviceMemoryKind#COHERENT}: device page {@code idx} is a frame of the host's physical
 * memory reserved for the device ({@link Host#registerCoherentPagemap}); {@link #memory()} only
 * allocates indexes, the contents live in the frame, which the CPU maps and accesses directly.
 * The device has no 2 MiB folios of coherent memory: a THP migrating to it is split and moves as
 * base pages (the fallback test_hmm takes when its folio allocation fails).
 *
 * <p>Either way the host calls {@link #pageFree} when the last reference to a device page goes.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Thread-safe. Device memory is allocated, freed and copied under the device lock
 * ({@code mdevice->lock}), a leaf lock: nothing else is taken while holding it. A device page
 * allocated for a migration belongs to the host once handed to {@code migrate_vma_pages}: the host
 * maps it, or releases it with {@link #pageFree} if it ends up unused, and calls
 * {@link #pageFree} when its last mapping goes; the device frees it there and nowhere else.
 *
 * <h2>Locking</h2>
 * The device lock guards {@link #memory()} and the allocation counters. The list of mirrors is
 * copy-on-write (read without a lock by {@code migrate_to_ram}).
 */
public final class DmirrorDevice implements DevicePagemap, AutoCloseable {
    private final Host host;
    private final int id;
    private final DeviceMemory memory;
    private final long pfnBase;
    private final DeviceMemoryKind kind;
    // COHERENT: the first frame of each 512-page block, in device page order; empty for PRIVATE
    private final long[] coherentBlocks;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Dmirror> mirrors = new CopyOnWriteArrayList<>();
    // Guarded by lock: test_hmm's calloc / cfree.
    private long allocated;
    private long freed;
    private int nextMirrorId;

    /**
     * Creates device {@code id} with {@code pages} pages of device memory and registers them with
     * {@code host}.
     *
     * @param pages a positive multiple of 512
     */
    public DmirrorDevice(Host host, int id, long pages) {
        this(host, id, pages, DeviceMemoryKind.PRIVATE);
    }

    /**
     * Creates device {@code id} with {@code pages} pages of {@code kind} memory and registers them
     * with {@code host} ({@code dmirror_allocate_chunk}).
     *
     * @param pages a positive multiple of 512
     * @throws IllegalStateException for {@link DeviceMemoryKind#COHERENT} when the host has too
     *     few free 2 MiB blocks of physical memory to give the device
     */
    public DmirrorDevice(Host host, int id, long pages, DeviceMemoryKind kind) {
        if (host == null) {
            throw new IllegalArgumentException("host=null");
        }
        if (kind == null) {
            throw new IllegalArgumentException("kind=null");
        }
        this.host = host;
        this.id = id;
        this.kind = kind;
        this.memory = new DeviceMemory(pages);
        this.pfnBase = switch (kind) {
            case PRIVATE -> host.registerPagemap(this, pages);
            case COHERENT -> -1;
        };
        this.coherentBlocks = switch (kind) {
            case PRIVATE -> new long[0];
            case COHERENT -> host.registerCoherentPagemap(this, pages);
        };
    }

    /** The kind of memory this device has. */
    public DeviceMemoryKind kind() {
        return kind;
    }

    /** The device number ({@code /dev/hmm_dmirror<id>}). */
    public int id() {
        return id;
    }

    /** The host the device is plugged into. */
    public Host host() {
        return host;
    }

    /** The device memory (use only through this device's methods, which take the device lock). */
    public DeviceMemory memory() {
        return memory;
    }

    /** The first device-private PFN of this device; -1 for a {@link DeviceMemoryKind#COHERENT} device. */
    public long pfnBase() {
        return pfnBase;
    }

    /** Whether {@code pfn} is a device-private page of this device (never, for a coherent device). */
    public boolean ownsPfn(long pfn) {
        return kind == DeviceMemoryKind.PRIVATE && pfn >= pfnBase && pfn < pfnBase + memory.capacity();
    }

    /** Whether {@code pfn} is a device-coherent page of this device ({@code page_pgmap(page) == &mdevice->pagemap}). */
    public boolean ownsCoherentPfn(long pfn) {
        return kind == DeviceMemoryKind.COHERENT && host.coherentPagemapOf(pfn) == this;
    }

    /** Whether {@code pfn} is a page of this device's memory, of either kind. */
    public boolean ownsPage(long pfn) {
        return ownsPfn(pfn) || ownsCoherentPfn(pfn);
    }

    /** The PFN of device page {@code idx}. */
    private long pfnOf(long idx) {
        return switch (kind) {
            case PRIVATE -> pfnBase + idx;
            case COHERENT -> coherentBlocks[(int) (idx >>> 9)] + (idx & 511);
        };
    }

    /** The device page index of one of this device's PFNs. */
    private long indexOf(long pfn) {
        return switch (kind) {
            case PRIVATE -> pfn - pfnBase;
            case COHERENT -> {
                long head = pfn & -512L;
                for (int b = 0; b < coherentBlocks.length; b++) {
                    if (coherentBlocks[b] == head) {
                        yield ((long) b << 9) + (pfn - head);
                    }
                }
                throw new IllegalArgumentException("pfn=0x" + Long.toHexString(pfn) + " is not a page of device " + id);
            }
        };
    }

    /** Every PFN of this device's memory, in device page order (the argument of {@code migrate_device_pfns}). */
    long[] allPfns() {
        long[] pfns = new long[(int) memory.capacity()];
        for (int i = 0; i < pfns.length; i++) {
            pfns[i] = pfnOf(i);
        }
        return pfns;
    }

    /** {@code pgmap->owner}: the device itself. */
    @Override
    public Object owner() {
        return this;
    }

    /** Opens a mirror of {@code mm} with the default options ({@code open("/dev/hmm_dmirror<id>")}). */
    public Dmirror open(AddressSpace mm) {
        return open(mm, MirrorOptions.defaults());
    }

    /** Opens a mirror of {@code mm} with {@code options}. */
    public Dmirror open(AddressSpace mm, MirrorOptions options) {
        int mirrorId;
        lock.lock();
        try {
            mirrorId = id * 1000 + nextMirrorId++;
        } finally {
            lock.unlock();
        }
        Dmirror m = new Dmirror(this, mm, options, mirrorId);
        mirrors.add(m);
        return m;
    }

    void closed(Dmirror m) {
        mirrors.remove(m);
    }

    /** The first open mirror of this device on {@code mm}, or null: who a CPU-fault migration is charged to. */
    Dmirror firstMirrorOf(AddressSpace mm) {
        for (Dmirror m : mirrors) {
            if (m.mm() == mm) {
                return m;
            }
        }
        return null;
    }

    /** The open mirrors of this device. */
    public List<Dmirror> mirrors() {
        return List.copyOf(mirrors);
    }

    /**
     * Models {@code dmirror_devmem_fault()}: the CPU touched device page {@code devicePfn} at
     * {@code addr}; migrate it (the whole 2 MiB if the CPU maps it with one PMD) back to system
     * memory and zap it from every mirror of this device on {@code mm}.
     */
    @Override
    public Errno migrateToRam(AddressSpace mm, long addr, long devicePfn) {
        if (!ownsPfn(devicePfn)) { // the CPU accesses coherent pages in place: never called for them
            throw new IllegalArgumentException(
                    "devicePfn=0x" + Long.toHexString(devicePfn) + " is not a page of device " + id);
        }
        return DeviceMigration.toRam(this, mm, addr, devicePfn);
    }

    /** Models {@code dmirror_devmem_free()}: no page-table entry names the page any more. */
    @Override
    public void pageFree(long devicePfn) {
        if (!ownsPage(devicePfn)) {
            throw new IllegalArgumentException(
                    "devicePfn=0x" + Long.toHexString(devicePfn) + " is not a page of device " + id);
        }
        lock.lock();
        try {
            memory.freePage(indexOf(devicePfn));
            freed++;
        } finally {
            lock.unlock();
        }
    }

    /** The next device page allocation fails once ({@code HMM_DMIRROR_FLAGS} {@code FAIL_ALLOC}). */
    public void failNextAllocation() {
        lock.lock();
        try {
            memory.failNextAllocation();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Consumes a pending {@link #failNextAllocation()} for a system folio allocation (the migration
     * back of a device folio), as {@code HMM_DMIRROR_FLAG_FAIL_ALLOC} fails whichever allocation
     * of the driver comes first.
     */
    boolean takeInjectedFailure() {
        lock.lock();
        try {
            return memory.takeInjectedFailure();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fault injection at every device-memory allocation point: {@code hook.test(serial)} is asked
     * before each device page or device folio allocation, with the serial counted by
     * {@link #allocationCount()}; {@code true} fails it. {@code null} removes the hook. The hook
     * runs under the device lock and must not call into the device.
     */
    public void setAllocationFailureHook(LongPredicate hook) {
        lock.lock();
        try {
            memory.setAllocationFailureHook(hook);
        } finally {
            lock.unlock();
        }
    }

    /** Device page and folio allocations tried so far, failed ones included. */
    public long allocationCount() {
        lock.lock();
        try {
            return memory.allocationCount();
        } finally {
            lock.unlock();
        }
    }

    /** Device pages in use. */
    public long usedPages() {
        lock.lock();
        try {
            return memory.usedPages();
        } finally {
            lock.unlock();
        }
    }

    /** Device pages allocated so far ({@code calloc}). */
    public long allocatedPages() {
        lock.lock();
        try {
            return allocated;
        } finally {
            lock.unlock();
        }
    }

    /** Device pages freed so far ({@code cfree}). */
    public long freedPages() {
        lock.lock();
        try {
            return freed;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ for migrations

    /** Allocates a zeroed device page for a migration; its PFN, or -1 when none is left. */
    long allocPage() {
        lock.lock();
        try {
            long idx = memory.allocPage();
            if (idx == DeviceMemory.NO_PAGE) {
                return -1;
            }
            allocated++;
            long pfn = pfnOf(idx);
            if (kind == DeviceMemoryKind.COHERENT) {
                host.memory().zoneDevicePageInit(pfn); // zone_device_page_init: refcount 1, zeroed
            }
            return pfn;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Allocates 512 contiguous zeroed device pages; the first PFN, or -1 when no block is free or
     * the device is coherent (no coherent folios: the caller falls back to base pages).
     */
    long allocHuge() {
        if (kind == DeviceMemoryKind.COHERENT) {
            return -1;
        }
        lock.lock();
        try {
            long idx = memory.allocHuge();
            if (idx == DeviceMemory.NO_PAGE) {
                return -1;
            }
            allocated += 512;
            return pfnBase + idx;
        } finally {
            lock.unlock();
        }
    }

    /** Copies system frame {@code frame} into device page {@code pfn} (the DMA to the device). */
    void copyFromFrame(long frame, long pfn) {
        lock.lock();
        try {
            if (kind == DeviceMemoryKind.COHERENT) {
                host.memory().copyFrame(frame, pfn);
                return;
            }
            host.memory().copyToSegment(frame, memory.page(pfn - pfnBase), 0);
        } finally {
            lock.unlock();
        }
    }

    /** Copies device page {@code pfn} into system frame {@code frame} (the DMA to system memory). */
    void copyToFrame(long pfn, long frame) {
        lock.lock();
        try {
            if (kind == DeviceMemoryKind.COHERENT) {
                host.memory().copyFrame(pfn, frame);
                return;
            }
            host.memory().copyFromSegment(memory.page(pfn - pfnBase), 0, frame);
        } finally {
            lock.unlock();
        }
    }

    /** Copies device page {@code pfn} into {@code dst} at {@code off} (a device read). */
    void readPage(long pfn, byte[] dst, int off) {
        lock.lock();
        try {
            memory.copyOut(pfn - pfnBase, MemorySegment.ofArray(dst), off);
        } finally {
            lock.unlock();
        }
    }

    /** Copies {@code src} at {@code off} into device page {@code pfn} (a device write). */
    void writePage(long pfn, byte[] src, int off) {
        lock.lock();
        try {
            memory.copyIn(MemorySegment.ofArray(src), off, pfn - pfnBase);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Zaps {@code [start, end)} from every mirror of this device on {@code mm} except
     * {@code except}: the device's own MIGRATE and EXCLUSIVE invalidations are skipped by its
     * mirrors' policies, so the device updates them itself. Caller holds no mirror's driver lock.
     */
    void zapMirrors(AddressSpace mm, long start, long end, Dmirror except, MmuNotifierEvent event) {
        for (Dmirror m : mirrors) {
            if (m != except && m.mm() == mm) {
                m.driver().lock().lock();
                try {
                    m.driver().zapForDriver(start, end, event);
                } finally {
                    m.driver().lock().unlock();
                }
            }
        }
    }

    /** The system memory of the host. */
    PhysicalMemory systemMemory() {
        return host.memory();
    }

    /** Closes the device memory; close the mirrors first. */
    @Override
    public void close() {
        lock.lock();
        try {
            memory.close();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "dmirror" + id;
    }
}

package org.devmirror.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongPredicate;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierSubscriptions;

/**
 * Models {@code struct mm_struct} (include/linux/mm_types.h): one process's address space, its
 * VMAs, its CPU page table and its mmu-notifier subscriptions. This class is a thin facade: each
 * operation lives in a package-private class named after the kernel file it models ({@code Mmap},
 * {@code Mprotect}, {@code Mremap}, {@code Madvise}, {@code MemoryFault}, {@code Fork},
 * {@code Reclaim}, {@code Compaction}, {@code Ksm}, {@code HugeMemory}, {@code OomReaper},
 * {@code MigrateDevice}, {@code DeviceExclusive}, {@code Writeback}, {@code ClearRefs},
 * {@code ExitMmap}, {@code Userfaultfd} and {@code UserfaultfdRange}, {@code TaskMmu},
 * {@code NumaBalancing}, {@code ChangeProtection}). docs/events.md lists the invalidations each
 * one raises.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Every method may be called from any thread. Layout changes and maintenance operations
 *       take the mmap lock for write; CPU accesses and faults take it for read (reentrantly, so
 *       a caller that already holds it, such as a driver running range fault, may call them).</li>
 *   <li>Misuse (bad alignment, zero or overflowing lengths, addresses beyond
 *       {@link Host#TASK_SIZE}, unknown flags) throws {@link IllegalArgumentException} naming the
 *       argument before anything changes. Runtime failures are {@link Errno} values; an
 *       operation that fails for lack of frames leaves the address space as it was.</li>
 *   <li>Invalidations are raised only when {@link HostConfig#notifiersEnabled()} and
 *       {@link MmuNotifierSubscriptions#hasSubscribers()}, only over the part of a range that is
 *       populated, always before the entries change and never with the page-table lock held.</li>
 *   <li>After {@link #exit()} every operation throws {@link IllegalStateException}.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * <ul>
 *   <li>{@code mmapLock} ({@code mmap_lock}): write for VMA changes; read for faults, range
 *       fault, migration and device-exclusive. Every change of a page-table entry of this address
 *       space is made with it held in one mode or the other.</li>
 *   <li>{@code ptl} ({@code mm->page_table_lock}): every entry change made under the read lock,
 *       and by other address spaces' reverse-map work, is made under it after re-checking the
 *       entry ({@code pte_same}). Taken after the mmap lock; nothing else is taken under it.</li>
 *   <li>Reverse-map work from another address space (reclaim, compaction, KSM, writeback of a
 *       shared frame) takes this address space's mmap lock for read with {@code tryLock} and skips
 *       the frame when it is contended, as the kernel's rmap walk does with {@code try_lock}.</li>
 * </ul>
 */
public final class AddressSpace implements AutoCloseable {
    private final Host host;
    private final int id;
    private final CpuPageTable pageTable = new CpuPageTable();
    private final MmuNotifierSubscriptions notifiers;
    final MmuNotify notify;
    private final ReentrantReadWriteLock mmapLock = new ReentrantReadWriteLock();
    /** {@code mm->page_table_lock}: the page table's own writer lock; see the class javadoc. */
    final ReentrantLock ptl = pageTable.pageTableLock();
    // non-overlapping, adjacent compatible VMAs merged; guarded by mmapLock
    private final VmaTree vmaTree = new VmaTree();
    /**
     * The owner each device-exclusive entry was made for, by pfn: written under the page-table
     * lock before the entry appears, removed when a CPU access restores it. Stands in for the
     * folio lock the kernel holds from {@code make_device_exclusive} until the driver has mapped
     * the page, which keeps another device from taking the entry over in between.
     */
    final ConcurrentHashMap<Long, Object> exclusiveOwners = new ConcurrentHashMap<>();
    /** Stands for a null owner in {@link #exclusiveOwners}, which holds no null values. */
    private static final Object NO_OWNER = new Object();
    // the process's userfaultfd (UFFDIO_API), or null; written once under the mmap write lock
    private volatile Userfaultfd userfaultfd;
    // true once exit() tore the address space down; written under the mmap write lock
    private volatile boolean exited;
    // true once exit() was called; set once, under this object's monitor
    private boolean exitClaimed;

    AddressSpace(Host host, int id) {
        this.host = host;
        this.id = id;
        this.notifiers = new MmuNotifierSubscriptions(this);
        this.notify = new MmuNotify(
                this, host.config().notifiersEnabled(), host.config().ranges(), notifiers);
    }

    public Host host() {
        return host;
    }

    /** A small number unique on the host, for messages and demos. */
    public int id() {
        return id;
    }

    /** The CPU page table (read it with the mmap lock held to get a stable view). */
    public CpuPageTable pageTable() {
        return pageTable;
    }

    /** The mmu-notifier subscriptions ({@code mm->notifier_subscriptions}). */
    public MmuNotifierSubscriptions notifiers() {
        return notifiers;
    }

    // ------------------------------------------------------------------ mmap lock

    /** {@code mmap_read_lock}. */
    public void mmapReadLock() {
        mmapLock.readLock().lock();
    }

    /** {@code mmap_read_unlock}. */
    public void mmapReadUnlock() {
        mmapLock.readLock().unlock();
    }

    /** {@code mmap_write_lock}. */
    public void mmapWriteLock() {
        mmapLock.writeLock().lock();
    }

    /** {@code mmap_write_unlock}. */
    public void mmapWriteUnlock() {
        mmapLock.writeLock().unlock();
    }

    /** Whether the current thread holds the mmap lock (read or write). */
    public boolean isMmapLocked() {
        return mmapLock.getReadHoldCount() > 0 || mmapLock.isWriteLockedByCurrentThread();
    }

    boolean isMmapWriteLocked() {
        return mmapLock.isWriteLockedByCurrentThread();
    }

    /** {@code mmap_read_trylock}, for reverse-map walks and the OOM reaper. */
    boolean tryMmapReadLock() {
        return mmapLock.readLock().tryLock();
    }

    void checkLocked() {
        if (!isMmapLocked()) {
            throw new IllegalStateException("mm " + id + ": the caller must hold the mmap lock");
        }
        checkAlive();
    }

    void checkAlive() {
        if (exited) {
            throw new IllegalStateException("mm " + id + " has exited");
        }
    }

    /** Takes the write lock for an operation; throws if the address space has exited. */
    void lockForWrite() {
        mmapWriteLock();
        if (exited) {
            mmapWriteUnlock();
            throw new IllegalStateException("mm " + id + " has exited");
        }
    }

    /** Takes the read lock for an operation; throws if the address space has exited. */
    void lockForRead() {
        mmapReadLock();
        if (exited) {
            mmapReadUnlock();
            throw new IllegalStateException("mm " + id + " has exited");
        }
    }

    Userfaultfd userfaultfd() {
        return userfaultfd;
    }

    void setUserfaultfd(Userfaultfd ctx) {
        userfaultfd = ctx;
    }

    boolean isExited() {
        return exited;
    }

    void markExited() {
        exited = true;
    }

    /** True for the one call of exit() that does the work. */
    synchronized boolean claimExit() {
        if (exitClaimed) {
            return false;
        }
        exitClaimed = true;
        return true;
    }

    // ------------------------------------------------------------------ VMAs

    /** {@code vma_lookup}: the VMA containing addr, or null (the caller holds the mmap lock). */
    public Vma findVma(long addr) {
        checkLocked();
        return vmaAt(addr);
    }

    /**
     * The start of the first VMA above addr, or -1 (the caller holds the mmap lock). With
     * {@link #findVma} this lets a walker step over holes without allocating.
     */
    public long nextVmaStart(long addr) {
        checkLocked();
        Vma v = vmaTree.higher(addr);
        return v == null ? -1 : v.start;
    }

    /** The VMAs in address order, as copies. */
    public List<Vma> vmas() {
        lockForRead();
        try {
            List<Vma> out = new ArrayList<>(vmaTree.size());
            for (int i = 0; i < vmaTree.size(); i++) {
                out.add(vmaTree.get(i).copy());
            }
            return out;
        } finally {
            mmapReadUnlock();
        }
    }

    /** The VMA containing addr, or null; no lock check, allocation-free. */
    Vma vmaAt(long addr) {
        return vmaTree.find(addr);
    }

    /** The first VMA ending after addr ({@code find_vma}), or null. */
    Vma vmaFrom(long addr) {
        Vma v = vmaAt(addr);
        if (v != null) {
            return v;
        }
        return vmaTree.higher(addr);
    }

    /** The VMA after v, or null. */
    Vma nextVma(Vma v) {
        return vmaTree.next(v);
    }

    /** The VMA before v, or null. */
    Vma prevVma(Vma v) {
        return vmaTree.prev(v);
    }

    /** The VMAs overlapping {@code [start, end)}, in order (a copy of the list, not of the VMAs). */
    List<Vma> vmasIn(long start, long end) {
        List<Vma> out = new ArrayList<>();
        for (Vma v = vmaFrom(start); v != null && v.start < end; v = nextVma(v)) {
            out.add(v);
        }
        return out;
    }

    /** The VMAs from the highest address down (a copy of the list). */
    List<Vma> vmasDescending() {
        List<Vma> out = allVmas();
        java.util.Collections.reverse(out);
        return out;
    }

    /** All VMAs in order (a copy of the list). */
    List<Vma> allVmas() {
        List<Vma> out = new ArrayList<>(vmaTree.size());
        for (int i = 0; i < vmaTree.size(); i++) {
            out.add(vmaTree.get(i));
        }
        return out;
    }

    void insertVma(Vma v) {
        vmaTree.insert(v);
    }

    void removeVma(Vma v) {
        vmaTree.remove(v);
    }

    // ------------------------------------------------------------------ layout changes

    /**
     * {@code mmap(addr, length, prot, flags | MAP_ANONYMOUS, -1, 0)}.
     *
     * @return the mapped address, or {@code -ENOMEM} when no room is left
     */
    public long mmap(long addr, long length, int prot, int flags) {
        return Mmap.mmap(this, addr, length, prot, flags, null, 0);
    }

    /**
     * {@code mmap} of a file at byte {@code offset} (page aligned).
     *
     * @return the mapped address, or {@code -ENOMEM}
     */
    public long mmap(long addr, long length, int prot, int flags, MemoryObject file, long offset) {
        if (file == null) {
            throw new IllegalArgumentException("file=null (use mmap(addr, length, prot, flags) for anonymous memory)");
        }
        return Mmap.mmap(this, addr, length, prot, flags, file, offset);
    }

    /** {@code munmap}: UNMAP over the populated part only; a hole is {@link Errno#OK}. */
    public Errno munmap(long addr, long length) {
        return Mmap.munmap(this, addr, length);
    }

    /**
     * {@code mremap}: grow or shrink in place, or move (UNMAP on the old range).
     *
     * @return the new address, or {@code -errno}
     */
    public long mremap(long oldAddr, long oldLength, long newLength, int flags, long newAddr) {
        return Mremap.mremap(this, oldAddr, oldLength, newLength, flags, newAddr);
    }

    /** {@code mprotect}: PROTECTION_VMA; {@link Errno#ENOMEM} if part of the range is unmapped (nothing changes). */
    public Errno mprotect(long addr, long length, int prot) {
        return Mprotect.mprotect(this, addr, length, prot);
    }

    /** {@code madvise}; see {@link Advice} for what each raises. */
    public Errno madvise(long addr, long length, Advice advice) {
        return Madvise.madvise(this, addr, length, advice);
    }

    /**
     * Sets the soft-dirty bit of the CPU entry (PTE, PMD leaf, or swap-style entry) mapping each
     * page {@code va + i * 4 KiB} with {@code select[i] != 0}, for {@code i < n}; entries that are
     * none, PTE markers or already soft-dirty are left alone. The kernel-doc of
     * {@code MMU_NOTIFY_SOFT_DIRTY} asks a secondary MMU that can write pages without the CPU to
     * "soft dirty the page in the end callback"; the kernel exports no helper for it, so this is
     * what such a driver does: {@code pte_mksoft_dirty}/{@code pte_swp_mksoft_dirty}/
     * {@code pmd_mksoft_dirty} under the page-table lock. The entries are read one 2 MiB block at a
     * time into {@code scratch}, and only those that change are written. Called from an
     * invalidation's end callback on the host thread, which holds the mmap lock, from a migration
     * that holds it, or from a device thread under its driver lock (a fault's commit, an atomic
     * grant): the page-table lock orders the marks with the host's changes, and page tables are
     * type-stable, so an entry emptied meanwhile is simply not marked. Allocation-free.
     *
     * @param va      first page, page aligned
     * @param select  one word per page; nonzero marks it
     * @param scratch at least {@code n} words the call overwrites
     * @param n       pages, within one 2 MiB block
     * @return the entries that changed
     */
    public int markSoftDirty(long va, long[] select, long[] scratch, int n) {
        return markSoftDirty(va, select, -1L, scratch, n, null);
    }

    /**
     * As {@link #markSoftDirty(long, long[], long[], int)}, and also marks every device-private
     * entry whose PFN {@code ownDevicePfn} accepts, selected or not: the pages of the caller's own
     * device memory, which its device writes with no CPU path whether or not it maps them at this
     * moment (a device fault maps them again without faulting the CPU). clear_refs leaves a
     * writable device-private entry writable ({@code clear_soft_dirty} only clears the soft-dirty
     * bit of a non-present entry) and {@code remove_migration_pte} carries that bit back when the
     * page returns to RAM, so a page left unmarked here reads clean after writes made to it since.
     *
     * Page {@code i} is selected when {@code select[i] & selectBits} is nonzero, so a caller can
     * pass its own entries (a device's, with its write bits as {@code selectBits}) without
     * building a selection first.
     *
     * @param selectBits   the bits of {@code select} that select a page
     * @param ownDevicePfn the device-private PFNs of the caller's device, or null for none
     */
    public int markSoftDirty(
            long va, long[] select, long selectBits, long[] scratch, int n, LongPredicate ownDevicePfn) {
        UserRange.checkBytes(va, (long) n << Host.PAGE_SHIFT);
        CpuPageTable pt = pageTable();
        ptl.lock();
        try {
            pt.getBlock(va, scratch, 0, n);
            long first = scratch[0];
            if (PteLayout.isHuge(first)) {
                // One PMD leaf maps the whole block: one entry to mark, if any page selects it.
                if (PteLayout.isSoftDirty(first) || !anySelected(select, selectBits, n, first, ownDevicePfn)) {
                    return 0;
                }
                pt.setPmd(va & -CpuPageTable.PMD_SIZE, PteLayout.mkSoftDirty(first));
                return 1;
            }
            if (ownDevicePfn == null && !anyUnmarked(select, selectBits, scratch, n)) {
                return 0; // every selected entry is none or soft-dirty already: the common case
            }
            // The entries to mark, in place (0 for the others), then one write of the block.
            long any = markable(select, selectBits, scratch, n, ownDevicePfn);
            return any == 0 ? 0 : pt.setBitsBlock(va, scratch, 0, n, PteLayout.SOFT_DIRTY);
        } finally {
            ptl.unlock();
        }
    }

    /**
     * Whether some selected entry is present or swapped and lacks the soft-dirty bit (markers
     * included: a superset of what {@link #markable} keeps). Kept to an OR reduction of a few
     * operations an entry so C2 vectorises it in any inlining context: a loop doing the full test
     * and the store stayed scalar once inlined into the end callback (JDK 25).
     */
    private static boolean anyUnmarked(long[] select, long selectBits, long[] entries, int n) {
        long candidates = 0;
        for (int i = 0; i < n; i++) {
            long s = select[i] & selectBits;
            long e = entries[i];
            candidates |= (((s | -s) & (e | -e)) >> 63) & ~e;
        }
        return (candidates & PteLayout.SOFT_DIRTY) != 0;
    }

    /**
     * Keeps in {@code entries} each entry that is selected (or, with {@code own}, a device-private
     * entry it accepts) and can take the soft-dirty bit (not none, not a marker, not soft-dirty
     * yet) and zeroes the others; nonzero if any is kept.
     */
    private static long markable(long[] select, long selectBits, long[] entries, int n, LongPredicate own) {
        long any = 0;
        for (int i = 0; i < n; i++) {
            long e = entries[i];
            boolean mine = own != null && PteLayout.isDevicePrivate(e) && own.test(PteLayout.pfn(e));
            long keep = (select[i] & selectBits) != 0 || mine ? markableMask(e) : 0;
            entries[i] = e & keep;
            any |= e & keep;
        }
        return any;
    }

    /** -1 if {@code e} can take the soft-dirty bit (neither none, nor a marker, nor soft-dirty), else 0. */
    private static long markableMask(long e) {
        long none = ~((e | -e) >> 63);
        long notPresent = (e & PteLayout.PRESENT) - 1;
        long typeDiff = (e & PteLayout.TYPE_MASK) ^ ((long) PteLayout.TYPE_MARKER << PteLayout.TYPE_SHIFT);
        long marker = notPresent & ~((typeDiff | -typeDiff) >> 63);
        long dirty = -((e & PteLayout.SOFT_DIRTY) >>> Long.numberOfTrailingZeros(PteLayout.SOFT_DIRTY));
        return ~(none | marker | dirty);
    }

    /** Whether any of the {@code n} pages selects the PMD leaf {@code leaf}, or {@code own} accepts it. */
    private static boolean anySelected(long[] select, long selectBits, int n, long leaf, LongPredicate own) {
        if (PteLayout.isMarker(leaf)) {
            return false;
        }
        if (own != null && PteLayout.isDevicePrivate(leaf) && own.test(PteLayout.pfn(leaf))) {
            return true;
        }
        long any = 0;
        for (int i = 0; i < n; i++) {
            any |= select[i] & selectBits;
        }
        return any != 0;
    }

    // ------------------------------------------------------------------ CPU access

    /**
     * Whether a CPU write at {@code addr} would keep the frame mapped there and only make its
     * entry writable (the reuse test of {@code do_wp_page}): true for a read-only entry of an
     * exclusively owned anonymous page in a private writable VMA, or of a still-dirty page in a
     * shared writable one, as soft-dirty clearing leaves them; false for a copy-on-write page
     * shared with a fork, the zero page, a clean shared page (whose write-protection tracks
     * dirtiness for writeback) or no present entry. The safety
     * oracle uses it: a device may keep writing such a page because the CPU would write the same
     * frame. Caller holds the mmap lock.
     */
    public boolean writeWouldReuse(long addr) {
        checkLocked();
        Vma vma = findVma(addr);
        if (vma == null) {
            return false;
        }
        CpuPageTable pt = pageTable();
        long e = pt.get(addr & -Host.PAGE_SIZE);
        return MemoryFault.writeWouldReuse(this, vma, e);
    }

    /**
     * {@code handle_mm_fault}: makes addr readable (or writable) by the CPU.
     *
     * @return OK, EFAULT (no VMA, no read permission, beyond the file), EPERM (write to a
     *         non-writable VMA) or ENOMEM (out of frames; nothing changed)
     */
    public Errno cpuFault(long addr, boolean write) {
        UserRange.checkBytes(addr, 1);
        lockForRead();
        try {
            return MemoryFault.handle(this, addr & -Host.PAGE_SIZE, write);
        } finally {
            mmapReadUnlock();
        }
    }

    /** The CPU reads {@code len} bytes at addr (any alignment), faulting as needed. */
    public Errno cpuRead(long addr, byte[] dst, int off, int len) {
        return CpuAccess.read(this, addr, dst, off, len);
    }

    /**
     * The CPU writes {@code len} bytes at addr, faulting (and breaking COW) as needed. It goes a
     * page at a time, like {@code copy_to_user}: when a fault fails (ENOMEM), the pages before the
     * failing one hold the new bytes, that page and the ones after it are as they were (a short
     * write), and no page is half-written.
     */
    public Errno cpuWrite(long addr, byte[] src, int off, int len) {
        return CpuAccess.write(this, addr, src, off, len);
    }

    /**
     * The CPU writes {@code value} to every byte of {@code [addr, addr + length)}, a page at a
     * time; on a failed fault it is a short write, as {@link #cpuWrite}.
     */
    public Errno cpuFill(long addr, long length, byte value) {
        return CpuAccess.fill(this, addr, length, value);
    }

    // ------------------------------------------------------------------ process lifetime

    /** {@code fork}: a child sharing private pages copy-on-write (PROTECTION_PAGE on the parent). */
    public AddressSpace fork() {
        return Fork.fork(this);
    }

    /** {@code exit_mmap}: RELEASE, then UNMAP over everything populated; frees all frames. Idempotent. */
    public void exit() {
        ExitMmap.exit(this);
    }

    /** Same as {@link #exit()}. */
    @Override
    public void close() {
        exit();
    }

    // ------------------------------------------------------------------ maintenance

    /** {@code clear_refs} with {@code CLEAR_REFS_SOFT_DIRTY}: SOFT_DIRTY over what changes. */
    public Errno clearSoftDirty() {
        return ClearRefs.clearSoftDirty(this);
    }

    /** {@code MADV_PAGEOUT}-style reclaim of private anonymous pages to swap (CLEAR per page and mapping). */
    public long reclaim(long addr, long length) {
        return Reclaim.reclaim(this, addr, length);
    }

    /** Compaction: moves every movable page of the range to another frame (CLEAR per page and mapping). */
    public long compact(long addr, long length) {
        return Compaction.compact(this, addr, length);
    }

    /**
     * KSM: merges identical private anonymous pages of the range (CLEAR per page write-protected
     * and per page replaced). Returns the pages replaced by a KSM page: each now maps the KSM page
     * instead of its own frame, which is freed (the increase of {@code pages_sharing}); the page
     * kept as the KSM page is not counted.
     */
    public long ksmMerge(long addr, long length) {
        return Ksm.merge(this, addr, length);
    }

    /** {@code MADV_COLLAPSE} of the 2 MiB region at {@code addr} (PMD aligned): CLEAR over it. */
    public Errno collapseHuge(long addr) {
        return HugeMemory.collapse(this, addr);
    }

    /** {@code split_huge_pmd} of the 2 MiB mapping containing addr: CLEAR over it; OK if not huge. */
    public Errno splitHuge(long addr) {
        return HugeMemory.split(this, addr);
    }

    /** Writeback of {@code file}: {@code page_mkclean_one} on every mapping (PROTECTION_PAGE per page). */
    public Errno writeback(MemoryObject file) {
        return Writeback.writeback(this, file);
    }

    /**
     * {@code madvise(addr, length, MADV_HWPOISON)}: each page's frame fails
     * ({@link Host#memoryFailure}), after a read fault brings it in.
     *
     * @return OK; EHWPOISON (a page already poisoned); EBUSY (the zero page, a huge page, or a
     *         mapping out of reach); EFAULT (no VMA)
     */
    public Errno hwpoison(long addr, long length) {
        long end = UserRange.end("addr", addr, "length", length);
        checkAlive();
        return MemoryFailure.inject(this, addr, end);
    }

    /** The OOM reaper: non-blockable CLEAR per private VMA; EAGAIN when a subscriber refused one. */
    public Errno oomReap() {
        return OomReaper.reap(this);
    }

    // ------------------------------------------------------------------ device memory

    /** {@code migrate_vma_setup}: the caller holds the mmap read lock until finalize. */
    public Errno migrateVmaSetup(MigrateVma args) {
        return MigrateDevice.setup(this, args);
    }

    /** {@code migrate_vma_pages}. */
    public void migrateVmaPages(MigrateVma args) {
        MigrateDevice.pages(this, args);
    }

    /** {@code migrate_vma_finalize}. */
    public void migrateVmaFinalize(MigrateVma args) {
        MigrateDevice.finalizeMigration(this, args);
    }

    /** {@code make_device_exclusive}: EXCLUSIVE with {@code owner}; returns the pfn or {@code -errno}. */
    public long makeDeviceExclusive(long addr, Object owner) {
        return DeviceExclusive.make(this, addr, owner);
    }

    /**
     * Whether the entry at addr is device-exclusive for {@code owner} (compared by identity, as
     * the kernel compares owners), so that driver may map the page for device atomics. The kernel
     * answers this by holding the folio lock from {@code make_device_exclusive} to the mapping;
     * here the driver asks under its own lock, which any restore of the entry (a CLEAR) or any
     * new {@code make_device_exclusive} (an EXCLUSIVE) must take in its callback first, so the
     * answer holds until the driver lets go of that lock.
     */
    @SuppressWarnings("ReferenceEquality") // owner tokens are compared by identity
    public boolean isDeviceExclusiveFor(long addr, Object owner) {
        long e = pageTable.get(addr);
        return PteLayout.isDeviceExclusive(e) && exclusiveOwners.get(PteLayout.pfn(e)) == ownerKey(owner);
    }

    /** The value {@link #exclusiveOwners} keeps for {@code owner}. */
    static Object ownerKey(Object owner) {
        return owner == null ? NO_OWNER : owner;
    }

    // ------------------------------------------------------------------ userfaultfd

    /**
     * {@code userfaultfd(2)} and {@code UFFDIO_API}: the process gets its userfaultfd with
     * {@code features} ({@link Uffd#FEATURE_WP_ASYNC}, {@link Uffd#FEATURE_WP_UNPOPULATED}).
     *
     * @return OK, or EINVAL for an unknown feature or a second userfaultfd (devmirror models one)
     */
    public Errno uffdApi(long features) {
        return Userfaultfd.api(this, features);
    }

    /**
     * {@code UFFDIO_REGISTER} with {@link Uffd#REGISTER_MODE_WP} (the only mode modelled): the
     * VMAs of the range become {@code VM_UFFD_WP}. Raises nothing.
     *
     * @return OK, EINVAL (no userfaultfd, or a file mapping without WP_ASYNC), ENOMEM (no VMA)
     */
    public Errno uffdRegister(long addr, long length, int mode) {
        return Userfaultfd.register(this, addr, length, mode);
    }

    /** {@code UFFDIO_UNREGISTER}: PROTECTION_VMA per registered VMA as its entries are un-protected. */
    public Errno uffdUnregister(long addr, long length) {
        return Userfaultfd.unregister(this, addr, length);
    }

    /**
     * {@code UFFDIO_WRITEPROTECT}: with {@link Uffd#WRITEPROTECT_MODE_WP} write-protects the range
     * (PROTECTION_VMA per VMA; the VMAs stay writable), without it un-protects and wakes the
     * parked writes of the range (unless {@link Uffd#WRITEPROTECT_MODE_DONTWAKE}).
     *
     * @return OK, EINVAL (no userfaultfd, bad mode), ENOENT (a VMA not registered, or none)
     */
    public Errno uffdWriteProtect(long addr, long length, int mode) {
        return Userfaultfd.writeProtect(this, addr, length, mode);
    }

    /**
     * {@code UFFDIO_MOVE}: moves the exclusive anonymous pages of {@code [src, src + length)} to
     * {@code dst} (CLEAR over the source as {@code move_pages} raises it).
     *
     * @return the bytes moved, or {@code -errno} (EINVAL, ENOENT, EEXIST, EBUSY, EFAULT) if none
     */
    public long uffdMove(long dst, long src, long length, int mode) {
        return UserfaultfdRange.movePages(this, dst, src, length, mode);
    }

    /** The userfaults whose writes are parked until un-protected, oldest first; empty without a userfaultfd. */
    public List<UffdFault> uffdPendingFaults() {
        Userfaultfd ctx = userfaultfd;
        return ctx == null ? List.of() : ctx.pendingFaults();
    }

    // ------------------------------------------------------------------ /proc/PID/pagemap

    /**
     * The 64-bit pagemap entry of the page at {@code addr} (page aligned), bits as in
     * {@link Pagemap}; the frame bits only with {@code showPfn} (the kernel's CAP_SYS_ADMIN).
     */
    public long pagemap(long addr, boolean showPfn) {
        return TaskMmu.pagemap(this, addr, showPfn);
    }

    /**
     * The {@code PAGEMAP_SCAN} ioctl; with {@link PagemapScan#WP_MATCHING} one PROTECTION_VMA over
     * the whole range, however many VMAs it spans.
     */
    public PagemapScan.Result pagemapScan(PagemapScan scan) {
        return TaskMmu.scan(this, scan);
    }

    // ------------------------------------------------------------------ NUMA balancing

    /**
     * One pass of NUMA balancing's scan ({@code task_numa_work} → {@code change_prot_numa}) over
     * the range: PROTECTION_VMA per VMA, present entries made protnone while the VMAs keep their
     * protection; the next access takes the NUMA hinting fault.
     *
     * @return the number of entries made protnone
     */
    public long changeProtNuma(long addr, long length) {
        return NumaBalancing.changeProtNuma(this, addr, length);
    }

    // ------------------------------------------------------------------ accounting

    /** Pages with a nonzero entry (a PMD leaf counts 512). */
    public long populatedPages() {
        return count(false);
    }

    /** Pages mapped present on system RAM, zero page excluded ({@code get_mm_rss}). */
    public long rssPages() {
        return count(true);
    }

    private long count(boolean rssOnly) {
        lockForRead();
        try {
            long n = 0;
            PageWalk walk = new PageWalk(pageTable);
            for (int i = 0; i < vmaTree.size(); i++) {
                Vma v = vmaTree.get(i);
                walk.reset(v.start, v.end);
                while (walk.next()) {
                    long e = walk.entry();
                    if (!rssOnly || (PteLayout.isPresent(e) && !PteLayout.isSpecial(e))) {
                        n += walk.isHuge() ? Host.PMD_PAGES : 1;
                    }
                }
            }
            return n;
        } finally {
            mmapReadUnlock();
        }
    }

    @Override
    public String toString() {
        return "mm " + id;
    }
}

package org.devmirror.device.driver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * The safety oracle's shadow of device writes: for every page the device has written since the
 * last clear_refs reached it, the page (system frame or device-private page) the write landed in.
 * The oracle's soft-dirty check reads it: a page the device wrote whose CPU entry still names the
 * page written must read soft-dirty, or a soft-dirty user (CRIU's incremental dump, a live
 * migration's dirty tracking) would miss the device's bytes.
 *
 * <p>It also catches a device write landing in a page userfaultfd write-protected: the CPU entry
 * is read at the moment of the write, and an entry carrying the uffd-wp bit means the write went
 * through without the write-protect fault a CPU write would have taken (and waited on) first. Each
 * such write is kept as a violation until the oracle reports it. One entry is the kernel's, not
 * the device's: a writable device-private entry that PAGEMAP_SCAN write-protected
 * ({@code make_uffd_wp_pte} sets the uffd-wp bit of a swap entry and leaves its write permission,
 * where {@code change_pte_range} makes it read-only). {@code hmm_vma_handle_pte} reports it
 * writable to its owner, and a CPU write takes no write-protect fault there either
 * ({@code remove_migration_pte} maps the page back writable), so no driver can take the fault
 * first: such a write is kept as a kernel finding, reported apart from the violations (Linux 6.15,
 * fs/proc/task_mmu.c, which devmirror follows).
 *
 * <p>Each page also keeps whether the kernel would have lost every write recorded there for any
 * driver that does not mark soft-dirty itself ({@link #kernelLosesWrite}): a write into the
 * device's own device-private page, or through a present entry that is writable and not
 * soft-dirty. Neither takes a CPU fault, and the kernel exports no helper that marks an entry
 * soft-dirty; such an entry exists after clear_refs because {@code clear_soft_dirty} clears the
 * bit of a swap entry (device-private, device-exclusive) and leaves it writable, and
 * {@code remove_migration_pte} maps the page back writable from it (Linux 6.15). The oracle
 * reports a miss on such a page as a kernel finding under a policy that does not mark
 * ({@code InvalidationPolicy.marksDeviceMemorySoftDirty}), and as a violation under one that
 * promises to.
 *
 * <p>It is filled by the device's accesses ({@code DeviceAccess}) and cleared, for the range of a
 * SOFT_DIRTY invalidation, in the mirror's end callback, whatever the policy did: the shadow
 * follows the host, not the policy under test. The end callback of a blockable CLEAR or UNMAP
 * forgets the pages whose CPU entry the host emptied ({@link #forgetZapped}). An open-addressing
 * hash map from page address to page, in two primitive arrays; it grows (allocates) only when it
 * fills.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Only the oracle reads it. Off when the system property {@value #PROPERTY} is {@code false}: every
 * benchmark fork sets it so (mirror-bench's {@code ForkJvm}), so a benchmark's device writes record
 * nothing and its end callbacks take no driver lock for the shadow.
 *
 * <h2>Locking</h2>
 * Guarded by the driver lock.
 */
public final class DeviceWriteLog {
    /** The system property that switches the shadow off ({@code false}); on by default. */
    public static final String PROPERTY = "devmirror.oracle.shadow";

    /** Whether device writes are recorded; a constant the JIT folds. */
    public static final boolean ENABLED = Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));

    /**
     * Writes into write-protected pages described in full, and kernel findings kept; more writes
     * are only counted, and the oracle reports each of them as a further write.
     */
    public static final int DESCRIBED_WRITES = 16;

    private static final long EMPTY = -1;

    /** Page addresses; {@link #EMPTY} marks a free slot. Capacity is a power of two. */
    private long[] keys = newKeys(64);

    private long[] pages = new long[64];
    /** Per slot: every write recorded at this page since clear_refs is one the kernel loses ({@link #kernelLosesWrite}). */
    private boolean[] lostByKernel = new boolean[64];

    private int size;
    /** Writes into uffd-wp pages not yet reported, described (the first few) and counted. */
    private final List<String> wpViolations = new ArrayList<>();

    private long wpViolationCount;
    /** Writes into entries writable and uffd-wp at once (the kernel's finding), described (the first few). */
    private final List<String> wpKernelFindings = new ArrayList<>();

    DeviceWriteLog() {}

    /**
     * Records that the device wrote page {@code page} at {@code va}, where the CPU entry was
     * {@code cpuEntry} at that moment; caller holds the driver lock.
     */
    public void record(long va, long page, long cpuEntry) {
        if (!ENABLED) {
            return;
        }
        if (PteLayout.isUffdWp(cpuEntry)) {
            if (PteLayout.isWrite(cpuEntry)) {
                // The entry grants write itself: a CPU write takes no write-protect fault either.
                if (wpKernelFindings.size() < DESCRIBED_WRITES) {
                    wpKernelFindings.add("va=0x" + Long.toHexString(va) + ": the device wrote page 0x"
                            + Long.toHexString(page) + " whose CPU entry is writable and uffd-wp at once (CPU "
                            + PteLayout.describe(cpuEntry) + "): PAGEMAP_SCAN's make_uffd_wp_pte left it writable,"
                            + " so the uffd-wp bit stays and an async tracker reads the page as not written");
                }
            } else {
                wpViolationCount++;
                if (wpViolations.size() < DESCRIBED_WRITES) {
                    wpViolations.add("va=0x" + Long.toHexString(va) + ": the device wrote page 0x"
                            + Long.toHexString(page) + " while userfaultfd write-protects it (CPU "
                            + PteLayout.describe(cpuEntry)
                            + "), without the write-protect fault a CPU write takes first");
                }
            }
        }
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int i = slot(keys, va);
        boolean lost = kernelLosesWrite(cpuEntry);
        if (keys[i] == EMPTY) {
            keys[i] = va;
            size++;
            lostByKernel[i] = lost;
        } else if (pages[i] != page) {
            lostByKernel[i] = lost; // a new page: the writes into the old one are not checked any more
        } else {
            lostByKernel[i] &= lost; // one write the driver could have seen decides the page
        }
        pages[i] = page;
    }

    /**
     * Whether a device write that meets {@code cpuEntry} is one the kernel loses for every driver
     * that does not mark soft-dirty itself: the entry is device-private (the device writes its own
     * memory; only its owner maps it), or present, writable and not soft-dirty (no fault, CPU or
     * device, will set the bit before the next clear_refs).
     */
    static boolean kernelLosesWrite(long cpuEntry) {
        if (PteLayout.isDevicePrivate(cpuEntry)) {
            return true;
        }
        return PteLayout.isPresent(cpuEntry) && PteLayout.isWrite(cpuEntry) && !PteLayout.isSoftDirty(cpuEntry);
    }

    /**
     * Forgets the pages in {@code [start, end)} (unsigned end, for RELEASE's ULONG_MAX); caller
     * holds the driver lock. In place, allocation-free.
     */
    void clear(long start, long end) {
        forget(start, end, null);
    }

    /**
     * Forgets the pages in {@code [start, end)} whose CPU entry is none now; caller holds the
     * driver lock. The zap that emptied the entry took the page's soft-dirty bit with it: pagemap
     * then reports the VMA's {@code VM_SOFTDIRTY}, which clear_refs cleared too, so the kernel
     * loses a CPU write there the same way (a shared file page keeps its bytes in the page cache
     * and comes back clean on the next fault). The device's write is owed nothing more.
     */
    void forgetZapped(long start, long end, CpuPageTable cpu) {
        forget(start, end, cpu);
    }

    /**
     * Forgets the pages in {@code [start, end)}, all of them or only those {@code zappedIn} maps
     * nothing at. A range of fewer pages than the table has slots (reclaim's one-page CLEARs) is
     * looked up page by page; a larger one (an UNMAP of a whole VMA, RELEASE) is a scan of the
     * table.
     */
    private void forget(long start, long end, CpuPageTable zappedIn) {
        if (size == 0) {
            return;
        }
        long pages = (end - start) >>> 12;
        if (Long.compareUnsigned(end, start) > 0 && pages < keys.length) {
            for (long va = start; Long.compareUnsigned(va, end) < 0; va += 1L << 12) {
                int i = slot(keys, va);
                if (keys[i] == va && (zappedIn == null || zappedIn.get(va) == 0)) {
                    removeAt(i);
                }
            }
            return;
        }
        for (int i = 0; size != 0 && i < keys.length; ) {
            long va = keys[i];
            if (va != EMPTY
                    && va >= start
                    && Long.compareUnsigned(va, end) < 0
                    && (zappedIn == null || zappedIn.get(va) == 0)) {
                removeAt(i); // slot i may now hold an entry moved back: look at it again
            } else {
                i++;
            }
        }
    }

    /** Linear-probing deletion: empties slot {@code i}, moving later entries of its run back. */
    private void removeAt(int i) {
        int mask = keys.length - 1;
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (keys[j] == EMPTY) {
                break;
            }
            int home = home(keys[j], mask);
            // The entry at j may fill the hole only if its home is not cyclically in (hole, j].
            boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays) {
                keys[hole] = keys[j];
                pages[hole] = pages[j];
                lostByKernel[hole] = lostByKernel[j];
                hole = j;
            }
        }
        keys[hole] = EMPTY;
        size--;
    }

    /**
     * Hands the writes into uffd-wp pages recorded since the last call to {@code sink}, and forgets
     * them; caller holds the driver lock.
     *
     * @return how many there were (more than described when many)
     */
    public long drainWriteProtectViolations(java.util.function.Consumer<String> sink) {
        wpViolations.forEach(sink);
        long n = wpViolationCount;
        wpViolations.clear();
        wpViolationCount = 0;
        return n;
    }

    /**
     * Hands the kernel findings recorded since the last call (the first few: device writes into an
     * entry the kernel left writable and uffd-wp at once) to {@code sink}, and forgets them; caller
     * holds the driver lock.
     */
    public void drainWriteProtectKernelFindings(java.util.function.Consumer<String> sink) {
        wpKernelFindings.forEach(sink);
        wpKernelFindings.clear();
    }

    /** Pages recorded. */
    public int size() {
        return size;
    }

    /** Calls {@code visitor} with every recorded page address and page; caller holds the driver lock. */
    public void forEach(Visitor visitor) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) {
                visitor.visit(keys[i], pages[i], lostByKernel[i]);
            }
        }
    }

    /** Receives one recorded write. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * Called once per recorded write.
         *
         * @param va           the page address written
         * @param page         the frame or device-private page the write landed in
         * @param lostByKernel every write into {@code page} since clear_refs was one the kernel loses
         *                     for a driver that does not mark ({@link #kernelLosesWrite})
         */
        void visit(long va, long page, boolean lostByKernel);
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldPages = pages;
        boolean[] oldLost = lostByKernel;
        keys = newKeys(oldKeys.length * 2);
        pages = new long[oldKeys.length * 2];
        lostByKernel = new boolean[oldKeys.length * 2];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                int j = slot(keys, oldKeys[i]);
                keys[j] = oldKeys[i];
                pages[j] = oldPages[i];
                lostByKernel[j] = oldLost[i];
            }
        }
    }

    /** The slot holding {@code va}, or the free slot where it goes (linear probing). */
    private static int slot(long[] keys, long va) {
        int mask = keys.length - 1;
        int i = home(va, mask);
        while (keys[i] != EMPTY && keys[i] != va) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static int home(long va, int mask) {
        return (int) (((va >>> 12) * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    private static long[] newKeys(int n) {
        long[] k = new long[n];
        Arrays.fill(k, EMPTY);
        return k;
    }
}

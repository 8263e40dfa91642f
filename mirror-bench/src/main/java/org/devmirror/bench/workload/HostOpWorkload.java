package org.devmirror.bench.workload;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;

/**
 * Host operations over a populated region of an address space nobody subscribes to, with
 * {@code CONFIG_MMU_NOTIFIER} on or off ({@link HostConfig#notifiersEnabled()}): what the event
 * code costs when nobody listens. Each operation is paired with the host work that restores the
 * state it consumed, so it can repeat for millions of calls; the restore is the same host work
 * whether notifications are on or off, so the ratio of the two settings compares the notifier
 * path alone plus identical work on both sides.
 *
 * <p>One region of {@link #REGION_PAGES} pages (64 KiB), 4 KiB CPU mappings (THP off):
 * <ul>
 *   <li>{@link #mprotectToggle}: mprotect between PROT_READ and PROT_NONE. Every call changes the
 *       read bit of every PTE, so every call raises PROTECTION_VMA over the populated region
 *       (the kernel raises it once per VMA whose protection changes).</li>
 *   <li>{@link #munmapAndRemap}: munmap of the populated region (UNMAP), then the mmap and the
 *       CPU writes that map and populate it again (a write fault on an empty anonymous PTE raises
 *       no invalidation).</li>
 *   <li>{@link #cpuWriteFault}: a CPU write fault that breaks copy-on-write of the zero page
 *       (CLEAR), after {@code MADV_DONTNEED} of the page (CLEAR) and a CPU read fault that maps the
 *       zero page again (no invalidation).</li>
 * </ul>
 *
 * <h2>Assumptions and Guarantees</h2>
 * One thread uses an instance, for one of the three operations (after {@link #mprotectToggle} the
 * region may be inaccessible to the others). Operations check the host's return value and throw
 * {@link IllegalStateException} if it is not {@link Errno#OK}: a benchmark must not time a failure.
 * The host's own bookkeeping may allocate (VMA objects on mmap, lists of VMAs); the notifier path
 * with nothing subscribed allocates nothing ({@code MmuNotify} returns before initialising a
 * range).
 */
public final class HostOpWorkload implements AutoCloseable {
    /**
     * Swap slots of the host: the workload never swaps, and the default (64 Ki slots) makes the
     * host reserve and zero 256 MiB of swap, seconds of setup per workload.
     */
    private static final long NO_SWAP = 1;
    /** Pages of the region: 64 KiB. */
    public static final int REGION_PAGES = 16;

    private static final long PAGE = Host.PAGE_SIZE;
    private static final long REGION = REGION_PAGES * PAGE;
    private static final long BASE = 1L << 36;
    private static final int ANON = MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED;

    private final Host host;
    private final AddressSpace mm;
    /** The protection mprotectToggle sets next: PROT_NONE and PROT_READ in turn. */
    private int nextProt = Prot.NONE;

    /** A host with notifications on or off and one address space whose region is mapped read-write and populated. */
    public HostOpWorkload(boolean notifiersEnabled) {
        host = new Host(HostConfig.defaults()
                .withNotifiersEnabled(notifiersEnabled)
                .withThpEnabled(false)
                .withSwapSlots(NO_SWAP)
                .withFrames(16 * REGION_PAGES));
        mm = host.newAddressSpace();
        check(mm.mmap(BASE, REGION, Prot.RW, ANON) == BASE, "mmap");
        check(mm.cpuFill(BASE, REGION, (byte) 1) == Errno.OK, "cpuFill");
    }

    /**
     * mprotect of the populated region to the other of PROT_READ and PROT_NONE (the first call
     * from PROT_RW to PROT_NONE). Every call changes every PTE and raises one PROTECTION_VMA when
     * notifications are on and anyone subscribes.
     *
     * @return the protection set
     */
    public int mprotectToggle() {
        int prot = nextProt;
        check(mm.mprotect(BASE, REGION, prot) == Errno.OK, "mprotect");
        nextProt = prot == Prot.NONE ? Prot.READ : Prot.NONE;
        InjectedWork.perOperation();
        return prot;
    }

    /**
     * munmap of the populated region (one UNMAP), then mmap and a CPU write of every page to
     * populate it again (writes to empty anonymous PTEs raise nothing).
     *
     * @return the address mapped again
     */
    public long munmapAndRemap() {
        check(mm.munmap(BASE, REGION) == Errno.OK, "munmap");
        long a = mm.mmap(BASE, REGION, Prot.RW, ANON);
        check(a == BASE, "mmap");
        check(mm.cpuFill(BASE, REGION, (byte) 1) == Errno.OK, "cpuFill");
        InjectedWork.perOperation();
        return a;
    }

    /**
     * A CPU write fault breaking copy-on-write of the zero page on the region's first page
     * (CLEAR), re-armed before it by {@code MADV_DONTNEED} of the page (CLEAR) and a CPU read
     * fault that maps the zero page (no invalidation).
     *
     * @return the CPU page-table entry the write fault installed
     */
    public long cpuWriteFault() {
        check(mm.madvise(BASE, PAGE, Advice.DONTNEED) == Errno.OK, "madvise");
        check(mm.cpuFault(BASE, false) == Errno.OK, "cpuFault read");
        check(mm.cpuFault(BASE, true) == Errno.OK, "cpuFault write");
        InjectedWork.perOperation();
        return mm.pageTable().get(BASE);
    }

    private static void check(boolean ok, String op) {
        if (!ok) {
            throw new IllegalStateException(op + " failed in the host-operation workload");
        }
    }

    @Override
    public void close() {
        mm.close();
        host.close();
    }
}

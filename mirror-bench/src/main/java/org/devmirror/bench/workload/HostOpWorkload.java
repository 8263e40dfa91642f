package org.devmirror.bench.workload;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;

/**
 * Host operations over populated ranges in an address space nobody subscribes to, with
 * {@code CONFIG_MMU_NOTIFIER} on or off ({@link HostConfig#notifiersEnabled()}): what the event
 * code costs when nobody listens. {@link #REGIONS} regions of {@link #REGION_PAGES} pages each;
 * {@code arm*} restores the state an operation consumes and runs outside the measurement.
 *
 * <h2>Assumptions and Guarantees</h2>
 * One thread uses an instance. Operations check the host's return value and throw
 * {@link IllegalStateException} if it is not {@link Errno#OK}: a benchmark must not time a failure.
 */
public final class HostOpWorkload implements AutoCloseable {
    /**
     * Swap slots of the host: the workload never swaps, and the default (64 Ki slots) makes the
     * host reserve and zero 256 MiB of swap, seconds of setup per workload.
     */
    private static final long NO_SWAP = 1;
    /** Regions per batch. */
    public static final int REGIONS = 64;
    /** Pages per region: 64 KiB. */
    public static final int REGION_PAGES = 16;
    private static final long PAGE = Host.PAGE_SIZE;
    private static final long REGION = REGION_PAGES * PAGE;
    /** Regions are 2 MiB apart so that no two share a page table or a VMA. */
    private static final long STRIDE = Host.PMD_SIZE;
    private static final long BASE = 1L << 36;

    private final Host host;
    private final AddressSpace mm;
    /** Whether region i is mapped now; munmapAll clears it, the arm methods set it. */
    private final boolean[] mapped = new boolean[REGIONS];

    public HostOpWorkload(boolean notifiersEnabled) {
        host = new Host(HostConfig.defaults().withNotifiersEnabled(notifiersEnabled).withThpEnabled(false).withSwapSlots(NO_SWAP)
                .withFrames(4 * REGIONS * REGION_PAGES));
        mm = host.newAddressSpace();
    }

    private static long region(int i) {
        return BASE + i * STRIDE;
    }

    /** Maps every region read-write and writes every page (munmap and mprotect find them populated). */
    public void armPopulated() {
        for (int i = 0; i < REGIONS; i++) {
            long a = region(i);
            if (!mapped[i]) {
                check(mm.mmap(a, REGION, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED) == a, "mmap");
                mapped[i] = true;
            } else {
                check(mm.mprotect(a, REGION, Prot.RW) == Errno.OK, "mprotect");
            }
            check(mm.cpuFill(a, REGION, (byte) 1) == Errno.OK, "cpuFill");
        }
    }

    /** Maps every region read-write with each page read once: the shared zero page, write-protected. */
    public void armZeroPages() {
        for (int i = 0; i < REGIONS; i++) {
            long a = region(i);
            if (!mapped[i]) {
                check(mm.mmap(a, REGION, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED) == a, "mmap");
                mapped[i] = true;
            } else {
                check(mm.madvise(a, REGION, Advice.DONTNEED) == Errno.OK, "madvise");
            }
            for (long p = a; p < a + REGION; p += PAGE) {
                check(mm.cpuFault(p, false) == Errno.OK, "cpuFault");
            }
        }
    }

    /** munmap of every region (UNMAP where populated); returns the regions unmapped. */
    public int munmapAll() {
        int n = 0;
        for (int i = 0; i < REGIONS; i++) {
            check(mm.munmap(region(i), REGION) == Errno.OK, "munmap");
            mapped[i] = false;
            InjectedWork.perOperation();
            n++;
        }
        return n;
    }

    /** mprotect of every region to read-only (PROTECTION_VMA over populated PTEs). */
    public int mprotectAll() {
        int n = 0;
        for (int i = 0; i < REGIONS; i++) {
            check(mm.mprotect(region(i), REGION, Prot.READ) == Errno.OK, "mprotect");
            InjectedWork.perOperation();
            n++;
        }
        return n;
    }

    /** A CPU write fault on every page: a copy-on-write break of the zero page (CLEAR). */
    public int writeFaultAll() {
        int n = 0;
        for (int i = 0; i < REGIONS; i++) {
            long a = region(i);
            for (long p = a; p < a + REGION; p += PAGE) {
                check(mm.cpuFault(p, true) == Errno.OK, "cpuFault");
                InjectedWork.perOperation();
                n++;
            }
        }
        return n;
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

package org.devmirror.reliability.jcstress;

import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;

/**
 * A whole (small) machine for the jcstress tests of the UNMAP garbage collector
 * ({@code MirrorState.collectGarbage}, after Xe's {@code xe_svm_garbage_collector}): a host, one
 * device and its mirror of one address space whose four pages {@link #page}(0..3) form one tracked
 * range (a 16 KiB tracking chunk). The device has faulted in the pages {@code faulted} names; then
 * page 3 is unmapped, so the range is marked UNMAPPED and waits for the collector, which will keep
 * pages 0..2 as one piece. The actors race the collector against the host or the device; the
 * arbiter reads the outcome with {@link #verdict} and closes everything (each sample owns
 * off-heap frames).
 *
 * <h2>Assumptions and Guarantees</h2>
 * Built by jcstress's state constructor on one thread; the actors then use {@link #mm} and
 * {@link #mirror} from two threads, as a host thread and a device thread do; the arbiter runs
 * after both.
 */
final class GcWorld {
    static final long BASE = 0x1000_0000L;
    static final long PAGE = Host.PAGE_SIZE;
    static final int PAGES = 4;

    /** {@link #verdict}: the oracle is clean and every device PTE lies in a tracked range. */
    static final int SAFE = 0;
    /** {@link #verdict}: the safety oracle found a violation. */
    static final int ORACLE_VIOLATION = 1;
    /** {@link #verdict}: a device PTE outside every tracked range (no notifier would ever zap it). */
    static final int UNTRACKED_PTE = 2;

    final Host host = new Host(HostConfig.defaults().withFrames(64).withSwapSlots(8));
    final DmirrorDevice device = new DmirrorDevice(host, 0, 512);
    final AddressSpace mm = host.newAddressSpace();
    final Dmirror mirror;

    /**
     * @param faulted the pages (bit i = page i) the device faults in before page 3 is unmapped
     */
    GcWorld(int faulted) {
        mirror = device.open(
                mm, MirrorOptions.defaults().withTrackChunk(PAGES * PAGE).withOffHeapTable(false));
        mm.mmap(BASE, PAGES * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
        require(mm.cpuFill(BASE, PAGES * PAGE, (byte) 0x5a), "cpuFill");
        for (int i = 0; i < PAGES; i++) {
            if ((faulted & 1 << i) != 0) {
                require(mirror.fault(page(i), 1, true), "device fault of page " + i);
            }
        }
        require(mm.munmap(page(3), PAGE), "munmap of page 3");
    }

    private static void require(Errno e, String what) {
        if (e != Errno.OK) {
            throw new IllegalStateException(what + ": " + e);
        }
    }

    static long page(int i) {
        return BASE + i * PAGE;
    }

    /** Whether the device page table holds an entry for page i. */
    boolean mapped(int i) {
        return mirror.entry(page(i)) != 0;
    }

    /** Whether a tracked range (live, or marked and waiting for the collector) covers page i. */
    boolean tracked(int i) {
        return mirror.isTracked(page(i));
    }

    /** {@link #SAFE}, {@link #ORACLE_VIOLATION} or {@link #UNTRACKED_PTE}. */
    int verdict() {
        if (!SafetyOracle.check(mirror).isClean()) {
            return ORACLE_VIOLATION;
        }
        for (int i = 0; i < PAGES; i++) {
            if (mapped(i) && !tracked(i)) {
                return UNTRACKED_PTE;
            }
        }
        return SAFE;
    }

    /** Frees the sample's frames, device memory and page tables. */
    void close() {
        mirror.close();
        host.close();
        device.close();
    }
}

package org.devmirror.device;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;

import java.util.concurrent.TimeUnit;
import org.devmirror.device.driver.MirrorState;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.DevicePagemap;
import org.devmirror.mm.Errno;
import org.devmirror.mm.phys.PhysicalMemory;

/**
 * Models {@code dmirror_read()}/{@code dmirror_write()} with {@code dmirror_do_read()}/
 * {@code dmirror_do_write()} (lib/test_hmm.c), plus a device atomic: the device accesses a range
 * through its TLB and page table, copying real bytes; at the first page it cannot access it faults
 * from there to the end, counts the fault round, and starts again from that page.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Copies happen under the driver lock, so an invalidation cannot remove a translation mid-page. The
 * caller holds no lock. Fault rounds that let no page through end the command with EBUSY after
 * {@code faultTimeoutMillis}. An access over mapped pages, or one that refaults them in a round or two,
 * allocates nothing: its outcome is a shared {@link DeviceCommand#of} value.
 */
final class DeviceAccess {
    private static final int READ = 0;
    private static final int WRITE = 1;
    private static final int ATOMIC = 2;

    private DeviceAccess() {}

    static DeviceCommand read(Dmirror mirror, long addr, int npages, byte[] dst) {
        return run(mirror, addr, npages, dst, 0, READ);
    }

    static DeviceCommand write(Dmirror mirror, long addr, int npages, byte[] src) {
        return run(mirror, addr, npages, src, 0, WRITE);
    }

    static DeviceCommand atomicAdd(Dmirror mirror, long addr, int npages, long delta) {
        return run(mirror, addr, npages, null, delta, ATOMIC);
    }

    private static DeviceCommand run(Dmirror mirror, long addr, int npages, byte[] buf, long delta, int kind) {
        MirrorState driver = mirror.driver();
        long end = addr + ((long) npages << DevicePteLayout.PAGE_SHIFT);
        long cpages = 0;
        long faults = 0;
        long progressAt = -1; // cpages when the last fault round began
        long stalledSince = 0; // when rounds stopped making progress, 0 while they make it
        while (true) {
            boolean missing = false;
            driver.restoreQueues(); // the restore worker has run before the device runs again
            driver.lock().lock();
            try {
                if (driver.queuesStopped()) {
                    continue; // evicted again meanwhile: restore first (the finally unlocks)
                }
                for (long va = addr + (cpages << DevicePteLayout.PAGE_SHIFT); va < end; va += PAGE_SIZE) {
                    long e = driver.translate(va);
                    if (e != 0 && !usable(e, kind)) {
                        e = driver.retranslate(va); // a permission fault re-walks: the cache may be stale
                    }
                    if (!usable(e, kind)) {
                        missing = true; // -ENOENT in dmirror_do_read/write: fault from here
                        break;
                    }
                    access(mirror, e, va, buf, (int) (va - addr), delta, kind);
                    cpages++;
                }
            } finally {
                driver.lock().unlock();
            }
            if (!missing) {
                return DeviceCommand.of(Errno.OK, cpages, faults);
            }
            long from = addr + (cpages << DevicePteLayout.PAGE_SHIFT);
            Errno r = kind == ATOMIC
                    ? DeviceExclusive.acquire(mirror, from, end)
                    : driver.fault(from, end, kind == WRITE);
            if (r != Errno.OK) {
                return DeviceCommand.of(r, cpages, faults);
            }
            faults++;
            // A fault that succeeds but lets no page through (the CPU takes each page back before
            // the device gets to it) ends in EBUSY after faultTimeoutMillis, as nouveau's atomic
            // fault gives up after HMM_RANGE_DEFAULT_TIMEOUT; the clock is read only once stalled.
            if (cpages != progressAt) {
                progressAt = cpages;
                stalledSince = 0;
            } else if (stalledSince == 0) {
                stalledSince = System.nanoTime();
            } else if (System.nanoTime() - stalledSince
                    > TimeUnit.MILLISECONDS.toNanos(driver.options().faultTimeoutMillis())) {
                return DeviceCommand.of(Errno.EBUSY, cpages, faults);
            }
        }
    }

    private static boolean usable(long e, int kind) {
        return switch (kind) {
            case READ -> DevicePteLayout.isValid(e);
            case WRITE -> DevicePteLayout.isWrite(e);
            default -> DevicePteLayout.isAtomic(e);
        };
    }

    private static void access(Dmirror mirror, long e, long va, byte[] buf, int off, long delta, int kind) {
        long pfn = DevicePteLayout.pfnAt(e, va);
        if (kind != READ) {
            // The oracle's shadow (under the driver lock), with the CPU entry the write meets.
            mirror.driver().writeLog().record(va, pfn, mirror.mm().pageTable().get(va));
        }
        if (DevicePteLayout.isDevicePrivate(e)) {
            DmirrorDevice owner = deviceOf(mirror, pfn);
            if (kind == READ) {
                owner.readPage(pfn, buf, off);
            } else {
                owner.writePage(pfn, buf, off); // ATOMIC entries never name device pages
            }
            return;
        }
        PhysicalMemory memory = mirror.device().systemMemory();
        switch (kind) {
            case READ -> memory.read(pfn, 0, buf, off, (int) PAGE_SIZE);
            case WRITE -> {
                memory.write(pfn, 0, buf, off, (int) PAGE_SIZE);
                memory.setDirty(pfn, true); // set_page_dirty: writeback must see the device's write
            }
            default -> {
                for (int o = 0; o < PAGE_SIZE; o += Long.BYTES) {
                    memory.putLong(pfn, o, memory.getLong(pfn, o) + delta);
                }
                memory.setDirty(pfn, true);
            }
        }
    }

    private static DmirrorDevice deviceOf(Dmirror mirror, long pfn) {
        if (mirror.device().ownsPfn(pfn)) {
            return mirror.device();
        }
        DevicePagemap pgmap = mirror.device().host().pagemapOf(pfn);
        if (!(pgmap instanceof DmirrorDevice other)) {
            throw new IllegalStateException("device pfn=0x" + Long.toHexString(pfn) + " belongs to no mirror device");
        }
        return other;
    }
}

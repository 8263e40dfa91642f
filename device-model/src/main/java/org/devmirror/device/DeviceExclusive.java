package org.devmirror.device;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;

import java.util.concurrent.TimeUnit;
import org.devmirror.device.driver.MirrorState;
import org.devmirror.device.driver.TrackedRange;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.Errno;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code dmirror_exclusive()}, {@code dmirror_atomic_map()} and
 * {@code dmirror_check_atomic()} (lib/test_hmm.c): exclusive access for device atomics. The host's
 * {@code make_device_exclusive} replaces the CPU PTE by a device-exclusive entry (EXCLUSIVE
 * invalidation, owner = this device); the driver then maps the page ATOMIC. A CPU access restores
 * the PTE with a CLEAR invalidation, which zaps the ATOMIC entry: access is revoked.
 *
 * <p>The kernel maps while it holds the folio lock {@code make_device_exclusive} returned, so the
 * CPU cannot restore the entry in between; here the driver re-checks under its lock that the CPU
 * PTE is still the device-exclusive entry (a restore changes the PTE only after its CLEAR callback,
 * which needs that lock, has run) and tries again if it is not.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The caller holds no lock. Tries each page for at most {@code faultTimeoutMillis}.
 */
final class DeviceExclusive {
    private DeviceExclusive() {}

    /** Grants the device exclusive access to every page of {@code [start, end)}. */
    static Errno acquire(Dmirror mirror, long start, long end) {
        MirrorState driver = mirror.driver();
        long timeout = TimeUnit.MILLISECONDS.toNanos(driver.options().faultTimeoutMillis());
        for (long va = start; va < end; va += PAGE_SIZE) {
            long deadline = System.nanoTime() + timeout;
            while (true) {
                if (driver.isReleased()) {
                    return Errno.EFAULT;
                }
                if (System.nanoTime() - deadline > 0) {
                    return Errno.EBUSY;
                }
                long pfn = mirror.mm().makeDeviceExclusive(va, mirror.device());
                if (pfn < 0) {
                    return Errno.fromReturn(pfn);
                }
                // The blind policy drops tracking on our own EXCLUSIVE: track again before mapping.
                TrackedRange tracked = driver.ensureTracked(va, va + PAGE_SIZE);
                if (tracked == null) {
                    return Errno.EFAULT;
                }
                if (map(driver, tracked, va, pfn)) {
                    break;
                }
            }
            mirror.device().zapMirrors(mirror.mm(), va, va + PAGE_SIZE, mirror, MmuNotifierEvent.EXCLUSIVE);
        }
        return Errno.OK;
    }

    /** {@code HMM_DMIRROR_CHECK_EXCLUSIVE}: -EPERM if any page still has an ATOMIC entry. */
    static Errno check(Dmirror mirror, long start, long end) {
        MirrorState driver = mirror.driver();
        driver.lock().lock();
        try {
            for (long va = start; va < end; va += PAGE_SIZE) {
                if (DevicePteLayout.isAtomic(driver.pageTable().get(va))) {
                    return Errno.EPERM;
                }
            }
            return Errno.OK;
        } finally {
            driver.lock().unlock();
        }
    }

    /** Models dmirror_atomic_map for one page; false if the CPU has already taken the page back. */
    private static boolean map(MirrorState driver, TrackedRange tracked, long va, long pfn) {
        driver.lock().lock();
        try {
            long cpu = driver.mm().pageTable().get(va);
            if (!tracked.isLive() || !PteLayout.isDeviceExclusive(cpu) || PteLayout.pfn(cpu) != pfn) {
                return false;
            }
            driver.mapAtomic(va, DevicePteLayout.exclusivePage(pfn));
            return true;
        } finally {
            driver.lock().unlock();
        }
    }
}

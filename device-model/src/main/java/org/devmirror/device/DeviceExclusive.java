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
 * <p>The kernel maps while it holds the folio lock {@code make_device_exclusive} returned, so
 * neither the CPU nor another device can take the entry back in between; here the driver
 * re-checks under its lock that the CPU PTE is still device-exclusive for this device
 * ({@link org.devmirror.mm.AddressSpace#isDeviceExclusiveFor}: a restore or another device's
 * {@code make_device_exclusive} changes the PTE only after its CLEAR or EXCLUSIVE callback, which
 * needs that lock, has run) and tries again if it is not.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The caller holds no lock. Tries each chunk for at most {@code faultTimeoutMillis}, then gives
 * up with EBUSY.
 */
final class DeviceExclusive {
    private DeviceExclusive() {}

    /**
     * Grants the device exclusive access to every page of {@code [start, end)}, one tracking chunk
     * at a time: every page of the chunk is made exclusive first, then all are mapped ATOMIC under
     * one driver lock, as {@code dmirror_exclusive} calls {@code make_device_exclusive} for a
     * batch of pages before {@code dmirror_atomic_map}. Mapping page by page would let a policy
     * that zaps whole chunks (drm_gpusvm's) drop the pages already mapped on the next page's
     * EXCLUSIVE, and the device access that asked would fault again forever.
     */
    static Errno acquire(Dmirror mirror, long start, long end) {
        MirrorState driver = mirror.driver();
        long chunk = driver.options().trackChunk();
        long timeout = TimeUnit.MILLISECONDS.toNanos(driver.options().faultTimeoutMillis());
        for (long batch = start; batch < end; ) {
            long next = Math.min(end, (batch & -chunk) + chunk);
            long deadline = System.nanoTime() + timeout;
            for (boolean first = true; ; first = false) {
                if (driver.isReleased()) {
                    return Errno.EFAULT;
                }
                if (System.nanoTime() - deadline > 0) {
                    return Errno.EBUSY;
                }
                // Step 1: the batch's pages exclusive; on a retry, only those a CPU access or
                // another device has taken back since. A page that cannot be made exclusive ends
                // the command, but the pages before it are mapped first, as dmirror_exclusive maps
                // what make_device_exclusive gave it: the policy skipped its own EXCLUSIVE on
                // them, so their old entries must give way to ATOMIC ones.
                for (long va = batch; va < next; va += PAGE_SIZE) {
                    if (first || !mirror.mm().isDeviceExclusiveFor(va, mirror.device())) {
                        long pfn = mirror.mm().makeDeviceExclusive(va, mirror.device());
                        if (pfn < 0) {
                            if (va > batch) {
                                mapMade(mirror, driver, batch, va);
                            }
                            return Errno.fromReturn(pfn);
                        }
                    }
                }
                // Step 2: tracked (the blind policy drops tracking on our own EXCLUSIVE), then
                // mapped; done when every page was still ours.
                TrackedRange tracked = driver.ensureTracked(batch, next);
                if (tracked == null) {
                    return Errno.EFAULT;
                }
                if (map(mirror, tracked, batch, next)) {
                    break;
                }
            }
            mirror.device().zapMirrors(mirror.mm(), batch, next, mirror, MmuNotifierEvent.EXCLUSIVE);
            batch = next;
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

    /** Maps the pages of {@code [start, end)} made exclusive before a failure, once tracked. */
    private static void mapMade(Dmirror mirror, MirrorState driver, long start, long end) {
        TrackedRange tracked = driver.ensureTracked(start, end);
        if (tracked != null) {
            map(mirror, tracked, start, end);
        }
    }

    /**
     * Models {@code dmirror_atomic_map} for {@code [start, end)}: every page still device-exclusive
     * for this device is mapped ATOMIC. Returns whether all were; a page that is not was taken back
     * (by the CPU, or by another device for itself) with a CLEAR or EXCLUSIVE this mirror did not
     * skip, so nothing of it is left mapped. Nothing is mapped once the range was dropped.
     */
    private static boolean map(Dmirror mirror, TrackedRange tracked, long start, long end) {
        MirrorState driver = mirror.driver();
        driver.lock().lock();
        try {
            if (!tracked.isLive()) {
                return false;
            }
            boolean all = true;
            for (long va = start; va < end; va += PAGE_SIZE) {
                if (mirror.mm().isDeviceExclusiveFor(va, mirror.device())) {
                    long pfn = PteLayout.pfn(driver.mm().pageTable().get(va));
                    driver.mapAtomic(va, DevicePteLayout.exclusivePage(pfn));
                } else {
                    all = false;
                }
            }
            return all;
        } finally {
            driver.lock().unlock();
        }
    }
}

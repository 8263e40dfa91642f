package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code make_device_exclusive} (mm/rmap.c): the page at an address is faulted in
 * writable, then, under EXCLUSIVE with the caller as owner (so the caller can recognise its own
 * event), its entry becomes a device-exclusive entry: the device may use the page atomically and
 * any CPU access first restores the entry with a CLEAR ({@code remove_device_exclusive_entry}).
 * The exclusive entry keeps the map count and reference of the entry it replaced, and the owner
 * is recorded for {@link AddressSpace#isDeviceExclusiveFor}. Only private
 * anonymous pages qualify (EINVAL otherwise, where the kernel says -EOPNOTSUPP).
 *
 * <h2>Locking</h2>
 * Takes the mmap read lock (reentrantly, so a driver holding it may call).
 */
final class DeviceExclusive {
    private DeviceExclusive() {}

    static long make(AddressSpace mm, long addr, Object owner) {
        UserRange.checkAddress("addr", addr);
        mm.lockForRead();
        try {
            CpuPageTable pt = mm.pageTable();
            while (true) {
                Vma vma = mm.vmaAt(addr);
                if (vma == null || !vma.canRead() || !vma.canWrite()) {
                    return -Errno.EFAULT.code(); // GUP with FOLL_WRITE fails
                }
                if (vma.isShared()) {
                    return -Errno.EINVAL.code();
                }
                Errno r = MemoryFault.handle(mm, addr, true);
                if (!r.isOk()) {
                    return -r.code();
                }
                long e = pt.get(addr);
                if (PteLayout.isHuge(e)) {
                    r = HugeMemory.splitPmd(mm, vma, UserRange.pmdFloor(addr));
                    if (!r.isOk()) {
                        return -r.code();
                    }
                    continue;
                }
                if (!PteLayout.isPresent(e) || !PteLayout.isWrite(e)) {
                    continue; // changed under us: fault again
                }
                long pfn = PteLayout.pfn(e);
                if (!(mm.host().rmap().mappingOf(pfn) instanceof AnonVma)) {
                    return -Errno.EINVAL.code();
                }
                int slot = mm.notify.start(MmuNotifierEvent.EXCLUSIVE, addr, addr + Host.PAGE_SIZE, owner);
                mm.ptl.lock();
                try {
                    if (pt.get(addr) == e) {
                        // before the entry, which publishes it
                        mm.exclusiveOwners.put(pfn, AddressSpace.ownerKey(owner));
                        pt.set(addr, PteLayout.deviceExclusiveEntry(pfn, true) | (e & PteLayout.SOFT_DIRTY));
                        return pfn;
                    }
                } finally {
                    mm.ptl.unlock();
                    mm.notify.end(slot);
                }
            }
        } finally {
            mm.mmapReadUnlock();
        }
    }
}

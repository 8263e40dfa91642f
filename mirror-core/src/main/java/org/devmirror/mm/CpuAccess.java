package org.devmirror.mm;

import java.util.Arrays;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;

/**
 * Models a CPU load or store through the MMU ({@code copy_from_user}/{@code copy_to_user}): the
 * hardware walks the page table and either completes the access, setting the accessed and dirty
 * bits as x86 does, or raises a page fault that {@link MemoryFault} handles before the access is
 * retried. A write to a page write-protected by a synchronous userfaultfd stops there: the rest
 * of the access is parked with the userfaultfd ({@link Userfaultfd}) and the call returns EAGAIN.
 *
 * <h2>Locking</h2>
 * Takes the mmap read lock (reentrantly). Each page's bytes are copied under the page-table lock
 * with the entry re-checked, so reverse-map work of another address space (which changes entries
 * under that lock) cannot move the frame in the middle of the copy.
 */
final class CpuAccess {
    private CpuAccess() {}

    static Errno read(AddressSpace mm, long addr, byte[] dst, int off, int len) {
        checkBuffer(dst, off, len);
        return access(mm, addr, dst, off, len, false, (byte) 0, false);
    }

    static Errno write(AddressSpace mm, long addr, byte[] src, int off, int len) {
        checkBuffer(src, off, len);
        return access(mm, addr, src, off, len, true, (byte) 0, false);
    }

    static Errno fill(AddressSpace mm, long addr, long length, byte value) {
        return access(mm, addr, null, 0, length, true, value, true);
    }

    private static void checkBuffer(byte[] buf, int off, int len) {
        if (buf == null) {
            throw new IllegalArgumentException("buffer=null");
        }
        if (off < 0 || len < 0 || off > buf.length - len) {
            throw new IllegalArgumentException(
                    "off=" + off + " len=" + len + " is outside the buffer of " + buf.length + " bytes");
        }
    }

    private static Errno access(
            AddressSpace mm, long addr, byte[] buf, int off, long len, boolean write, byte value, boolean fill) {
        UserRange.checkBytes(addr, len);
        byte[] pattern = null;
        if (fill) {
            pattern = new byte[(int) Host.PAGE_SIZE];
            Arrays.fill(pattern, value);
        }
        mm.lockForRead();
        try {
            long a = addr;
            long end = addr + len;
            while (a < end) {
                long page = a & -Host.PAGE_SIZE;
                int in = (int) (a - page);
                int n = (int) Math.min(end - a, Host.PAGE_SIZE - in);
                Errno r = accessPage(mm, page, in, fill ? pattern : buf, fill ? in : off, n, write);
                if (r == Errno.EAGAIN) {
                    // handle_userfault: this thread now sleeps until the handler wakes it, then
                    // writes the rest; devmirror parks that rest with the userfaultfd
                    mm.userfaultfd().park(page, a, end - a, fill ? null : buf, off, value);
                    return r;
                }
                if (!r.isOk()) {
                    return r;
                }
                a += n;
                if (!fill) {
                    off += n;
                }
            }
            return Errno.OK;
        } finally {
            mm.mmapReadUnlock();
        }
    }

    private static Errno accessPage(AddressSpace mm, long page, int in, byte[] buf, int off, int n, boolean write) {
        CpuPageTable pt = mm.pageTable();
        PhysicalMemory mem = mm.host().memory();
        while (true) {
            Vma vma = mm.vmaAt(page);
            if (vma == null || !vma.canRead()) {
                return Errno.EFAULT;
            }
            if (write && !vma.canWrite()) {
                return Errno.EPERM;
            }
            mm.ptl.lock();
            try {
                long e = pt.get(page);
                if (PteLayout.isRead(e) && (!write || PteLayout.isWrite(e))) {
                    boolean huge = PteLayout.isHuge(e);
                    long pfn = PteLayout.pfn(e) + (huge ? (page & (Host.PMD_SIZE - 1)) >>> Host.PAGE_SHIFT : 0);
                    if (write) {
                        mem.write(pfn, in, buf, off, n);
                        long dirty = PteLayout.mkDirty(PteLayout.mkYoung(e));
                        if (dirty != e) {
                            // the MMU sets the dirty bit on the first store through the entry
                            if (huge) {
                                pt.setPmd(UserRange.pmdFloor(page), dirty);
                            } else {
                                pt.set(page, dirty);
                            }
                        }
                    } else {
                        mem.read(pfn, in, buf, off, n);
                    }
                    return Errno.OK;
                }
            } finally {
                mm.ptl.unlock();
            }
            Errno r = MemoryFault.handle(mm, page, write, true); // a user access: FAULT_FLAG_ALLOW_RETRY
            if (!r.isOk()) {
                return r;
            }
        }
    }
}

package org.devmirror.mm;

import java.util.ArrayList;
import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * Models {@code struct userfaultfd_ctx} and the ioctls of fs/userfaultfd.c in write-protect mode:
 * {@code UFFDIO_API} (the features), {@code UFFDIO_REGISTER} / {@code UFFDIO_UNREGISTER} with
 * {@code UFFDIO_REGISTER_MODE_WP}, {@code UFFDIO_WRITEPROTECT}, and {@code handle_userfault} for
 * a write to a write-protected page. The page-table work is {@link UserfaultfdRange}'s
 * (mm/userfaultfd.c). devmirror gives each address space at most one userfaultfd; missing and
 * minor faults are not modelled.
 *
 * <h2>A write to a write-protected page</h2>
 * With {@link Uffd#FEATURE_WP_ASYNC} the kernel resolves the fault itself ({@code do_wp_page}
 * drops the uffd-wp bit) and the write goes on. Otherwise the fault becomes a message and the
 * faulting thread sleeps in {@code handle_userfault} until the handler un-protects the page with
 * {@code UFFDIO_WRITEPROTECT} (mode 0, which wakes it); its fault then returns
 * {@code VM_FAULT_RETRY} and the write is retried. devmirror runs user accesses on the calling
 * thread, so it models the sleep as a parked access: the CPU write stops at the protected page
 * and returns {@link Errno#EAGAIN}, the pages before it written; {@link #pendingFaults} lists its
 * message; the un-protecting {@code UFFDIO_WRITEPROTECT} wakes it, and the rest of the write
 * runs before that call returns (as if the woken thread ran right away), possibly parking again
 * on the next protected page. Faults that may not retry ({@code hmm_range_fault},
 * {@code get_user_pages}: no {@code FAULT_FLAG_ALLOW_RETRY}) get {@code VM_FAULT_SIGBUS} from
 * {@code handle_userfault}: a device write to a write-protected page fails with EFAULT.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The features are fixed at creation. Parked accesses are added under the mmap read lock by the
 * faulting thread and woken by the un-protecting one; the list is guarded by this object's
 * monitor, which nothing else is taken under.
 */
final class Userfaultfd {
    /** A parked user access: the message, and the rest of the write to retry on wake-up. */
    @SuppressWarnings(
            "ArrayRecordComponent") // its arrays are read by index and the record is never compared or hashed, so array
    // identity in equals() does not matter
    private record Waiter(UffdFault fault, long addr, long length, byte[] data, int off, byte fill) {}

    private final long features;
    // threads sleeping in handle_userfault, in arrival order; guarded by this
    private final List<Waiter> waiters = new ArrayList<>();

    private Userfaultfd(long features) {
        this.features = features;
    }

    /** {@code UFFD_FEATURE_WP_ASYNC}. */
    boolean wpAsync() {
        return (features & Uffd.FEATURE_WP_ASYNC) != 0;
    }

    /** {@code UFFD_FEATURE_WP_UNPOPULATED} (implied by WP_ASYNC). */
    boolean wpUnpopulated() {
        return (features & Uffd.FEATURE_WP_UNPOPULATED) != 0;
    }

    /**
     * {@code userfaultfd(2)} + {@code UFFDIO_API}: gives {@code mm} its userfaultfd.
     *
     * @return OK, or EINVAL for an unknown feature or a second userfaultfd
     */
    static Errno api(AddressSpace mm, long features) {
        if ((features & ~Uffd.KNOWN_FEATURES) != 0) {
            return Errno.EINVAL;
        }
        if ((features & Uffd.FEATURE_WP_ASYNC) != 0) {
            features |= Uffd.FEATURE_WP_UNPOPULATED; // userfaultfd_api: WP_ASYNC relies on WP_UNPOPULATED
        }
        mm.lockForWrite();
        try {
            if (mm.userfaultfd() != null) {
                return Errno.EINVAL;
            }
            mm.setUserfaultfd(new Userfaultfd(features));
            return Errno.OK;
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /**
     * {@code userfaultfd_register} with {@code UFFDIO_REGISTER_MODE_WP}: every VMA of the range
     * becomes {@code VM_UFFD_WP} (split at the range's ends, merged after); holes are skipped.
     *
     * @return OK; EINVAL without a userfaultfd or for a VMA that cannot be write-protected (a
     *         private or shared file mapping without WP_ASYNC); ENOMEM when no VMA meets the range
     */
    static Errno register(AddressSpace mm, long addr, long length, int mode) {
        long end = UserRange.end("addr", addr, "length", length);
        if (mode != Uffd.REGISTER_MODE_WP) {
            throw new IllegalArgumentException("mode=" + mode + " is not UFFDIO_REGISTER_MODE_WP ("
                    + Uffd.REGISTER_MODE_WP + "): only write-protect registration is modelled");
        }
        mm.lockForWrite();
        try {
            Userfaultfd ctx = mm.userfaultfd();
            if (ctx == null) {
                return Errno.EINVAL;
            }
            List<Vma> vmas = mm.vmasIn(addr, end);
            if (vmas.isEmpty()) {
                return Errno.ENOMEM;
            }
            for (Vma v : vmas) {
                // vma_can_userfault: anonymous and shmem memory; file memory only in async mode
                if (v.file() != null && !ctx.wpAsync()) {
                    return Errno.EINVAL;
                }
            }
            return setFlag(mm, addr, end, true);
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /**
     * {@code userfaultfd_unregister}: every write-protected entry of the range is un-protected
     * ({@code userfaultfd_clear_vma} → {@code uffd_wp_range}: PROTECTION_VMA), then the VMAs lose
     * {@code VM_UFFD_WP}. Parked write faults are not woken (the kernel wakes only missing-mode
     * faults here).
     *
     * @return OK; EINVAL without a userfaultfd; ENOMEM when no VMA meets the range
     */
    static Errno unregister(AddressSpace mm, long addr, long length) {
        long end = UserRange.end("addr", addr, "length", length);
        mm.lockForWrite();
        try {
            if (mm.userfaultfd() == null) {
                return Errno.EINVAL;
            }
            List<Vma> vmas = mm.vmasIn(addr, end);
            if (vmas.isEmpty()) {
                return Errno.ENOMEM;
            }
            for (Vma v : vmas) {
                if (v.isUffdWp()) {
                    ChangeProtection.change(
                            mm,
                            v,
                            Math.max(v.start, addr),
                            Math.min(v.end, end),
                            ChangeProtection.Mode.UFFD_WP_RESOLVE);
                }
            }
            return setFlag(mm, addr, end, false);
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /** {@code vma_modify_flags_uffd} over every VMA of the range whose flag changes, then merge. */
    private static Errno setFlag(AddressSpace mm, long start, long end, boolean on) {
        for (Vma v : mm.vmasIn(start, end)) {
            if (v.isUffdWp() == on) {
                continue;
            }
            if (v.start < start || v.end > end) {
                Errno r = Mmap.splitAt(mm, Math.max(v.start, start), Math.min(v.end, end));
                if (!r.isOk()) {
                    return r;
                }
                v = mm.vmaAt(Math.max(v.start, start));
            }
            v.flags = on ? v.flags | Vma.UFFD_WP : v.flags & ~Vma.UFFD_WP;
        }
        Mmap.mergeRange(mm, start, end);
        return Errno.OK;
    }

    /**
     * {@code userfaultfd_writeprotect}: protect ({@link Uffd#WRITEPROTECT_MODE_WP}) or un-protect
     * the range; un-protecting wakes the parked faults in it unless
     * {@link Uffd#WRITEPROTECT_MODE_DONTWAKE}, and they finish before this returns.
     *
     * @return OK; EINVAL without a userfaultfd or for a bad mode; ENOENT when the range has no
     *         VMA or one not registered for write-protect
     */
    static Errno writeProtect(AddressSpace mm, long addr, long length, int mode) {
        UserRange.end("addr", addr, "length", length);
        boolean wp = (mode & Uffd.WRITEPROTECT_MODE_WP) != 0;
        boolean dontWake = (mode & Uffd.WRITEPROTECT_MODE_DONTWAKE) != 0;
        if ((mode & ~(Uffd.WRITEPROTECT_MODE_WP | Uffd.WRITEPROTECT_MODE_DONTWAKE)) != 0 || (wp && dontWake)) {
            return Errno.EINVAL;
        }
        Userfaultfd ctx;
        mm.lockForRead();
        try {
            ctx = mm.userfaultfd();
            if (ctx == null) {
                return Errno.EINVAL;
            }
        } finally {
            mm.mmapReadUnlock();
        }
        Errno r = UserfaultfdRange.mwriteprotectRange(mm, addr, length, wp);
        if (r.isOk() && !wp && !dontWake) {
            ctx.wake(mm, addr, length);
        }
        return r;
    }

    /**
     * {@code do_wp_page} / {@code do_huge_pmd_wp_page} on an entry with the uffd-wp bit in a
     * {@code VM_UFFD_WP} VMA. Async mode: the bit is dropped (a PMD leaf is split first) and the
     * caller retries the ordinary write fault (null). Otherwise {@code handle_userfault}: EAGAIN
     * when the access may wait (the caller parks it with {@link #park}), EFAULT when it may not.
     */
    static Errno wpFault(AddressSpace mm, Vma vma, long addr, long e, boolean allowRetry) {
        Userfaultfd ctx = mm.userfaultfd();
        if (ctx != null && ctx.wpAsync()) {
            if (PteLayout.isHuge(e)) {
                Errno r = HugeMemory.splitPmd(mm, vma, UserRange.pmdFloor(addr));
                return r.isOk() ? null : r;
            }
            // "we're only removing the uffd-wp bit, which is completely invisible to the user"
            mm.pageTable().compareAndSet(addr, e, PteLayout.clearUffdWp(e));
            return null;
        }
        return allowRetry ? Errno.EAGAIN : Errno.EFAULT;
    }

    /**
     * Parks a user write that faulted on the uffd-wp page {@code page}: {@code length} bytes
     * from {@code addr} are still to be written, taken from {@code data[off...]}, or all equal
     * to {@code fill} when {@code data} is null.
     */
    void park(long page, long addr, long length, byte[] data, int off, byte fill) {
        byte[] rest = data == null ? null : java.util.Arrays.copyOfRange(data, off, off + (int) length);
        synchronized (this) {
            waiters.add(new Waiter(new UffdFault(page, true, true), addr, length, rest, 0, fill));
        }
    }

    /** The messages of the faults waiting for a wake, oldest first. */
    synchronized List<UffdFault> pendingFaults() {
        List<UffdFault> out = new ArrayList<>(waiters.size());
        for (Waiter w : waiters) {
            out.add(w.fault());
        }
        return out;
    }

    /**
     * {@code wake_userfault}: every parked fault whose address lies in {@code [start, start +
     * len)} is woken and its access retried, in arrival order. Called without the mmap lock.
     */
    private void wake(AddressSpace mm, long start, long len) {
        List<Waiter> woken = new ArrayList<>();
        synchronized (this) {
            for (int i = 0; i < waiters.size(); ) {
                Waiter w = waiters.get(i);
                if (w.fault().address() >= start && w.fault().address() - start < len) {
                    woken.add(waiters.remove(i));
                } else {
                    i++;
                }
            }
        }
        for (Waiter w : woken) {
            if (w.data() == null) {
                CpuAccess.fill(mm, w.addr(), w.length(), w.fill());
            } else {
                CpuAccess.write(mm, w.addr(), w.data(), w.off(), (int) w.length());
            }
        }
    }
}

package org.devmirror.mm;

import java.util.Arrays;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * Models {@code rmap_walk} with {@code try_lock} (mm/rmap.c): finds every page-table entry that
 * maps one 4 KiB frame of system RAM, in every address space. An anonymous page is looked up
 * through its fork family ({@link AnonVma}) at its linear index, a page-cache page through the
 * address spaces mapping its {@link MemoryObject}, a KSM page through its {@link KsmStable} list.
 *
 * <p>A walk is usable only if it found every mapping: the number of present entries found must
 * equal the frame's map count. Otherwise (a device-exclusive or migration entry, a mapping in an
 * address space that could not be locked) the caller leaves the frame alone, as reclaim does
 * when {@code try_to_unmap} fails.
 *
 * <h2>Locking</h2>
 * The walk takes each address space's mmap lock for read with {@code tryLock} (the caller's own
 * address space, held for write, succeeds by reentrancy) and keeps them until {@link #release}:
 * their VMAs cannot change meanwhile. Entries may still change under concurrent faults, so users
 * re-check each entry under that address space's page-table lock before changing it. One
 * instance serves one operation on one thread and is reused frame after frame.
 */
final class Rmap {
    // mapping i: mms[i] maps the frame at addrs[i] with entry ptes[i]; valid below count
    AddressSpace[] mms = new AddressSpace[4];
    long[] addrs = new long[4];
    long[] ptes = new long[4];
    int count;
    // address spaces whose read lock this walk holds; valid below lockedCount
    private AddressSpace[] locked = new AddressSpace[4];
    private int lockedCount;

    /**
     * Collects the mappings of {@code pfn} (a 4 KiB frame, not part of a huge folio). Locks stay
     * held, whatever the result, until {@link #release()}.
     *
     * @return true if every mapping was found
     */
    boolean collect(Host host, long pfn) {
        count = 0;
        Object mapping = host.rmap().mappingOf(pfn);
        long idx = host.rmap().indexOf(pfn);
        MapperSet mappers = mapping instanceof AnonVma anon
                ? anon.members
                : mapping instanceof MemoryObject obj ? obj.mappers : null;
        if (mappers != null) {
            for (AddressSpace mm : mappers.snapshot()) {
                if (!lock(mm)) {
                    return false;
                }
                for (Vma v : mm.allVmas()) {
                    if (v.anonVma == mapping || v.object == mapping) { // a VMA of this family or file
                        check(mm, v.addressOf(idx), pfn);
                    }
                }
            }
        } else if (mapping instanceof KsmStable node) {
            Object snap = node.snapshot();
            AddressSpace[] ms = KsmStable.mmsOf(snap);
            long[] as = KsmStable.addrsOf(snap);
            for (int i = 0; i < ms.length; i++) {
                if (!lock(ms[i])) {
                    return false;
                }
                if (!contains(ms[i], as[i])) {
                    check(ms[i], as[i], pfn);
                }
            }
        } else {
            return false;
        }
        return count == host.memory().mapcount(pfn);
    }

    private boolean contains(AddressSpace mm, long addr) {
        for (int i = 0; i < count; i++) {
            if (mms[i] == mm && addrs[i] == addr) {
                return true;
            }
        }
        return false;
    }

    private void check(AddressSpace mm, long addr, long pfn) {
        if (addr < 0 || mm.vmaAt(addr) == null) {
            return;
        }
        long e = mm.pageTable().get(addr);
        if (PteLayout.isPresent(e) && !PteLayout.isHuge(e) && !PteLayout.isSpecial(e) && PteLayout.pfn(e) == pfn) {
            if (count == mms.length) {
                mms = Arrays.copyOf(mms, count * 2);
                addrs = Arrays.copyOf(addrs, count * 2);
                ptes = Arrays.copyOf(ptes, count * 2);
            }
            mms[count] = mm;
            addrs[count] = addr;
            ptes[count] = e;
            count++;
        }
    }

    private boolean lock(AddressSpace mm) {
        for (int i = 0; i < lockedCount; i++) {
            if (locked[i] == mm) {
                return true;
            }
        }
        if (!mm.tryMmapReadLock()) {
            return false;
        }
        if (mm.isExited()) {
            mm.mmapReadUnlock();
            return false;
        }
        if (lockedCount == locked.length) {
            locked = Arrays.copyOf(locked, lockedCount * 2);
        }
        locked[lockedCount++] = mm;
        return true;
    }

    /** Drops every lock the last walk took. */
    void release() {
        for (int i = 0; i < lockedCount; i++) {
            locked[i].mmapReadUnlock();
            locked[i] = null;
        }
        lockedCount = 0;
        for (int i = 0; i < count; i++) {
            mms[i] = null;
        }
        count = 0;
    }
}

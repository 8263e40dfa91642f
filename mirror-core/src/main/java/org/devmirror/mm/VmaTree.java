package org.devmirror.mm;

import java.util.Arrays;

/**
 * Models the VMA tree of an address space ({@code mm->mm_mt}, the maple tree of
 * lib/maple_tree.c) as a sorted array of non-overlapping VMAs: lookups are a binary search over
 * primitive starts and allocate nothing (a {@code TreeMap<Long, Vma>} would box the key on every
 * lookup of range fault's walk); insertions and removals shift the array, which is cheap for
 * the few dozen VMAs a process has.
 *
 * <h2>Locking</h2>
 * Guarded by the owning address space's mmap lock: written under the write lock, read under
 * either mode.
 */
final class VmaTree {
    // vmas[0 .. size) sorted by start, non-overlapping
    private Vma[] vmas = new Vma[16];
    private int size;

    int size() {
        return size;
    }

    Vma get(int i) {
        return vmas[i];
    }

    /** Index of the last VMA starting at or below addr, or -1. */
    int floorIndex(long addr) {
        int lo = 0;
        int hi = size - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (vmas[mid].start <= addr) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The VMA containing addr, or null. */
    Vma find(long addr) {
        int i = floorIndex(addr);
        if (i < 0) {
            return null;
        }
        Vma v = vmas[i];
        return addr < v.end ? v : null;
    }

    /** The first VMA starting above addr, or null. */
    Vma higher(long addr) {
        int i = floorIndex(addr) + 1;
        return i < size ? vmas[i] : null;
    }

    /** The VMA after v (by start), or null. */
    Vma next(Vma v) {
        return higher(v.start);
    }

    /** The VMA before v (by start), or null. */
    Vma prev(Vma v) {
        int i = floorIndex(v.start - 1);
        return i >= 0 ? vmas[i] : null;
    }

    void insert(Vma v) {
        int i = floorIndex(v.start) + 1;
        if (size == vmas.length) {
            vmas = Arrays.copyOf(vmas, size * 2);
        }
        System.arraycopy(vmas, i, vmas, i + 1, size - i);
        vmas[i] = v;
        size++;
    }

    void remove(Vma v) {
        for (int i = 0; i < size; i++) {
            if (vmas[i] == v) {
                System.arraycopy(vmas, i + 1, vmas, i, size - i - 1);
                vmas[--size] = null;
                return;
            }
        }
    }
}

package org.devmirror.mm;

import java.util.Arrays;

/**
 * Models the address-space side of the reverse map's two indexes: the members of an
 * {@code anon_vma} (its chain of VMAs across a fork family, mm/rmap.c) and a file's
 * {@code i_mmap} (include/linux/fs.h). devmirror keeps the address spaces rather than the VMAs;
 * a reverse-map walk then scans each member's VMAs for the ones that name the family or file.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Members are published as an immutable array: readers take one volatile read and never lock,
 * so a reverse-map walk may run while fork or exit changes the set. Adding and removing members
 * is serialised on this object; adding a member twice keeps one.
 */
final class MapperSet {
    private static final AddressSpace[] NONE = new AddressSpace[0];

    // every member once; replaced, never mutated (copy on write)
    private volatile AddressSpace[] members = NONE;

    /** The members now; the array is never changed afterwards. */
    AddressSpace[] snapshot() {
        return members; // volatile read: pairs with the volatile write in add/remove
    }

    synchronized void add(AddressSpace mm) {
        AddressSpace[] m = members;
        for (AddressSpace a : m) {
            if (a == mm) {
                return;
            }
        }
        AddressSpace[] n = Arrays.copyOf(m, m.length + 1);
        n[m.length] = mm;
        members = n;
    }

    synchronized void remove(AddressSpace mm) {
        AddressSpace[] m = members;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == mm) {
                AddressSpace[] n = new AddressSpace[m.length - 1];
                System.arraycopy(m, 0, n, 0, i);
                System.arraycopy(m, i + 1, n, i, m.length - i - 1);
                members = n;
                return;
            }
        }
    }
}

package org.devmirror.mm;

import java.util.Arrays;

/**
 * Models {@code struct anon_vma} (mm/rmap.c) as devmirror simplifies it: the fork family of
 * anonymous pages. A VMA gets one when its first anonymous page appears; fork makes the child's
 * copy of the VMA join the parent's family. An anonymous page remembers its family and its
 * linear page index, so the reverse map finds every mapping of it at
 * {@code vma.start + (index - vma.pgoff) * PAGE_SIZE} in the VMAs of the family's members.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Members are published as an immutable array: readers take one volatile read and never lock.
 * Adding and removing members is serialised on this object.
 */
final class AnonVma {
    private static final AddressSpace[] NONE = new AddressSpace[0];

    // every address space with a VMA of this family; replaced, never mutated (copy on write)
    private volatile AddressSpace[] members = NONE;

    /** The address spaces that may map pages of this family. */
    AddressSpace[] members() {
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

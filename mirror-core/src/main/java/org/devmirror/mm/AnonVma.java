package org.devmirror.mm;

/**
 * Models {@code struct anon_vma} (mm/rmap.c) as devmirror simplifies it: the fork family of
 * anonymous pages. A VMA gets one when its first anonymous page appears; fork makes the child's
 * copy of the VMA join the parent's family. An anonymous page remembers its family and its
 * linear page index, so the reverse map finds every mapping of it at
 * {@code vma.start + (index - vma.pgoff) * PAGE_SIZE} in the VMAs of the family's members.
 *
 * <h2>Assumptions and Guarantees</h2>
 * See {@link MapperSet}: readers of the members never lock.
 */
final class AnonVma {
    // every address space with a VMA of this family
    final MapperSet members = new MapperSet();
}

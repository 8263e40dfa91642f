package org.devmirror.mm;

import java.util.Arrays;

/**
 * Models a KSM {@code struct ksm_stable_node} (mm/ksm.c): the page every merged duplicate now
 * maps read-only, with the list of its mappings ({@code rmap_item}s: address space and address)
 * that the reverse map walks instead of an anon_vma.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The list only grows (merge and fork add to it, under this object's monitor) and is published
 * as an immutable pair of arrays; an entry whose PTE no longer names the page is stale and
 * skipped by walkers, which always re-check the PTE.
 */
final class KsmStable {
    private volatile Entries entries = new Entries(new AddressSpace[0], new long[0]);

    @SuppressWarnings(
            "ArrayRecordComponent") // its arrays are read by index and the record is never compared or hashed, so array
    // identity in equals() does not matter
    private record Entries(AddressSpace[] mms, long[] addrs) {}

    synchronized void add(AddressSpace mm, long addr) {
        Entries e = entries;
        int n = e.mms.length;
        for (int i = 0; i < n; i++) {
            if (e.mms[i] == mm && e.addrs[i] == addr) {
                return;
            }
        }
        AddressSpace[] m = Arrays.copyOf(e.mms, n + 1);
        long[] a = Arrays.copyOf(e.addrs, n + 1);
        m[n] = mm;
        a[n] = addr;
        entries = new Entries(m, a);
    }

    /** One consistent snapshot of the list; read it with {@link #mmsOf} and {@link #addrsOf}. */
    Object snapshot() {
        return entries;
    }

    static AddressSpace[] mmsOf(Object snapshot) {
        return ((Entries) snapshot).mms;
    }

    static long[] addrsOf(Object snapshot) {
        return ((Entries) snapshot).addrs;
    }
}

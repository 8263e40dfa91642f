package org.devmirror.reliability.jcstress;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * One CPU page-table entry, accessed the way {@code CpuPageTable} accesses its off-heap words:
 * {@code getAcquire} for walkers (hmm_range_fault's {@code ptep_get}) and {@code setRelease} for
 * the host changing it between invalidate-start and -end. A real {@code CpuPageTable} owns a
 * shared arena that must be closed; jcstress creates millions of states and never closes them,
 * so the tests keep this one word on the heap with the same access modes.
 */
final class CpuPte {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(CpuPte.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A {@link PteLayout} entry; 0 = not mapped. Written only between invalidate-start and -end. */
    @SuppressWarnings("unused") // accessed through VALUE
    private long value;

    CpuPte(long initial) {
        VALUE.setRelease(this, initial);
    }

    /** The entry as a walker reads it; pairs with the setRelease in {@link #set}. */
    long get() {
        return (long) VALUE.getAcquire(this);
    }

    /** The host changes the entry; pairs with the getAcquire in {@link #get}. */
    void set(long pte) {
        VALUE.setRelease(this, pte);
    }

    /** The PFN the entry maps, or -1 when it is not present. */
    long pfn() {
        long pte = get();
        return PteLayout.isPresent(pte) ? PteLayout.pfn(pte) : -1;
    }
}

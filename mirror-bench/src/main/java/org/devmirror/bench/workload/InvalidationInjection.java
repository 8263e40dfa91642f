package org.devmirror.bench.workload;

import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.device.Dmirror;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;

/**
 * The invalidation path's share of the test-only work injection ({@link InjectedWork},
 * {@code -Ddevmirror.inject=...}): real device PTE writes around a measured invalidation of an
 * {@link InvalidationFixture}'s region, which the gate's {@code ptesWritten} counter must see.
 * With no injection active ({@link InjectedWork#ACTIVE} is a {@code static final} the JIT folds)
 * both hooks compile to nothing.
 *
 * <h2>Assumptions and Guarantees</h2>
 * One thread uses an instance, the fixture's. The injected writes take the driver lock, as a
 * driver's own would.
 */
public final class InvalidationInjection {
    private final InvalidationFixture fixture;
    /** PTE writes the injected work made since {@link #reset}. */
    private long writes;

    public InvalidationInjection(InvalidationFixture fixture) {
        this.fixture = fixture;
    }

    /** Before the invalidation of region {@code k}: {@code slow-zap} writes every device PTE twice more. */
    public void beforeInvalidation(int k) {
        if (InjectedWork.ACTIVE == InjectedWork.SLOW_ZAP) {
            slowZap(k);
        }
    }

    /**
     * After the invalidation of region {@code k}: {@code extra-pte-write} rewrites one PTE, and
     * {@code alloc} allocates ({@link InjectedWork#perOperation}).
     */
    public void afterInvalidation(int k) {
        if (InjectedWork.ACTIVE == InjectedWork.EXTRA_PTE_WRITE) {
            extraPteWrite(k);
        }
        InjectedWork.perOperation();
    }

    /** PTE writes the injected work made since {@link #reset}. */
    public long writes() {
        return writes;
    }

    public void reset() {
        writes = 0;
    }

    /** Rewrites the region's first device PTE with the value it holds. */
    private void extraPteWrite(int k) {
        Dmirror m = fixture.mirror(k);
        if (m == null) {
            return;
        }
        ReentrantLock lock = m.lock();
        lock.lock();
        try {
            DevicePageTable pt = m.pageTable();
            long a = fixture.region(k);
            long e = pt.get(a);
            pt.set(a, DevicePteLayout.isHuge(e) ? 0 : e);
            writes++;
        } finally {
            lock.unlock();
        }
    }

    /** Every device PTE of the region written twice more (write-protect, then back). */
    private void slowZap(int k) {
        Dmirror m = fixture.mirror(k);
        if (m == null || !fixture.writable()) {
            return;
        }
        ReentrantLock lock = m.lock();
        lock.lock();
        try {
            DevicePageTable pt = m.pageTable();
            long a = fixture.region(k);
            writes += pt.protect(a, a + fixture.size(), false);
            writes += pt.protect(a, a + fixture.size(), true);
        } finally {
            lock.unlock();
        }
    }
}

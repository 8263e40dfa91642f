package org.devmirror.device;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SHIFT;

import java.util.concurrent.TimeUnit;
import org.devmirror.device.driver.MirrorState;
import org.devmirror.device.driver.RangeFaultLoop;
import org.devmirror.hmm.HmmPfn;
import org.devmirror.hmm.HmmRange;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.DevicePagemap;
import org.devmirror.mm.Errno;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.IntervalNotifierOps;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * Models {@code dmirror_snapshot()} and {@code dmirror_range_snapshot()} (lib/test_hmm.c): one
 * {@link SnapshotProt} byte per page from a range fault that faults nothing
 * ({@code default_flags = 0}), 32 pages at a time, each under a temporary interval notifier whose
 * only job is {@code set_seq}: any invalidation in the interval invalidates the whole snapshot
 * chunk, which is then taken again.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The caller holds no lock. The device page table is not touched.
 */
final class DeviceSnapshot {
    /** Pages per snapshot chunk (test_hmm's 32-page {@code pfns[]}). */
    static final int CHUNK_PAGES = 32;

    private DeviceSnapshot() {}

    /** {@code HMM_DMIRROR_SNAPSHOT}. */
    static DeviceCommand snapshot(Dmirror mirror, long addr, int npages, byte[] out) {
        MirrorState driver = mirror.driver();
        if (driver.isReleased()) {
            return new DeviceCommand(Errno.EINVAL, 0, 0);
        }
        AddressSpace mm = mirror.mm();
        long zeroPfn = mirror.device().systemMemory().zeroPfn();
        IntervalNotifierOps ops = (IntervalNotifier sub, MmuNotifierRange range, long curSeq) -> {
            // dmirror_snapshot_invalidate: only the sequence matters.
            if (range.isBlockable()) {
                driver.lock().lock();
            } else if (!driver.lock().tryLock()) {
                return false;
            }
            try {
                sub.setSeq(curSeq);
            } finally {
                driver.lock().unlock();
            }
            return true;
        };
        IntervalNotifier notifier = new IntervalNotifier(ops, driver.lock());
        HmmRange range = new HmmRange();
        long[] pfns = new long[CHUNK_PAGES];
        long timeout = TimeUnit.MILLISECONDS.toNanos(driver.options().faultTimeoutMillis());
        long end = addr + ((long) npages << PAGE_SHIFT);
        long cpages = 0;
        for (long start = addr; start < end; ) {
            long next = Math.min(end, start + ((long) CHUNK_PAGES << PAGE_SHIFT));
            mm.notifiers().insert(notifier, start, next - start);
            try {
                Errno r = snapshotChunk(mirror, notifier, range, pfns, start, next, timeout);
                if (r != Errno.OK) {
                    return new DeviceCommand(r, cpages, 0);
                }
                int n = (int) ((next - start) >>> PAGE_SHIFT);
                for (int i = 0; i < n; i++) {
                    long pfn = HmmPfn.pfn(pfns[i]);
                    DevicePagemap coherent = mirror.device().host().coherentPagemapOf(pfn);
                    boolean local = coherent != null
                            ? coherent == mirror.device()
                            : mirror.device().ownsPfn(pfn);
                    out[(int) cpages + i] = SnapshotProt.of(pfns[i], zeroPfn, local, coherent != null);
                }
                cpages += n;
            } finally {
                notifier.remove();
            }
            start = next;
        }
        return new DeviceCommand(Errno.OK, cpages, 0);
    }

    private static Errno snapshotChunk(
            Dmirror mirror,
            IntervalNotifier notifier,
            HmmRange range,
            long[] pfns,
            long start,
            long end,
            long timeout) {
        // dmirror_range_snapshot: the same loop as the device fault, with a notifier of its own, a
        // range that faults nothing, and nothing to do under the lock (the caller turns pfns into bytes).
        RangeFaultLoop.Round round = new RangeFaultLoop.Round() {
            @Override
            public IntervalNotifier notifier() {
                return notifier;
            }

            @Override
            public void fill(HmmRange r, IntervalNotifier n, long seq) {
                r.notifier(n)
                        .notifierSeq(seq)
                        .start(start)
                        .end(end)
                        .defaultFlags(0)
                        .pfnFlagsMask(0)
                        .devPrivateOwner(mirror.device())
                        .pfns(pfns, 0);
            }

            @Override
            public boolean stillValid() {
                return true;
            }

            @Override
            public Errno commit(long retries) {
                return Errno.OK;
            }

            @Override
            public Errno failed(Errno r, long retries) {
                return r;
            }
        };
        return RangeFaultLoop.run(mirror.mm(), mirror.driver().lock(), range, timeout, round);
    }
}

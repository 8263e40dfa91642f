package org.devmirror.device.driver;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;

import java.util.Arrays;
import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * The ranges a queue eviction left stale while the device's queues are stopped (amdkfd's
 * {@code prange->invalid} and {@code svms->evicted_ranges}), and the scratch of the restore that
 * re-validates them. A mirror holds one; {@link MirrorState} drives it.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>At most {@link #MAX_INTERVALS} disjoint intervals are kept; one more collapses them all
 *       into their bounding interval. That only widens what the restore re-validates (it re-faults
 *       only pages the device held), so nothing stale is ever forgotten, and {@link #add}
 *       allocates nothing.</li>
 *   <li>{@link #stopped()} is true exactly while at least one interval is kept.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * Guarded by the owning mirror's driver lock, except {@link #stopped()}, a volatile read that
 * callers use as a hint before taking the lock; the run scratch is guarded by the mirror's fault
 * lock as well (the restore holds both while it fills it and the fault lock while it reads it).
 */
final class QueueEviction {
    /** Evicted intervals kept before they collapse into one. */
    static final int MAX_INTERVALS = 16;

    private final long[] starts = new long[MAX_INTERVALS];
    private final long[] ends = new long[MAX_INTERVALS];
    private int count;
    private volatile boolean stopped;
    // Runs of pages the device held in the evicted intervals: [runStarts[i], runEnds[i]), writable or not.
    private long[] runStarts = new long[8];
    private long[] runEnds = new long[8];
    private boolean[] runWrites = new boolean[8];

    /**
     * Adds {@code [start, end)}; returns true if it stops the queues (the first eviction of a
     * burst, {@code evicted_ranges == 1}).
     */
    boolean add(long start, long end) {
        boolean first = count == 0;
        // Merge with every kept interval it overlaps or touches.
        for (int i = 0; i < count; ) {
            if (starts[i] <= end && start <= ends[i]) {
                start = Math.min(start, starts[i]);
                end = Math.max(end, ends[i]);
                count--;
                starts[i] = starts[count];
                ends[i] = ends[count];
            } else {
                i++;
            }
        }
        if (count == MAX_INTERVALS) {
            for (int i = 0; i < count; i++) {
                start = Math.min(start, starts[i]);
                end = Math.max(end, ends[i]);
            }
            count = 0;
        }
        starts[count] = start;
        ends[count] = end;
        count++;
        stopped = true;
        return first;
    }

    boolean stopped() {
        return stopped;
    }

    boolean contains(long va) {
        for (int i = 0; i < count; i++) {
            if (va >= starts[i] && va < ends[i]) {
                return true;
            }
        }
        return false;
    }

    int intervals() {
        return count;
    }

    long start(int i) {
        return starts[i];
    }

    long end(int i) {
        return ends[i];
    }

    /** Forgets every interval: the queues run again. */
    void clear() {
        count = 0;
        stopped = false;
    }

    /**
     * Records the runs of consecutive pages {@code pt} maps in the evicted intervals, split where
     * the access to ask for changes: write where the device held write and the VMA still allows
     * it ({@code svm_range_validate_and_map} asks for write by the VMA's flags), read otherwise;
     * returns how many. Read them with {@link #runStart} and friends. An ATOMIC entry over this
     * same frame's writable device-exclusive CPU entry in a writable VMA is left out: it is
     * current (the device acquires it re-checking the CPU entry under the lock), and re-faulting
     * it would take the exclusive access back, so the device would acquire it again, forever.
     * Caller holds the mmap read lock and the driver lock.
     */
    int takeRuns(DevicePageTable pt, AddressSpace mm) {
        int runs = 0;
        for (int i = 0; i < count; i++) {
            long end = ends[i];
            long runStart = -1;
            long runEnd = -1;
            boolean runWrite = false;
            for (long va = pt.nextPopulated(starts[i], end); va < end; ) {
                long e = pt.get(va);
                Vma vma = mm.findVma(va);
                boolean vmaWrite = vma != null && (vma.prot() & Prot.WRITE) != 0;
                if (DevicePteLayout.isAtomic(e)) {
                    long c = mm.pageTable().get(va);
                    if (vmaWrite
                            && PteLayout.isDeviceExclusive(c)
                            && PteLayout.isWrite(c)
                            && PteLayout.pfn(c) == DevicePteLayout.pfn(e)) {
                        va = va + PAGE_SIZE < end ? pt.nextPopulated(va + PAGE_SIZE, end) : end;
                        continue; // current: kept, and it ends the run it would have joined
                    }
                }
                boolean write = vmaWrite && (DevicePteLayout.isWrite(e) || DevicePteLayout.isAtomic(e));
                if (va != runEnd || write != runWrite) {
                    if (runStart >= 0) {
                        runs = addRun(runs, runStart, runEnd, runWrite);
                    }
                    runStart = va;
                    runWrite = write;
                }
                runEnd = va + PAGE_SIZE;
                va = runEnd < end ? pt.nextPopulated(runEnd, end) : end;
            }
            if (runStart >= 0) {
                runs = addRun(runs, runStart, runEnd, runWrite);
            }
        }
        return runs;
    }

    private int addRun(int runs, long start, long end, boolean write) {
        if (runs == runStarts.length) {
            runStarts = Arrays.copyOf(runStarts, runs * 2);
            runEnds = Arrays.copyOf(runEnds, runs * 2);
            runWrites = Arrays.copyOf(runWrites, runs * 2);
        }
        runStarts[runs] = start;
        runEnds[runs] = end;
        runWrites[runs] = write;
        return runs + 1;
    }

    long runStart(int i) {
        return runStarts[i];
    }

    long runEnd(int i) {
        return runEnds[i];
    }

    boolean runWrite(int i) {
        return runWrites[i];
    }
}

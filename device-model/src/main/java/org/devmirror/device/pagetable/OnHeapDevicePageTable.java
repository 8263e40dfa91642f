package org.devmirror.device.pagetable;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Models the device page table the way a Java developer writes it first: a
 * {@code TreeMap<Long, Long>} from page address to {@link DevicePteLayout} entry, a HUGE leaf
 * stored once under its 2 MiB-aligned address. It is the benchmark reference for
 * {@link OffHeapDevicePageTable} and its differential-test oracle, so it stays plain: boxing,
 * sub-map views and iterators are its nature, and it does allocate on every operation.
 *
 * <h2>Assumptions and Guarantees</h2>
 * As {@link DevicePageTable}, except that nothing here is allocation-free. It keeps no table pages
 * ({@link #tablePages()} is 0); {@link #memoryBytes()} estimates the heap its mappings hold.
 *
 * <h2>Locking</h2>
 * None inside; the driver lock orders every write, and reads happen under it or at quiescent
 * points.
 */
public final class OnHeapDevicePageTable implements DevicePageTable {
    /**
     * Heap bytes per mapping with compressed oops: a TreeMap.Entry (40) and two boxed Longs (16
     * each), as JOL reports on a 64-bit HotSpot.
     */
    static final long BYTES_PER_MAPPING = 40 + 16 + 16;

    /** Page address to entry; no key lies inside a HUGE leaf's 2 MiB. Guarded by driverLock. */
    private final TreeMap<Long, Long> map = new TreeMap<>();

    private final ReentrantLock driverLock;
    /** Valid entries in 4 KiB equivalents. Guarded by driverLock. */
    private long populated;

    private boolean closed;

    /** A table whose writers are trusted to hold the driver lock. */
    public OnHeapDevicePageTable() {
        this(null);
    }

    /** A table that checks its writers hold {@code driverLock}. */
    public OnHeapDevicePageTable(ReentrantLock driverLock) {
        this.driverLock = driverLock;
    }

    @Override
    public long get(long va) {
        DevicePageTableArgs.checkGet(closed, va);
        return covering(va & -PAGE_SIZE);
    }

    @Override
    public void set(long va, long entry) {
        DevicePageTableArgs.checkSet(driverLock, closed, va, entry);
        if (entry == 0) {
            zapChecked(va, va + PAGE_SIZE);
            return;
        }
        splitHugeCovering(va);
        if (map.put(va, entry) == null) {
            populated++;
        }
    }

    @Override
    public void setBlock(long va, long[] entries, int offset, int count) {
        DevicePageTableArgs.checkSetBlock(driverLock, closed, va, entries, offset, count);
        for (int i = 0; i < count; i++) {
            set(va + i * PAGE_SIZE, entries[offset + i]);
        }
    }

    @Override
    public void getBlock(long va, long[] dst, int offset, int count) {
        DevicePageTableArgs.checkGetBlock(closed, va, dst, offset, count);
        for (int i = 0; i < count; i++) {
            dst[offset + i] = get(va + i * PAGE_SIZE);
        }
    }

    @Override
    public void setHuge(long va2M, long entry) {
        DevicePageTableArgs.checkSetHuge(driverLock, closed, va2M, entry);
        zapChecked(va2M, va2M + HUGE_SIZE);
        if (entry != 0) {
            map.put(va2M, entry);
            populated += HUGE_PAGES;
        }
    }

    @Override
    public long zap(long start, long end) {
        DevicePageTableArgs.checkWriteRange(driverLock, closed, start, end);
        return zapChecked(start, end);
    }

    @Override
    public long protect(long start, long end, boolean write) {
        DevicePageTableArgs.checkWriteRange(driverLock, closed, start, end);
        splitStraddlingIfChanged(start, write);
        splitStraddlingIfChanged(end, write);
        long changed = 0;
        for (Map.Entry<Long, Long> e : map.subMap(start, true, end, false).entrySet()) {
            long entry = e.getValue();
            long updated = DevicePteLayout.withWrite(entry, write);
            if (updated != entry) {
                e.setValue(updated);
                changed += DevicePteLayout.isHuge(entry) ? HUGE_PAGES : 1;
            }
        }
        return changed;
    }

    @Override
    public long nextPopulated(long va, long end) {
        DevicePageTableArgs.checkNextPopulated(closed, va, end);
        if (va == end) {
            return end;
        }
        if (covering(va) != 0) {
            return va;
        }
        Long next = map.ceilingKey(va);
        return next != null && next < end ? next : end;
    }

    @Override
    public long populated() {
        DevicePageTableArgs.checkOpen(closed);
        return populated;
    }

    @Override
    public long tablePages() {
        DevicePageTableArgs.checkOpen(closed);
        return 0;
    }

    @Override
    public long memoryBytes() {
        DevicePageTableArgs.checkOpen(closed);
        return map.size() * BYTES_PER_MAPPING;
    }

    @Override
    public void clear() {
        DevicePageTableArgs.checkWrite(driverLock, closed);
        map.clear();
        populated = 0;
    }

    @Override
    public void close() {
        closed = true;
        map.clear();
    }

    /** The entry translating page {@code page}: its own, or a HUGE leaf starting at most 2 MiB below. */
    private long covering(long page) {
        Map.Entry<Long, Long> floor = map.floorEntry(page);
        if (floor == null) {
            return 0;
        }
        long key = floor.getKey();
        long entry = floor.getValue();
        if (key == page || (DevicePteLayout.isHuge(entry) && page < key + HUGE_SIZE)) {
            return entry;
        }
        return 0;
    }

    private long zapChecked(long start, long end) {
        splitStraddling(start);
        splitStraddling(end);
        NavigableMap<Long, Long> range = map.subMap(start, true, end, false);
        long cleared = 0;
        for (long entry : range.values()) {
            cleared += DevicePteLayout.isHuge(entry) ? HUGE_PAGES : 1;
        }
        range.clear();
        populated -= cleared;
        return cleared;
    }

    /** Splits the HUGE leaf straddling {@code edge}, so that a range starting or ending there covers part of it. */
    private void splitStraddling(long edge) {
        Map.Entry<Long, Long> leaf = straddling(edge);
        if (leaf != null) {
            split(leaf.getKey(), leaf.getValue());
        }
    }

    /** As {@link #splitStraddling}, but only when the protect would change the leaf. */
    private void splitStraddlingIfChanged(long edge, boolean write) {
        Map.Entry<Long, Long> leaf = straddling(edge);
        if (leaf != null && DevicePteLayout.withWrite(leaf.getValue(), write) != leaf.getValue()) {
            split(leaf.getKey(), leaf.getValue());
        }
    }

    /** The HUGE leaf starting below {@code edge} and ending above it, or null. */
    private Map.Entry<Long, Long> straddling(long edge) {
        Map.Entry<Long, Long> below = map.lowerEntry(edge);
        if (below != null && DevicePteLayout.isHuge(below.getValue()) && edge < below.getKey() + HUGE_SIZE) {
            return below;
        }
        return null;
    }

    /** Splits the HUGE leaf covering page {@code va}, if any. */
    private void splitHugeCovering(long va) {
        Map.Entry<Long, Long> floor = map.floorEntry(va);
        if (floor != null && DevicePteLayout.isHuge(floor.getValue()) && va < floor.getKey() + HUGE_SIZE) {
            split(floor.getKey(), floor.getValue());
        }
    }

    private void split(long key, long leaf) {
        for (int k = 0; k < HUGE_PAGES; k++) {
            map.put(key + k * PAGE_SIZE, DevicePteLayout.hugeSubpage(leaf, k));
        }
    }
}

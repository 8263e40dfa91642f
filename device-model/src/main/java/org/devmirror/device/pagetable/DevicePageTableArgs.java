package org.devmirror.device.pagetable;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.VA_LIMIT;
import static org.devmirror.device.pagetable.DevicePteLayout.hex;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The argument and precondition checks every {@link DevicePageTable} makes, in one place so both
 * implementations reject exactly the same input with exactly the same message, in the same order:
 * writer lock first, then the table being open, then the arguments left to right. Each operation
 * of the interface has its own entry point here, so the order is written once per operation.
 */
final class DevicePageTableArgs {
    private DevicePageTableArgs() {}

    /** {@link DevicePageTable#get}. */
    static void checkGet(boolean closed, long va) {
        checkOpen(closed);
        checkAddress("va", va);
    }

    /** {@link DevicePageTable#set}. */
    static void checkSet(ReentrantLock driverLock, boolean closed, long va, long entry) {
        checkWrite(driverLock, closed);
        checkPage("va", va);
        checkSmallEntry(entry);
    }

    /** {@link DevicePageTable#setHuge}. */
    static void checkSetHuge(ReentrantLock driverLock, boolean closed, long va2M, long entry) {
        checkWrite(driverLock, closed);
        checkHugePage("va2M", va2M);
        checkHugeEntry(entry);
    }

    /**
     * {@link DevicePageTable#setBlock}: the writer, then va, then the block's placement, then every
     * entry (0 or well formed without HUGE) in index order.
     *
     * @return the non-zero entries of the block, counted while checking them
     */
    static int checkSetBlock(ReentrantLock driverLock, boolean closed, long va, long[] entries, int offset, int count) {
        checkWrite(driverLock, closed);
        checkBlock(va, "entries", entries, offset, count);
        // One straight-line pass over the block that accepts plain system pages (a fault commit's,
        // a re-read's); a block with anything else, device-private entries included, gets the
        // whole check, and the first bad entry is named only if there is one.
        long unusual = 0;
        long nonZero = 0;
        for (int i = offset; i < offset + count; i++) {
            long entry = entries[i];
            unusual |= DevicePteLayout.plainSystemEntryDefects(entry);
            nonZero += (entry | -entry) >>> 63;
        }
        long defects = 0;
        if (unusual != 0) {
            for (int i = offset; i < offset + count; i++) {
                defects |= DevicePteLayout.smallEntryDefects(entries[i]);
            }
        }
        if (defects != 0) {
            for (int i = offset; i < offset + count; i++) {
                if (DevicePteLayout.smallEntryDefects(entries[i]) != 0) {
                    String name = "entries[" + i + "]";
                    DevicePteLayout.checkEntry(name, entries[i]);
                    throw new IllegalArgumentException(name + "=" + hex(entries[i]) + " is HUGE; use setHuge");
                }
            }
        }
        return (int) nonZero;
    }

    /** {@link DevicePageTable#getBlock}. */
    static void checkGetBlock(boolean closed, long va, long[] dst, int offset, int count) {
        checkOpen(closed);
        checkBlock(va, "dst", dst, offset, count);
    }

    /** {@link DevicePageTable#zap} and {@link DevicePageTable#protect}. */
    static void checkWriteRange(ReentrantLock driverLock, boolean closed, long start, long end) {
        checkWrite(driverLock, closed);
        checkRange(start, end);
    }

    /** {@link DevicePageTable#nextPopulated}. */
    static void checkNextPopulated(boolean closed, long va, long end) {
        checkOpen(closed);
        checkWalk(va, end);
    }

    /** Any writer ({@link DevicePageTable#clear} and the above): the driver lock, then open. */
    static void checkWrite(ReentrantLock driverLock, boolean closed) {
        checkWriter(driverLock);
        checkOpen(closed);
    }

    /** {@code va} is a user address (any byte). */
    private static void checkAddress(String name, long va) {
        if (va < 0 || va >= VA_LIMIT) {
            throw new IllegalArgumentException(name + "=" + hex(va) + " is beyond VA_LIMIT=" + hex(VA_LIMIT));
        }
    }

    /** {@code va} is a page-aligned user address. */
    private static void checkPage(String name, long va) {
        checkAddress(name, va);
        if ((va & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(name + "=" + hex(va) + " is not page aligned");
        }
    }

    /**
     * {@code count} pages from page {@code va} lie in one 2 MiB block (one PTE table) and
     * {@code array[offset, offset + count)} exists.
     */
    private static void checkBlock(long va, String arrayName, long[] array, int offset, int count) {
        checkPage("va", va);
        if (array == null) {
            throw new IllegalArgumentException(arrayName + "=null");
        }
        if (count < 1 || count > DevicePteLayout.HUGE_PAGES) {
            throw new IllegalArgumentException("count=" + count + " is not in 1.." + DevicePteLayout.HUGE_PAGES);
        }
        if (offset < 0 || offset > array.length - count) {
            throw new IllegalArgumentException(
                    "offset=" + offset + " count=" + count + " do not fit " + arrayName + ".length=" + array.length);
        }
        long blockEnd = (va & -HUGE_SIZE) + HUGE_SIZE;
        if (va + count * PAGE_SIZE > blockEnd) {
            throw new IllegalArgumentException(
                    "count=" + count + " pages from va=" + hex(va) + " cross the 2 MiB boundary at " + hex(blockEnd));
        }
    }

    /** {@code va} is a 2 MiB-aligned user address. */
    private static void checkHugePage(String name, long va) {
        checkAddress(name, va);
        if ((va & (HUGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(name + "=" + hex(va) + " is not 2 MiB aligned");
        }
    }

    /** [start, end) is a non-empty page-aligned user range. */
    private static void checkRange(long start, long end) {
        checkPage("start", start);
        checkEnd(end);
        if (end <= start) {
            throw new IllegalArgumentException("end=" + hex(end) + " is not above start=" + hex(start));
        }
    }

    /** [va, end) is a possibly empty page-aligned user range. */
    private static void checkWalk(long va, long end) {
        checkPage("va", va);
        checkEnd(end);
        if (end < va) {
            throw new IllegalArgumentException("end=" + hex(end) + " is below va=" + hex(va));
        }
    }

    /** A 4 KiB entry for {@link DevicePageTable#set}: 0 or well formed without HUGE. */
    private static void checkSmallEntry(long entry) {
        if (entry == 0) {
            return;
        }
        DevicePteLayout.checkEntry("entry", entry);
        if (DevicePteLayout.isHuge(entry)) {
            throw new IllegalArgumentException("entry=" + hex(entry) + " is HUGE; use setHuge");
        }
    }

    /** A leaf for {@link DevicePageTable#setHuge}: 0 or well formed with HUGE. */
    private static void checkHugeEntry(long entry) {
        if (entry == 0) {
            return;
        }
        DevicePteLayout.checkEntry("entry", entry);
        if (!DevicePteLayout.isHuge(entry)) {
            throw new IllegalArgumentException("entry=" + hex(entry) + " is not HUGE; use set");
        }
    }

    /** The writer holds the driver lock, when the table was given one. */
    private static void checkWriter(ReentrantLock driverLock) {
        if (driverLock != null && !driverLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("the driver lock is not held by thread "
                    + Thread.currentThread().getName());
        }
    }

    /** The table is still open. */
    static void checkOpen(boolean closed) {
        if (closed) {
            throw new IllegalStateException("the device page table is closed");
        }
    }

    private static void checkEnd(long end) {
        if (end < 0 || end > VA_LIMIT) {
            throw new IllegalArgumentException("end=" + hex(end) + " is beyond VA_LIMIT=" + hex(VA_LIMIT));
        }
        if ((end & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("end=" + hex(end) + " is not page aligned");
        }
    }
}

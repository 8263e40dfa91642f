package org.devmirror.mm;

/**
 * Argument checks of the system calls on user ranges ({@code access_ok}, {@code PAGE_ALIGN}
 * and the {@code EINVAL} checks at the top of mm/mmap.c, mm/mprotect.c, mm/madvise.c): a start
 * must be page aligned, a length is rounded up to whole pages, and the range must be non-empty
 * and inside {@code [0, TASK_SIZE)}. Violations are misuse: {@link IllegalArgumentException}
 * naming the argument and its value, before anything changes.
 */
final class UserRange {
    private UserRange() {}

    /** Throws unless {@code value} is page aligned. */
    static void checkAligned(String name, long value) {
        if ((value & (Host.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(name + "=0x" + Long.toHexString(value) + " is not page aligned");
        }
    }

    /** {@code PAGE_ALIGN(length)}; throws for zero, negative or overflowing lengths. */
    static long pageAlign(String name, long length) {
        if (length <= 0) {
            throw new IllegalArgumentException(name + "=" + length + " must be positive");
        }
        if (length > Host.TASK_SIZE) {
            throw new IllegalArgumentException(name + "=0x" + Long.toHexString(length) + " exceeds TASK_SIZE=0x"
                    + Long.toHexString(Host.TASK_SIZE));
        }
        return (length + Host.PAGE_SIZE - 1) & -Host.PAGE_SIZE;
    }

    /**
     * Checks {@code start} (aligned, in the user half) and {@code length} and returns the
     * exclusive end {@code start + PAGE_ALIGN(length)}, at most {@code TASK_SIZE}.
     */
    static long end(String startName, long start, String lengthName, long length) {
        checkAligned(startName, start);
        if (start < 0 || start >= Host.TASK_SIZE) {
            throw new IllegalArgumentException(startName + "=0x" + Long.toHexString(start)
                    + " is outside [0, TASK_SIZE=0x" + Long.toHexString(Host.TASK_SIZE) + ")");
        }
        long len = pageAlign(lengthName, length);
        if (len > Host.TASK_SIZE - start) {
            throw new IllegalArgumentException(startName + "=0x" + Long.toHexString(start) + " + " + lengthName + "=0x"
                    + Long.toHexString(length) + " exceeds TASK_SIZE=0x" + Long.toHexString(Host.TASK_SIZE));
        }
        return start + len;
    }

    /** Checks a single user address: aligned and below TASK_SIZE. */
    static void checkAddress(String name, long addr) {
        checkAligned(name, addr);
        if (addr < 0 || addr >= Host.TASK_SIZE) {
            throw new IllegalArgumentException(name + "=0x" + Long.toHexString(addr) + " is outside [0, TASK_SIZE=0x"
                    + Long.toHexString(Host.TASK_SIZE) + ")");
        }
    }

    /** Checks a byte range {@code [addr, addr + len)} of a CPU access (any alignment). */
    static void checkBytes(long addr, long len) {
        if (len < 0) {
            throw new IllegalArgumentException("len=" + len + " is negative");
        }
        if (addr < 0 || addr >= Host.TASK_SIZE || len > Host.TASK_SIZE - addr) {
            throw new IllegalArgumentException("addr=0x" + Long.toHexString(addr) + " len=" + len
                    + " is outside [0, TASK_SIZE=0x" + Long.toHexString(Host.TASK_SIZE) + ")");
        }
    }

    /** Round down to a PMD boundary. */
    static long pmdFloor(long addr) {
        return addr & -Host.PMD_SIZE;
    }
}

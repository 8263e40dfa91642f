package org.devmirror.mm;

/**
 * The outcome of a host operation or a fault, named after the errno the kernel returns for it.
 *
 * <p>Expected outcomes are values, as in the kernel: munmap of a hole, a write to read-only
 * memory, a refused non-blockable invalidation or a collided range fault return one of these.
 * Misuse (an unaligned address, a zero length, a range past 48 bits) throws
 * {@link IllegalArgumentException} instead and changes nothing.
 */
public enum Errno {
    /** Success (0). */
    OK(0),
    /** -EPERM: the access needs a permission the mapping does not grant. */
    EPERM(1),
    /** -ENOENT: nothing to act on (for example a page that did not migrate). */
    ENOENT(2),
    /**
     * -EAGAIN: a non-blockable invalidation was refused; try again later. A CPU write returns it
     * when it waits on a userfault ({@code VM_FAULT_RETRY} from {@code handle_userfault}).
     */
    EAGAIN(11),
    /** -ENOMEM: out of frames, device pages or address space, or a range with no mapping. */
    ENOMEM(12),
    /** -EFAULT: no mapping, or no read permission, where an access was requested. */
    EFAULT(14),
    /** -EBUSY: the range was invalidated while it was being read; restart from read_begin. */
    EBUSY(16),
    /** -EEXIST: the destination is already populated ({@code UFFDIO_MOVE}). */
    EEXIST(17),
    /** -EINVAL: the request does not apply to this mapping. */
    EINVAL(22);

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    /** The positive errno value (0 for {@link #OK}). */
    public int code() {
        return code;
    }

    /** {@code true} for {@link #OK}. */
    public boolean isOk() {
        return this == OK;
    }

    /**
     * Decodes a kernel-style return value: a non-negative value is success, a negative one is
     * {@code -errno}. Used for {@code mmap}/{@code mremap}, which return an address or an error.
     */
    public static Errno fromReturn(long value) {
        if (value >= 0) {
            return OK;
        }
        for (Errno e : values()) {
            if (e.code == -value) {
                return e;
            }
        }
        throw new IllegalArgumentException("value=" + value + " is not a known -errno");
    }

    /** The errno with the given name ("OK", "EFAULT", ...); {@code IllegalArgumentException} otherwise. */
    public static Errno ofName(String name) {
        for (Errno e : values()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("errno=" + name + " is not one of OK, EPERM, ENOENT, EAGAIN, ENOMEM, EFAULT, EBUSY, EEXIST, EINVAL");
    }
}

package org.devmirror.notifier;

/**
 * Models {@code struct mmu_notifier_range} (include/linux/mmu_notifier.h): the range
 * {@code [start, end)} being invalidated, why ({@link MmuNotifierEvent}), whether subscribers
 * may sleep ({@link #FLAG_BLOCKABLE}) and, for MIGRATE and EXCLUSIVE, who asked for it.
 *
 * <p>Instances are mutable and reused by the host for every invalidation it raises, so that
 * raising one allocates nothing. A subscriber must not keep a reference past its callback.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Filled by one host thread with {@link #init}, then read by subscribers on that thread during
 * {@code invalidateRangeStart}/{@code End}. Not thread-safe; never shared between two in-flight
 * invalidations.
 */
public final class MmuNotifierRange {
    /** {@code MMU_NOTIFIER_RANGE_BLOCKABLE}: subscribers may sleep (take locks). */
    public static final int FLAG_BLOCKABLE = 1;

    private Object mm;
    private long start;
    private long end;
    private MmuNotifierEvent event;
    private int flags;
    private Object owner;

    /**
     * An empty range, to be filled by {@link #init} before each use: holders allocate one and
     * reuse it, as the kernel declares its {@code struct mmu_notifier_range} on the stack.
     */
    public MmuNotifierRange() {}

    /**
     * Models {@code mmu_notifier_range_init_owner()}. Returns {@code this}.
     *
     * @param mm    the address space (an {@code org.devmirror.mm.AddressSpace})
     * @param event why the range is invalidated
     * @param flags {@link #FLAG_BLOCKABLE} or 0
     * @param start first byte, page aligned
     * @param end   one past the last byte, page aligned, greater than start
     * @param owner the pagemap owner for MIGRATE and EXCLUSIVE, {@code null} otherwise
     * @return {@code this}
     */
    public MmuNotifierRange init(Object mm, MmuNotifierEvent event, int flags, long start, long end, Object owner) {
        if (event == null) {
            throw new IllegalArgumentException("event=null");
        }
        if (Long.compareUnsigned(end, start) <= 0) {
            throw new IllegalArgumentException(
                    "end=0x" + Long.toHexString(end) + " is not above start=0x" + Long.toHexString(start));
        }
        if ((flags & ~FLAG_BLOCKABLE) != 0) {
            throw new IllegalArgumentException("flags=0x" + Integer.toHexString(flags) + " has unknown bits");
        }
        this.mm = mm;
        this.event = event;
        this.flags = flags;
        this.start = start;
        this.end = end;
        this.owner = owner;
        return this;
    }

    /**
     * The address space being invalidated.
     *
     * @return the address space
     */
    public Object mm() {
        return mm;
    }

    /**
     * First byte of the range (inclusive).
     *
     * @return the start address
     */
    public long start() {
        return start;
    }

    /**
     * One past the last byte of the range (exclusive), as in the kernel.
     *
     * @return the end address
     */
    public long end() {
        return end;
    }

    /**
     * Why the range is invalidated.
     *
     * @return the event
     */
    public MmuNotifierEvent event() {
        return event;
    }

    /**
     * {@link #FLAG_BLOCKABLE} or 0.
     *
     * @return the flags
     */
    public int flags() {
        return flags;
    }

    /**
     * Models {@code mmu_notifier_range_blockable()}.
     *
     * @return whether the invalidation may sleep (take locks that block)
     */
    public boolean isBlockable() {
        return (flags & FLAG_BLOCKABLE) != 0;
    }

    /**
     * The pagemap owner that started a MIGRATE or EXCLUSIVE invalidation, or {@code null}.
     *
     * @return the owner, compared by identity with a device's own
     */
    public Object owner() {
        return owner;
    }

    @Override
    public String toString() {
        return event + " [0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ")"
                + (isBlockable() ? " blockable" : " non-blockable")
                + (owner != null ? " owner=" + owner : "");
    }
}

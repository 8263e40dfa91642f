package org.devmirror.notifier;

/**
 * Models a classic {@code struct mmu_notifier} with its {@code mmu_notifier_ops}: a subscriber
 * to every invalidation of an address space, with a start/end pair around each PTE change and
 * a release when the address space goes away.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Callbacks run on the host thread raising the invalidation. {@link #invalidateRangeStart} may
 * return {@code false} only for a non-blockable range; a subscriber that can refuse does not get
 * {@link #invalidateRangeEnd} for that range (the kernel forbids such a subscriber from relying on
 * {@code end}). Every other subscriber that accepted start gets end, even when a later subscriber
 * refused.
 */
public interface MmuNotifier {
    /** Before any PTE in the range changes. Return {@code false} only when non-blockable and busy. */
    boolean invalidateRangeStart(MmuNotifierRange range);

    /** After the host has changed the PTEs of the range. */
    default void invalidateRangeEnd(MmuNotifierRange range) {}

    /** The address space is being torn down ({@code exit_mmap}); called once, before its PTEs are freed. */
    default void release(Object mm) {}
}

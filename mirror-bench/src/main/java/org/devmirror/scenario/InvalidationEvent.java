package org.devmirror.scenario;

/**
 * The names {@code expect events} accepts, one per {@code enum mmu_notifier_event}
 * (include/linux/mmu_notifier.h), in the kernel's order, so {@link #ordinal()} is the kernel
 * value and the executor maps one to devmirror's {@code MmuNotifierEvent} by ordinal or name.
 */
public enum InvalidationEvent {
    UNMAP,
    CLEAR,
    PROTECTION_VMA,
    PROTECTION_PAGE,
    SOFT_DIRTY,
    RELEASE,
    MIGRATE,
    EXCLUSIVE
}

package org.devmirror.mm;

/**
 * The build-time and boot-time configuration of a simulated {@link Host}: how much physical
 * memory and swap it has, whether {@code CONFIG_MMU_NOTIFIER} is on, and whether transparent huge
 * pages are used for {@code MADV_HUGEPAGE} regions ({@code transparent_hugepage=madvise}).
 *
 * @param frames           physical 4 KiB frames (default 65536 = 256 MiB)
 * @param swapSlots        swap slots of 4 KiB (default 65536)
 * @param notifiersEnabled {@code CONFIG_MMU_NOTIFIER}: when false no invalidation is ever raised
 *                         and no {@code MmuNotifierRange} is initialised
 * @param thpEnabled       anonymous faults in {@link MapFlags#HUGEPAGE} regions get 2 MiB pages
 * @param ranges           the ranges invalidations are raised over: the kernel's
 *                         ({@link InvalidationRanges#KERNEL}, the default) or narrowed to what is
 *                         populated ({@link InvalidationRanges#NARROWED})
 */
public record HostConfig(
        long frames, long swapSlots, boolean notifiersEnabled, boolean thpEnabled, InvalidationRanges ranges) {
    /** Default frame count: 256 MiB of 4 KiB frames. */
    public static final long DEFAULT_FRAMES = 65536;
    /** Default swap slot count. */
    public static final long DEFAULT_SWAP_SLOTS = 65536;

    /** Validates the configuration; {@code IllegalArgumentException} naming the bad value. */
    public HostConfig {
        if (frames < 1) {
            throw new IllegalArgumentException("frames=" + frames + " must be at least 1");
        }
        if (swapSlots < 0) {
            throw new IllegalArgumentException("swapSlots=" + swapSlots + " must not be negative");
        }
        if (ranges == null) {
            throw new IllegalArgumentException("ranges=null");
        }
    }

    /** A configuration raising the kernel's ranges. */
    public HostConfig(long frames, long swapSlots, boolean notifiersEnabled, boolean thpEnabled) {
        this(frames, swapSlots, notifiersEnabled, thpEnabled, InvalidationRanges.KERNEL);
    }

    /** 256 MiB, 256 MiB of swap, notifiers on, THP on, the kernel's ranges. */
    public static HostConfig defaults() {
        return new HostConfig(DEFAULT_FRAMES, DEFAULT_SWAP_SLOTS, true, true);
    }

    /** A copy with a different frame count. */
    public HostConfig withFrames(long frames) {
        return new HostConfig(frames, swapSlots, notifiersEnabled, thpEnabled, ranges);
    }

    /** A copy with a different swap size. */
    public HostConfig withSwapSlots(long swapSlots) {
        return new HostConfig(frames, swapSlots, notifiersEnabled, thpEnabled, ranges);
    }

    /** A copy with {@code CONFIG_MMU_NOTIFIER} on or off. */
    public HostConfig withNotifiersEnabled(boolean notifiersEnabled) {
        return new HostConfig(frames, swapSlots, notifiersEnabled, thpEnabled, ranges);
    }

    /** A copy with transparent huge pages on or off. */
    public HostConfig withThpEnabled(boolean thpEnabled) {
        return new HostConfig(frames, swapSlots, notifiersEnabled, thpEnabled, ranges);
    }

    /** A copy raising invalidations over the given ranges. */
    public HostConfig withRanges(InvalidationRanges ranges) {
        return new HostConfig(frames, swapSlots, notifiersEnabled, thpEnabled, ranges);
    }
}

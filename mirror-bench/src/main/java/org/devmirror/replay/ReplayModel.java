package org.devmirror.replay;

import org.devmirror.mm.InvalidationRanges;

/**
 * What a trace does not say, written down: what the traced program's CPU and the mirroring
 * devices do between two system calls. A replay is a pure function of the trace, the policy and
 * this model, so two runs with the same model give the same counts (only the latency histogram,
 * which measures time, differs).
 *
 * <ul>
 *   <li><b>CPU.</b> After a call creates or grows a writable private mapping (an anonymous
 *       {@code mmap}, a file {@code mmap} with {@code PROT_WRITE} such as a library's data
 *       segment the loader relocates, a {@code brk} that raises the break, an {@code mremap}
 *       that grows), the program writes its first {@link #writePagesPerMapping} new pages.
 *       Shared anonymous mappings are written the same way. Nothing else is touched by the CPU.</li>
 *   <li><b>Devices.</b> Each of {@link #devices} devices mirrors the whole address space of every
 *       traced process (one mirror per device and process, opened when the process appears).
 *       After every replayed call, each device walks the calling process's populated pages in
 *       address order and touches each one with probability {@link #touchFraction} (drawn from
 *       one {@code SplittableRandom} seeded with {@link #seed}), at most
 *       {@link #touchesPerCall} pages per device and call: a device write where the VMA is
 *       writable and private, a device read otherwise.</li>
 * </ul>
 * The random draws depend only on the CPU page tables, which the policy does not change, so
 * both policies see exactly the same touches; only the device work they cause differs.
 *
 * @param devices              mirroring devices, at least 1
 * @param seed                 seed of the touch selection
 * @param writePagesPerMapping pages the CPU writes in each new writable mapping (bounds the work per mapping)
 * @param touchFraction        probability that a device touches a populated page after a call, in (0, 1]
 * @param touchesPerCall       most pages one device touches after one call
 * @param hostFrames           physical frames of the simulated host; it gets a quarter as many swap
 *                             slots (only {@code madvise(MADV_PAGEOUT)} swaps in a replay)
 * @param ranges               the ranges the host raises invalidations over: the kernel's (default)
 *                             or narrowed to what is populated ({@code --ranges narrowed})
 */
public record ReplayModel(
        int devices,
        long seed,
        int writePagesPerMapping,
        double touchFraction,
        int touchesPerCall,
        long hostFrames,
        InvalidationRanges ranges) {
    /** One device. */
    public static final int DEFAULT_DEVICES = 1;
    /** The seed used when none is given. */
    public static final long DEFAULT_SEED = 1;
    /** 16 pages (64 KiB) written per new mapping: enough to populate stacks, heaps and data segments. */
    public static final int DEFAULT_WRITE_PAGES = 16;
    /** Each populated page is touched after a call with probability 1/4. */
    public static final double DEFAULT_TOUCH_FRACTION = 0.25;
    /** At most 32 touches per device and call, so long traces stay fast. */
    public static final int DEFAULT_TOUCHES_PER_CALL = 32;
    /**
     * 16 Ki frames (64 MiB): several times what the model populates in the traces at hand
     * (the most, a Python start, peaks near 2,600 frames; the report prints the peak). The host zeroes all of its RAM and swap
     * when it is made, so a bigger host costs start-up time in every replay.
     */
    public static final long DEFAULT_HOST_FRAMES = 16384;
    /** RAM frames per swap slot of the replay host. */
    public static final long FRAMES_PER_SWAP_SLOT = 4;

    public ReplayModel {
        if (devices < 1 || devices > 64) {
            throw new IllegalArgumentException("devices=" + devices + " is outside 1..64");
        }
        if (writePagesPerMapping < 0) {
            throw new IllegalArgumentException("writePagesPerMapping=" + writePagesPerMapping + " is negative");
        }
        if (!(touchFraction > 0 && touchFraction <= 1)) {
            throw new IllegalArgumentException("touchFraction=" + touchFraction + " is outside (0, 1]");
        }
        if (touchesPerCall < 0) {
            throw new IllegalArgumentException("touchesPerCall=" + touchesPerCall + " is negative");
        }
        if (hostFrames < 1024) {
            throw new IllegalArgumentException("hostFrames=" + hostFrames + " is below 1024");
        }
        if (ranges == null) {
            throw new IllegalArgumentException("ranges=null");
        }
    }

    /** The documented defaults. */
    public static ReplayModel defaults() {
        return new ReplayModel(
                DEFAULT_DEVICES,
                DEFAULT_SEED,
                DEFAULT_WRITE_PAGES,
                DEFAULT_TOUCH_FRACTION,
                DEFAULT_TOUCHES_PER_CALL,
                DEFAULT_HOST_FRAMES,
                InvalidationRanges.KERNEL);
    }

    public ReplayModel withDevices(int devices) {
        return new ReplayModel(devices, seed, writePagesPerMapping, touchFraction, touchesPerCall, hostFrames, ranges);
    }

    public ReplayModel withSeed(long seed) {
        return new ReplayModel(devices, seed, writePagesPerMapping, touchFraction, touchesPerCall, hostFrames, ranges);
    }

    public ReplayModel withWritePagesPerMapping(int writePagesPerMapping) {
        return new ReplayModel(devices, seed, writePagesPerMapping, touchFraction, touchesPerCall, hostFrames, ranges);
    }

    public ReplayModel withTouches(double touchFraction, int touchesPerCall) {
        return new ReplayModel(devices, seed, writePagesPerMapping, touchFraction, touchesPerCall, hostFrames, ranges);
    }

    public ReplayModel withHostFrames(long hostFrames) {
        return new ReplayModel(devices, seed, writePagesPerMapping, touchFraction, touchesPerCall, hostFrames, ranges);
    }

    public ReplayModel withRanges(InvalidationRanges ranges) {
        return new ReplayModel(devices, seed, writePagesPerMapping, touchFraction, touchesPerCall, hostFrames, ranges);
    }
}

package org.devmirror.device.driver;

import org.devmirror.device.pagetable.DevicePteLayout;

/**
 * How a device mirror is built: its invalidation policy, the chunk size in which it tracks the
 * address space, the device page-table implementation, the TLB geometry and the device-fault
 * timeout.
 *
 * @param policy             what the mirror does per invalidation
 * @param trackChunk         bytes per tracked range, a power of two from 4 KiB to 1 GiB; tracked
 *                           ranges are aligned to it, like drm_gpusvm ranges (default 2 MiB)
 * @param offHeapTable       {@code OffHeapDevicePageTable} (default) or the on-heap reference table
 * @param tlbSets            device TLB sets, a power of two
 * @param tlbWays            device TLB ways
 * @param faultTimeoutMillis how long a device fault keeps retrying before -EBUSY
 *                           ({@code HMM_RANGE_DEFAULT_TIMEOUT} = 1000)
 */
public record MirrorOptions(
        InvalidationPolicy policy,
        long trackChunk,
        boolean offHeapTable,
        int tlbSets,
        int tlbWays,
        long faultTimeoutMillis) {
    /** {@code HMM_RANGE_DEFAULT_TIMEOUT}, in milliseconds. */
    public static final long DEFAULT_FAULT_TIMEOUT_MILLIS = 1000;

    /** Validates the options; {@code IllegalArgumentException} naming the bad value. */
    public MirrorOptions {
        if (policy == null) {
            throw new IllegalArgumentException("policy=null");
        }
        if (trackChunk < DevicePteLayout.PAGE_SIZE || trackChunk > 1L << 30 || Long.bitCount(trackChunk) != 1) {
            throw new IllegalArgumentException(
                    "trackChunk=0x" + Long.toHexString(trackChunk) + " is not a power of two from 4 KiB to 1 GiB");
        }
        if (tlbSets < 1 || Integer.bitCount(tlbSets) != 1) {
            throw new IllegalArgumentException("tlbSets=" + tlbSets + " is not a power of two");
        }
        if (tlbWays < 1) {
            throw new IllegalArgumentException("tlbWays=" + tlbWays + " is below 1");
        }
        if (faultTimeoutMillis < 1) {
            throw new IllegalArgumentException("faultTimeoutMillis=" + faultTimeoutMillis + " is below 1");
        }
    }

    /**
     * Event-aware policy, 2 MiB chunks, off-heap table, 64x4 TLB, 1000 ms fault timeout.
     *
     * @return the defaults
     */
    public static MirrorOptions defaults() {
        return new MirrorOptions(
                EventAwarePolicy.INSTANCE, DevicePteLayout.HUGE_SIZE, true, 64, 4, DEFAULT_FAULT_TIMEOUT_MILLIS);
    }

    /**
     * The {@link #defaults()} with {@code policy} and the tracking granularity it asks for
     * ({@link InvalidationPolicy#trackChunk()}), or the default 2 MiB when it asks for none: how
     * every command builds a mirror for a policy chosen by name.
     *
     * @param policy the policy every invalidation of the mirror runs
     * @return the options
     */
    public static MirrorOptions forPolicy(InvalidationPolicy policy) {
        MirrorOptions o = defaults().withPolicy(policy);
        long chunk = policy.trackChunk();
        return chunk == 0 ? o : o.withTrackChunk(chunk);
    }

    /**
     * A copy with another policy.
     *
     * @param policy the policy every invalidation of the mirror runs
     * @return the copy
     */
    public MirrorOptions withPolicy(InvalidationPolicy policy) {
        return new MirrorOptions(policy, trackChunk, offHeapTable, tlbSets, tlbWays, faultTimeoutMillis);
    }

    /**
     * A copy with another tracking chunk.
     *
     * @param trackChunk bytes per tracked range, a power of two from 4 KiB to 1 GiB
     * @return the copy
     */
    public MirrorOptions withTrackChunk(long trackChunk) {
        return new MirrorOptions(policy, trackChunk, offHeapTable, tlbSets, tlbWays, faultTimeoutMillis);
    }

    /**
     * A copy with the off-heap ({@code true}) or on-heap device page table.
     *
     * @param offHeapTable whether the device page table lives off-heap
     * @return the copy
     */
    public MirrorOptions withOffHeapTable(boolean offHeapTable) {
        return new MirrorOptions(policy, trackChunk, offHeapTable, tlbSets, tlbWays, faultTimeoutMillis);
    }

    /**
     * A copy with another fault timeout.
     *
     * @param faultTimeoutMillis how long a device fault retries before it returns EBUSY
     * @return the copy
     */
    public MirrorOptions withFaultTimeoutMillis(long faultTimeoutMillis) {
        return new MirrorOptions(policy, trackChunk, offHeapTable, tlbSets, tlbWays, faultTimeoutMillis);
    }
}

package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.devmirror.device.pagetable.DevicePteLayout;
import org.junit.jupiter.api.Test;

/**
 * The limits {@link MirrorOptions} accepts, each exactly at its edge: the smallest and largest
 * tracking chunk (4 KiB, 1 GiB), a one-set and one-way TLB, and a 1 ms fault timeout are valid;
 * one step past any of them is refused with a message naming the value.
 */
class MirrorOptionsTest {
    private static final MirrorOptions D = MirrorOptions.defaults();

    private static MirrorOptions with(long trackChunk, int tlbSets, int tlbWays, long timeoutMillis) {
        return new MirrorOptions(D.policy(), trackChunk, D.offHeapTable(), tlbSets, tlbWays, timeoutMillis);
    }

    @Test
    void theSmallestValidValuesAreAccepted() {
        MirrorOptions o = with(DevicePteLayout.PAGE_SIZE, 1, 1, 1);
        assertEquals(DevicePteLayout.PAGE_SIZE, o.trackChunk(), "one page per tracked range");
        assertEquals(1, o.tlbSets(), "a fully associative TLB");
        assertEquals(1, o.tlbWays(), "a direct-mapped TLB");
        assertEquals(1, o.faultTimeoutMillis());
    }

    @Test
    void aOneGibChunkIsTheLargestAccepted() {
        // test_hmm, nouveau and KVM track the whole address space in one notifier: 1 GiB stands for it.
        assertEquals(1L << 30, with(1L << 30, 64, 4, 1000).trackChunk());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with(1L << 31, 64, 4, 1000));
        assertEquals("trackChunk=0x80000000 is not a power of two from 4 KiB to 1 GiB", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> with(DevicePteLayout.PAGE_SIZE / 2, 64, 4, 1000));
        assertEquals("trackChunk=0x800 is not a power of two from 4 KiB to 1 GiB", e.getMessage());
    }

    @Test
    void zeroTlbSetsWaysOrTimeoutAreRefused() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> with(DevicePteLayout.HUGE_SIZE, 0, 4, 1000));
        assertEquals("tlbSets=0 is not a power of two", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> with(DevicePteLayout.HUGE_SIZE, 64, 0, 1000));
        assertEquals("tlbWays=0 is below 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> with(DevicePteLayout.HUGE_SIZE, 64, 4, 0));
        assertEquals("faultTimeoutMillis=0 is below 1", e.getMessage());
    }

    /** A copy with another fault timeout keeps every other option. */
    @Test
    void withFaultTimeoutMillisChangesOnlyTheTimeout() {
        MirrorOptions o = MirrorOptions.forPolicy(KvmPolicy.INSTANCE).withOffHeapTable(false);
        MirrorOptions p = o.withFaultTimeoutMillis(50);
        assertEquals(new MirrorOptions(o.policy(), o.trackChunk(), false, o.tlbSets(), o.tlbWays(), 50), p);
        assertThrows(IllegalArgumentException.class, () -> o.withFaultTimeoutMillis(0));
    }
}

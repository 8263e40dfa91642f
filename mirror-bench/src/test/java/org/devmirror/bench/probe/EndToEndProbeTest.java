package org.devmirror.bench.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.cost.CostComponent;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.cost.DeviceTime;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;

/**
 * The exact device work of one {@code EndToEndBench} operation (an invalidation of a populated
 * 2 MiB range, then the device reading it): what each policy spends in the invalidation and what
 * the access pays back, and the modelled device time the plot draws from it.
 */
class EndToEndProbeTest {
    private static final long PAGES = 512;

    @Test
    void softDirtyKeepsTheDevicesPagesUnderTheAwarePolicyAndBlindRefaultsThem() {
        DeviceStats aware = WorkProbe.endToEnd(MmuNotifierEvent.SOFT_DIRTY, "aware", "2M");
        assertEquals(0, aware.deviceFaults());
        assertEquals(0, aware.pagesFaulted());
        assertEquals(0, aware.totalZapped());
        DeviceStats blind = WorkProbe.endToEnd(MmuNotifierEvent.SOFT_DIRTY, "blind", "2M");
        assertEquals(PAGES, blind.totalZapped());
        assertEquals(PAGES, blind.pagesFaulted()); // the read faults every zapped page back in
        assertTrue(blind.deviceFaults() >= 1, blind::toString);
        DeviceTime awareTime = CostProfile.XE_4K.price(aware);
        DeviceTime blindTime = CostProfile.XE_4K.price(blind);
        assertTrue(blindTime.ns(CostComponent.FAULT) > 0);
        assertTrue(awareTime.totalNs() < blindTime.totalNs(), awareTime + " vs " + blindTime);
    }

    @Test
    void protectionPageRereadsWhereBlindRefaults() {
        DeviceStats aware = WorkProbe.endToEnd(MmuNotifierEvent.PROTECTION_PAGE, "aware", "2M");
        assertEquals(0, aware.pagesFaulted());
        assertEquals(PAGES, aware.totalReread());
        assertEquals(1, aware.totalTlbFlushes()); // after the downgrade; giving WRITE back needs none
        DeviceStats blind = WorkProbe.endToEnd(MmuNotifierEvent.PROTECTION_PAGE, "blind", "2M");
        assertEquals(PAGES, blind.pagesFaulted());
        assertEquals(1, blind.totalTlbFlushes());
        // One flush each, so the aware policy is cheaper even with serial flushes over two GPUs:
        // it saves the blind policy's refault and flushes no more than it.
        for (CostProfile p :
                new CostProfile[] {CostProfile.XE_4K, CostProfile.PCIE4_DGPU, CostProfile.XE_4K_SERIAL_TLB}) {
            assertTrue(p.price(aware).totalNs() < p.price(blind).totalNs(), p.name());
        }
    }

    /** A zap is a zap under either policy: CLEAR costs both the same refault. */
    @Test
    void clearCostsBothPoliciesTheSame() {
        DeviceStats aware = WorkProbe.endToEnd(MmuNotifierEvent.CLEAR, "aware", "2M");
        DeviceStats blind = WorkProbe.endToEnd(MmuNotifierEvent.CLEAR, "blind", "2M");
        assertEquals(PAGES, aware.pagesFaulted());
        assertEquals(
                CostProfile.XE_4K.price(blind).totalNs(),
                CostProfile.XE_4K.price(aware).totalNs());
    }

    /** Every operation leaves the armed state behind: the counts of one operation do not drift. */
    @Test
    void theOperationIsInSteadyState() {
        for (MmuNotifierEvent e : new MmuNotifierEvent[] {
            MmuNotifierEvent.UNMAP, MmuNotifierEvent.PROTECTION_VMA, MmuNotifierEvent.MIGRATE
        }) {
            for (String policy : new String[] {"aware", "blind"}) {
                assertEquals(
                        WorkProbe.endToEnd(e, policy, "64K").format(),
                        WorkProbe.endToEnd(e, policy, "64K").format(),
                        e + " " + policy);
            }
        }
    }
}

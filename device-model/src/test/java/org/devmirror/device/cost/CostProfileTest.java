package org.devmirror.device.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.stats.DeviceStats;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;

/** Prices counted device work: each component from its own counters, at the profile's figures. */
@SuppressWarnings("EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices never leave the process
class CostProfileTest {
    private static final CostProfile FLAT =
            new CostProfile("flat", "test", 1000, 10, 2, 500, 3, TlbBatching.OVERLAPPED);

    @Test
    void eachComponentPricesItsOwnCounters() {
        DeviceStats s = new DeviceStats();
        s.addFault(2, 512); // one fault of 512 pages after two retries
        s.addFaultError(0);
        s.addZapped(MmuNotifierEvent.CLEAR.ordinal(), 100);
        s.addDowngraded(MmuNotifierEvent.PROTECTION_PAGE.ordinal(), 30);
        s.addReread(MmuNotifierEvent.PROTECTION_PAGE.ordinal(), 40);
        s.addTlbFlush(MmuNotifierEvent.CLEAR.ordinal());
        s.addTlbFlush(MmuNotifierEvent.PROTECTION_PAGE.ordinal());

        DeviceTime t = FLAT.price(s);

        assertEquals(4 * 1000.0, t.ns(CostComponent.FAULT)); // committed + error + 2 retries
        assertEquals((512 + 40) * 10.0, t.ns(CostComponent.WALK));
        assertEquals(512 * 2.0, t.ns(CostComponent.BIND));
        assertEquals((100 + 30) * 2.0, t.ns(CostComponent.ZAP));
        assertEquals(2 * 500.0, t.ns(CostComponent.TLB)); // overlapped: one latency for 3 GTs
        assertEquals(4000 + 5520 + 1024 + 260 + 1000, t.totalNs());
        assertEquals(CostComponent.WALK, t.dominant());
        assertEquals("flat", t.profile());
    }

    @Test
    void serialFlushesPayEveryGt() {
        DeviceStats s = new DeviceStats();
        s.addTlbFlush(MmuNotifierEvent.UNMAP.ordinal());
        CostProfile serial = new CostProfile("serial", "test", 0, 0, 0, 500, 3, TlbBatching.SERIAL);
        assertEquals(1500.0, serial.price(s).ns(CostComponent.TLB));
    }

    /**
     * The reason for the model: 1,024 extra PTE writes to avoid two device faults is a loss by a
     * count of work units and a large win in device time at published Xe figures.
     */
    @Test
    void fewerFaultsOutweighMorePteWritesOnXe() {
        DeviceStats rereads = new DeviceStats(); // downgrade 512 and re-read 512, no refault
        rereads.addDowngraded(MmuNotifierEvent.PROTECTION_PAGE.ordinal(), 512);
        rereads.addReread(MmuNotifierEvent.PROTECTION_PAGE.ordinal(), 512);
        rereads.addTlbFlush(MmuNotifierEvent.PROTECTION_PAGE.ordinal());
        DeviceStats refaults = new DeviceStats(); // zap 512, then two faults bring them back
        refaults.addZapped(MmuNotifierEvent.PROTECTION_PAGE.ordinal(), 512);
        refaults.addTlbFlush(MmuNotifierEvent.PROTECTION_PAGE.ordinal());
        refaults.addFault(0, 256);
        refaults.addFault(0, 256);

        long unitsRereads = 512 + 512 + 1;
        long unitsRefaults = 512 + 1 + 512;
        assertEquals(unitsRereads, unitsRefaults); // a uniform count cannot tell them apart
        double rereadNs = CostProfile.XE_4K.price(rereads).totalNs();
        double refaultNs = CostProfile.XE_4K.price(refaults).totalNs();
        assertTrue(rereadNs < refaultNs, rereadNs + " vs " + refaultNs);
    }

    @Test
    void namedProfilesAreFoundByName() {
        for (CostProfile p : CostProfile.NAMED) {
            assertSame(p, CostProfile.named(p.name()));
        }
        assertNull(CostProfile.named("no-such-device"));
        assertSame(CostProfile.XE_4K, CostProfile.NAMED.getFirst());
    }

    @Test
    void badFiguresAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CostProfile("x", "", -1, 0, 0, 0, 1, TlbBatching.SERIAL));
        assertEquals("faultNs=-1.0 must be finite and non-negative", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new CostProfile("x", "", 0, Double.NaN, 0, 0, 1, TlbBatching.SERIAL));
        assertThrows(IllegalArgumentException.class,
                () -> new CostProfile("x", "", 0, 0, 0, 0, 0, TlbBatching.SERIAL));
    }

    @Test
    void formatNamesEveryNonZeroComponent() {
        DeviceStats s = new DeviceStats();
        s.addFault(0, 1);
        assertEquals("1.0 us (fault 1.0 us, walk 10 ns, bind 2 ns)", FLAT.price(s).format());
        assertEquals("0 ns", FLAT.price(new DeviceStats()).format());
    }
}

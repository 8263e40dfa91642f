package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.Test;

/**
 * Every event ({@code MmuNotifierEvent.values()}, so a new event is included without editing this
 * test) through every shipped policy ({@code PolicyResolver.shipped()}), with no owner, the
 * mirror's own device and another device as owner: the callback takes the lock and sets the
 * sequence (the notifier rules, on in tests, would throw otherwise), the policy does not throw,
 * and the safety oracle finds nothing afterwards.
 */
class EveryEventEveryPolicyTest extends DeviceFixture {
    static final int N = 64;

    @Test
    void everyEventThroughEveryShippedPolicy() {
        long a = anon(N, Prot.RW);
        cpuInit(mm, a, N, 0);
        int cases = 0;
        for (Map.Entry<String, InvalidationPolicy> p : PolicyResolver.shipped().entrySet()) {
            Dmirror m = dev1.open(mm, MirrorOptions.forPolicy(p.getValue()));
            for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
                if (e == MmuNotifierEvent.RELEASE) {
                    continue; // ends the address space: raised last, below
                }
                for (Object owner : new Object[] {null, m.driver().owner(), dev0}) {
                    // Step 1: the device maps every page writable.
                    assertEquals(Errno.OK, m.write(a, N, ints(N, cases)).result());
                    // Step 2: the host raises the event over the range and changes nothing.
                    MmuNotifierRange r =
                            new MmuNotifierRange().init(mm, e, MmuNotifierRange.FLAG_BLOCKABLE, a, a + N * PAGE, owner);
                    assertTrue(mm.notifiers().invalidateRangeStart(r), () -> p.getKey() + " " + e);
                    mm.notifiers().invalidateRangeEnd(r);
                    // Step 3: every translation left is one the CPU justifies, and the device reads its data.
                    assertOracle(m);
                    byte[] back = new byte[N * (int) PAGE];
                    assertEquals(Errno.OK, m.read(a, N, back).result(), () -> p.getKey() + " " + e + " owner=" + owner);
                    assertInts(back, N, cases);
                    cases++;
                }
            }
            m.close();
        }
        assertEquals(PolicyResolver.shipped().size() * (MmuNotifierEvent.values().length - 1) * 3, cases);
        // RELEASE, through each shipped policy: exit tears every mirror down cleanly.
        for (InvalidationPolicy p : PolicyResolver.shipped().values()) {
            Dmirror m = dev1.open(mm, MirrorOptions.forPolicy(p));
            assertEquals(Errno.OK, m.write(a, N, ints(N, 1)).result());
        }
        mm.exit();
        for (Dmirror m : dev1.mirrors()) {
            assertEquals(0, m.pageTable().populated(), m.toString());
            m.collectGarbage();
            assertEquals(0, m.trackedIntervals().length, m.toString());
        }
    }
}

package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.junit.jupiter.api.Test;

class SmokeTest extends DeviceFixture {
    @Test
    void readWriteMigrate() {
        long n = 16;
        long a = anon(n, Prot.RW);
        cpuInit(mm, a, n, 0);
        byte[] buf = new byte[(int) (n * PAGE)];
        DeviceCommand c = mirror.read(a, (int) n, buf);
        assertEquals(new DeviceCommand(Errno.OK, n, 1), c);
        assertInts(buf, n, 0);
        assertOracle(mirror);
        c = mirror.write(a, (int) n, ints(n, 7));
        assertEquals(new DeviceCommand(Errno.OK, n, 0), c);
        assertCpuInts(mm, a, n, 7);
        assertOracle(mirror);
        c = mirror.migrateToDevice(a, (int) n);
        assertEquals(new DeviceCommand(Errno.OK, n, 0), c);
        assertOracle(mirror);
        assertCpuInts(mm, a, n, 7);
        assertOracle(mirror);
        assertEquals(Errno.OK, mm.munmap(a, n * PAGE));
        assertOracle(mirror);
        System.out.println(mirror.stats());
    }
}

package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The hmm-tests.c fixture: a small host, two devices ({@code hmm_dmirror0/1}), one process, and
 * helpers that fill and check buffers the way the kernel tests do ({@code ptr[i] = i}).
 */
public abstract class DeviceFixture {
    protected static final long PAGE = Host.PAGE_SIZE;
    protected static final long PMD = Host.PMD_SIZE;
    /** Device memory per device: 8192 pages (32 MiB). */
    protected static final long DEVICE_PAGES = 8192;

    protected Host host;
    protected DmirrorDevice dev0;
    protected DmirrorDevice dev1;
    protected AddressSpace mm;
    protected Dmirror mirror;

    /** For the subclasses that run the suite against one configuration. */
    protected DeviceFixture() {}

    /** The options of {@link #mirror}; subclasses choose the policy and the table. */
    protected MirrorOptions options() {
        return MirrorOptions.defaults();
    }

    /** The host configuration: 64 MiB, notifiers on, THP on. */
    protected HostConfig hostConfig() {
        return HostConfig.defaults().withFrames(16384).withSwapSlots(4096);
    }

    @BeforeEach
    void bootDevices() {
        host = new Host(hostConfig());
        dev0 = new DmirrorDevice(host, 0, DEVICE_PAGES);
        dev1 = new DmirrorDevice(host, 1, DEVICE_PAGES);
        mm = host.newAddressSpace();
        mirror = dev0.open(mm, options());
    }

    @AfterEach
    void shutdownDevices() {
        for (Dmirror m : dev0.mirrors()) {
            m.close();
        }
        for (Dmirror m : dev1.mirrors()) {
            m.close();
        }
        host.close();
        dev0.close();
        dev1.close();
    }

    /** mmap of private anonymous memory, asserting success. */
    protected long anon(long npages, int prot) {
        return map(npages, prot, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    }

    /** mmap with {@code flags}, asserting success. */
    protected long map(long npages, int prot, int flags) {
        long a = mm.mmap(0, npages * PAGE, prot, flags);
        assertEquals(Errno.OK, Errno.fromReturn(a), "mmap");
        return a;
    }

    /** A 2 MiB-aligned private anonymous region of {@code npages} with the huge-page hint. */
    protected long anonHuge(long npages) {
        long raw = mm.mmap(0, npages * PAGE + PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGEPAGE);
        assertEquals(Errno.OK, Errno.fromReturn(raw));
        long aligned = (raw + PMD - 1) & -PMD;
        if (aligned > raw) {
            assertEquals(Errno.OK, mm.munmap(raw, aligned - raw));
        }
        long tail = raw + npages * PAGE + PMD - (aligned + npages * PAGE);
        if (tail > 0) {
            assertEquals(Errno.OK, mm.munmap(aligned + npages * PAGE, tail));
        }
        return aligned;
    }

    /** A buffer holding {@code ptr[i] = i + base} as 32-bit little-endian ints (hmm-tests' pattern). */
    protected static byte[] ints(long npages, int base) {
        ByteBuffer b = ByteBuffer.allocate((int) (npages * PAGE)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < npages * PAGE / 4; i++) {
            b.putInt(i + base);
        }
        return b.array();
    }

    /** The CPU writes {@code ptr[i] = i + base} over the range. */
    protected void cpuInit(AddressSpace as, long addr, long npages, int base) {
        byte[] data = ints(npages, base);
        assertEquals(Errno.OK, as.cpuWrite(addr, data, 0, data.length));
    }

    /** Asserts {@code buf} holds {@code ptr[i] = i + base}. */
    protected static void assertInts(byte[] buf, long npages, int base) {
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < npages * PAGE / 4; i++) {
            int v = b.getInt();
            if (v != i + base) {
                assertEquals(i + base, v, "int " + i);
            }
        }
    }

    /** The CPU reads the range and asserts {@code ptr[i] = i + base}. */
    protected void assertCpuInts(AddressSpace as, long addr, long npages, int base) {
        byte[] buf = new byte[(int) (npages * PAGE)];
        assertEquals(Errno.OK, as.cpuRead(addr, buf, 0, buf.length));
        assertInts(buf, npages, base);
    }

    /** Asserts the oracle finds nothing wrong with {@code m}. */
    protected static void assertOracle(Dmirror m) {
        OracleReport r = SafetyOracle.check(m);
        assertTrue(r.isClean(), r::toString);
    }

    /** How many of the {@code npages} CPU entries of {@code mm} from {@code addr} read soft-dirty. */
    protected int cpuSoftDirty(long addr, int npages) {
        int dirty = 0;
        for (int i = 0; i < npages; i++) {
            dirty += PteLayout.isSoftDirty(mm.pageTable().get(addr + i * PAGE)) ? 1 : 0;
        }
        return dirty;
    }

    /** Asserts every open mirror of both devices is clean. */
    protected void assertAllOracles() {
        for (Dmirror m : dev0.mirrors()) {
            assertOracle(m);
        }
        for (Dmirror m : dev1.mirrors()) {
            assertOracle(m);
        }
    }
}

package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.Prot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ports of the device read/write cases of tools/testing/selftests/mm/hmm-tests.c (fixture "hmm", private device). */
class HmmAnonTest extends DeviceFixture {
    /** hmm-tests' HMM_BUFFER_SIZE of 1 MiB. */
    static final int NPAGES = 256;

    /** Ports anon_read: the device reads anonymous memory, including never-written and zero pages. */
    @Test
    void anonRead() {
        long a = anon(NPAGES, Prot.RW);
        // Initialise all but the first two pages; map page 1 to the zero page with a CPU read.
        byte[] init = ints(NPAGES, 0);
        Arrays.fill(init, 0, (int) (2 * PAGE), (byte) 0);
        assertEquals(Errno.OK, mm.cpuWrite(a + 2 * PAGE, init, (int) (2 * PAGE), (int) ((NPAGES - 2) * PAGE)));
        assertEquals(Errno.OK, mm.mprotect(a, PAGE, Prot.READ));
        assertEquals(Errno.OK, mm.cpuRead(a + PAGE, new byte[4], 0, 4));
        // Simulate a device reading system memory.
        byte[] buf = new byte[NPAGES * (int) PAGE];
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror.read(a, NPAGES, buf));
        assertArrayEquals(init, buf);
        assertOracle(mirror);
    }

    /** Ports anon_read_prot: reading PROT_NONE memory fails and leaves the device buffer alone. */
    @Test
    void anonReadProt() {
        long a = anon(NPAGES, Prot.RW);
        cpuInit(mm, a, NPAGES, 0);
        assertEquals(Errno.OK, mm.mprotect(a, NPAGES * PAGE, Prot.NONE));
        byte[] buf = ints(NPAGES, -1);
        assertEquals(Errno.EFAULT, mirror.read(a, NPAGES, buf).result());
        assertArrayEquals(ints(NPAGES, -1), buf);
        assertEquals(0, mirror.pageTable().populated());
        assertOracle(mirror);
    }

    /** Ports anon_write: the device writes anonymous memory; the CPU sees it. */
    @Test
    void anonWrite() {
        long a = anon(NPAGES, Prot.RW);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror.write(a, NPAGES, ints(NPAGES, 0)));
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /** Ports anon_write_prot: a device write to read-only memory is refused until mprotect(RW). */
    @Test
    void anonWriteProt() {
        long a = anon(NPAGES, Prot.READ);
        // A one-page read faults in the zero page.
        assertEquals(new DeviceCommand(Errno.OK, 1, 1), mirror.read(a, 1, new byte[(int) PAGE]));
        // Writing is refused, and memory stays zero.
        assertEquals(Errno.EPERM, mirror.write(a, NPAGES, ints(NPAGES, 0)).result());
        byte[] cpu = new byte[NPAGES * (int) PAGE];
        assertEquals(Errno.OK, mm.cpuRead(a, cpu, 0, cpu.length));
        assertArrayEquals(new byte[cpu.length], cpu);
        // After mprotect(RW) the write succeeds with one fault round.
        assertEquals(Errno.OK, mm.mprotect(a, NPAGES * PAGE, Prot.RW));
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror.write(a, NPAGES, ints(NPAGES, 0)));
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /** Ports anon_write_child ({migrated?} x {THP?}): a forked child's device write leaves the parent unchanged. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void anonWriteChild(int variant) {
        boolean migrate = (variant & 1) != 0;
        boolean huge = (variant & 2) != 0;
        int n = huge ? 512 : NPAGES;
        long a = huge ? anonHuge(n) : anon(n, Prot.RW);
        cpuInit(mm, a, n, 0);
        if (migrate) {
            assertEquals(new DeviceCommand(Errno.OK, n, 0), mirror.migrateToDevice(a, n));
        }
        AddressSpace child = mm.fork();
        // The child's first write breaks COW on every page (a CLEAR each) in one fault round;
        // run first in a JVM on a loaded 2-core machine, that round alone took 1.5 s, past the
        // kernel's 1000 ms retry budget, and the write returned EBUSY. The budget is not what this
        // case ports, so the child's mirror gets a patient one.
        MirrorOptions o = MirrorOptions.defaults();
        Dmirror childMirror = dev0.open(
                child,
                new MirrorOptions(o.policy(), o.trackChunk(), o.offHeapTable(), o.tlbSets(), o.tlbWays(), 60_000));
        if (migrate) {
            // fork made the device-private entries read-only in both processes; range fault
            // reports the caller's own device pages as they are (no fault), so a device write
            // gets a read-only page and dmirror_do_fault fails with -EFAULT. The CPU touch
            // migrates the pages back, after which the device write proceeds.
            assertEquals(Errno.EFAULT, childMirror.write(a, n, ints(n, -1000)).result());
            assertCpuInts(child, a, n, 0);
        }
        assertEquals(new DeviceCommand(Errno.OK, n, 1), childMirror.write(a, n, ints(n, -1000)));
        assertCpuInts(child, a, n, -1000);
        assertCpuInts(mm, a, n, 0);
        assertAllOracles();
        childMirror.close();
        child.exit();
    }

    /** Ports anon_write_child_shared: with MAP_SHARED the child's device write is visible to the parent. */
    @Test
    void anonWriteChildShared() {
        long a = map(NPAGES, Prot.RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        cpuInit(mm, a, NPAGES, 0);
        AddressSpace child = mm.fork();
        Dmirror childMirror = dev0.open(child);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), childMirror.write(a, NPAGES, ints(NPAGES, 55)));
        assertCpuInts(mm, a, NPAGES, 55);
        assertAllOracles();
        childMirror.close();
        child.exit();
    }

    /** Ports anon_write_huge: a device write to a THP region faults once and maps a 2 MiB leaf. */
    @Test
    void anonWriteHuge() {
        long a = anonHuge(512);
        cpuInit(mm, a, 512, 0);
        assertEquals(new DeviceCommand(Errno.OK, 512, 1), mirror.write(a, 512, ints(512, 3)));
        assertCpuInts(mm, a, 512, 3);
        assertEquals(true, org.devmirror.device.pagetable.DevicePteLayout.isHuge(mirror.entry(a)));
        assertOracle(mirror);
    }

    /** Ports anon_read_multiple: ten fresh buffers, each read with one fault round. */
    @Test
    void anonReadMultiple() {
        for (int i = 0; i < 10; i++) {
            long a = anon(NPAGES, Prot.RW);
            cpuInit(mm, a, NPAGES, i);
            byte[] buf = new byte[NPAGES * (int) PAGE];
            assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror.read(a, NPAGES, buf));
            assertInts(buf, NPAGES, i);
            assertEquals(Errno.OK, mm.munmap(a, NPAGES * PAGE));
        }
        assertOracle(mirror);
    }

    /** Ports file_read: the device reads a shared file mapping. */
    @Test
    void fileRead() {
        MemoryObject file = host.newFile("hmm", NPAGES * PAGE);
        byte[] data = ints(NPAGES, 0);
        assertEquals(Errno.OK, file.pwrite(0, data, 0, data.length));
        long a = mm.mmap(0, NPAGES * PAGE, Prot.READ, MapFlags.SHARED, file, 0);
        byte[] buf = new byte[data.length];
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror.read(a, NPAGES, buf));
        assertArrayEquals(data, buf);
        assertOracle(mirror);
    }

    /** Ports file_write: a device write to a shared file mapping reaches the CPU and pread. */
    @Test
    void fileWrite() {
        MemoryObject file = host.newFile("hmm", NPAGES * PAGE);
        long a = mm.mmap(0, NPAGES * PAGE, Prot.RW, MapFlags.SHARED, file, 0);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror.write(a, NPAGES, ints(NPAGES, 9)));
        assertCpuInts(mm, a, NPAGES, 9);
        byte[] buf = new byte[NPAGES * (int) PAGE];
        file.pread(0, buf, 0, buf.length);
        assertInts(buf, NPAGES, 9);
        assertOracle(mirror);
    }
}

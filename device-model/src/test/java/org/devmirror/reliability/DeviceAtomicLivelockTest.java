package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.device.driver.XeSvmPolicy;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.reliability.DeviceOps.Dev;
import org.devmirror.reliability.DeviceOps.Kind;
import org.junit.jupiter.api.Test;

/**
 * A device atomic over pages another device holds exclusive, under a policy that zaps whole
 * tracking chunks (drm_gpusvm's): taking each page back from the other device is a CLEAR
 * ({@code remove_device_exclusive_entry}), which zapped the pages this device had already mapped
 * ATOMIC, so mapping page by page never got the whole range through and the access faulted
 * forever. Found by the long run from seed 8000000 (seed 8000017, xe), which hung.
 */
class DeviceAtomicLivelockTest {
    private static final long PAGE = Host.PAGE_SIZE;
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @Test
    void atomicOverAnotherDevicesExclusivePagesTerminates() {
        try (Host host = new Host(HostConfig.defaults().withFrames(1024).withSwapSlots(64));
                DmirrorDevice d0 = new DmirrorDevice(host, 0, 512);
                DmirrorDevice d1 = new DmirrorDevice(host, 1, 512)) {
            // Step 1: four pages of ones; device 1 takes them exclusive.
            AddressSpace mm = host.newAddressSpace();
            long buf = mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            assertEquals(Errno.OK, mm.cpuFill(buf, 4 * PAGE, (byte) 1));
            Dmirror other = d1.open(mm);
            Dmirror xe = d0.open(mm, MirrorOptions.forPolicy(XeSvmPolicy.INSTANCE));
            assertEquals(Errno.OK, other.exclusive(buf, 4).result());

            // Step 2: device 0 adds 5 to every word of the four pages; it must finish.
            DeviceCommand c = assertTimeoutPreemptively(
                    LIMIT, () -> xe.atomicAdd(buf, 4, 5), "the atomic faults forever under chunk zapping");
            assertEquals(Errno.OK, c.result());
            assertEquals(4, c.cpages());

            // Step 3: device 1 holds no ATOMIC entry any more, both mirrors are oracle-clean, and
            // the CPU reads every word plus 5.
            assertEquals(Errno.OK, other.checkExclusive(buf, 4));
            assertTrue(SafetyOracle.check(xe).isClean(), SafetyOracle.check(xe).toString());
            assertTrue(
                    SafetyOracle.check(other).isClean(),
                    SafetyOracle.check(other).toString());
            byte[] word = new byte[Long.BYTES];
            for (int p = 0; p < 4; p++) {
                assertEquals(Errno.OK, mm.cpuRead(buf + p * PAGE + 8, word, 0, word.length));
                assertEquals(
                        0x0101010101010101L + 5,
                        java.nio.ByteBuffer.wrap(word)
                                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                                .getLong());
            }
            xe.close();
            other.close();
        }
    }

    /** The long run's sequence, shortened to its three operations, under every shipped policy. */
    @Test
    void longRunSeed8000017Shortened() {
        List<ModelOp> ops = List.of(
                new Dev(1, 2, 1, 378, 9, Kind.ATOMIC, 0),
                new HostOps.Fork(1),
                new Dev(0, 2, 1, 57, 11, Kind.ATOMIC, 46));
        for (InvalidationPolicy policy : PolicyResolver.shipped().values()) {
            List<ModelOp> seq = LongRunTest.withoutUnmodelledReaps(ops, policy);
            LongRunTest.Guarded g = LongRunTest.runGuarded(seq, MirrorOptions.forPolicy(policy), false, 20);
            assertNull(g.failure(), policy.name());
        }
    }
}

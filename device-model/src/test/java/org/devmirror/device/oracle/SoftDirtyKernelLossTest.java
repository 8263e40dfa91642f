package org.devmirror.device.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.device.driver.AmdKfdSvmPolicy;
import org.devmirror.device.driver.EventAwarePolicy;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorActions;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.TestHmmPolicy;
import org.devmirror.device.driver.TrackedRange;
import org.devmirror.mm.Errno;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.Test;

/**
 * Whose loss a device write that pagemap reports clean is. A policy that marks soft-dirty itself
 * (devmirror's safe ones) is held to every page; one that does not, as no real driver can, is
 * held to every page a fault would have marked, and the rest is reported as the kernel's.
 */
class SoftDirtyKernelLossTest extends DeviceFixture {
    private static final int N = 4;

    @Override
    protected HostConfig hostConfig() {
        return super.hostConfig().withThpEnabled(false);
    }

    private Dmirror open(InvalidationPolicy p) {
        return dev1.open(mm, MirrorOptions.forPolicy(p));
    }

    /** N pages of the CPU's data in {@code m}'s device memory, then clear_refs, then a device write of them. */
    private long writeOwnMemoryAfterClearRefs(Dmirror m) {
        long a = anon(N, Prot.RW);
        cpuInit(mm, a, N, 0);
        assertEquals(Errno.OK, m.migrateToDevice(a, N).result());
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(Errno.OK, m.write(a, N, ints(N, 7)).result());
        return a;
    }

    @Test
    void aZooDriversWriteIntoItsOwnMemoryAfterClearRefsIsTheKernelsLoss() {
        Dmirror m = open(TestHmmPolicy.INSTANCE);
        long a = writeOwnMemoryAfterClearRefs(m);

        OracleReport r = SafetyOracle.check(m);
        assertTrue(r.isClean(), r::toString);
        assertEquals(N, r.kernelFindings().size(), r.kernelFindings()::toString);
        assertTrue(r.kernelFindings().get(0).contains("no helper"), r.kernelFindings()::toString);
        assertEquals(0, cpuSoftDirty(a, N), "test_hmm marks nothing: pagemap reports every page clean");
    }

    @Test
    void theSafePolicyMarksItsOwnMemoryAndLeavesTheKernelNothingToLose() {
        Dmirror m = open(EventAwarePolicy.INSTANCE);
        long a = writeOwnMemoryAfterClearRefs(m);

        OracleReport r = SafetyOracle.check(m);
        assertTrue(r.isClean(), r::toString);
        assertTrue(r.kernelFindings().isEmpty(), r.kernelFindings()::toString);
        assertEquals(N, cpuSoftDirty(a, N));
    }

    /**
     * A policy that skips SOFT_DIRTY keeps WRITE over pages clear_refs write-protected (the oracle's
     * WRITE check allows it: the CPU's own write would reuse the page), so its device writes them
     * with no fault. Declaring that it marks nothing does not excuse it: a fault would have.
     */
    @Test
    void aPolicyThatKeepsWriteAcrossClearRefsIsHeldToItWhateverItDeclares() {
        InvalidationPolicy keepsWrite = new InvalidationPolicy() {
            @Override
            public String name() {
                return "test_hmm but for SOFT_DIRTY";
            }

            @Override
            public boolean marksDeviceMemorySoftDirty() {
                return false;
            }

            @Override
            public void invalidate(
                    MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
                if (range.event() == MmuNotifierEvent.SOFT_DIRTY) {
                    mirror.skip();
                } else {
                    TestHmmPolicy.INSTANCE.invalidate(mirror, tracked, range, start, end);
                }
            }
        };
        Dmirror m = open(keepsWrite);
        long a = anon(N, Prot.RW);
        cpuInit(mm, a, N, 0);
        assertEquals(Errno.OK, m.write(a, N, ints(N, 1)).result());
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(Errno.OK, m.write(a, N, ints(N, 2)).result());

        OracleReport r = SafetyOracle.check(m);
        assertEquals(N, r.violationCount(), r::toString);
        assertTrue(r.violations().get(0).contains("not soft-dirty"), r::toString);
        assertTrue(r.kernelFindings().isEmpty(), r.kernelFindings()::toString);
    }

    /**
     * amdkfd with XNACK off keeps its device's entries across an eviction; it gives up the ATOMIC
     * ones at clear_refs, so the next atomic acquires the page again through a CPU write fault,
     * which marks it.
     */
    @Test
    void amdkfdWithXnackOffGivesUpItsAtomicsAtClearRefsAndTheNextAtomicMarksThePage() {
        Dmirror m = open(AmdKfdSvmPolicy.XNACK_OFF);
        long a = anon(N, Prot.RW);
        cpuInit(mm, a, N, 0);
        assertEquals(Errno.OK, m.atomicAdd(a, N, 1).result());
        assertEquals(N, m.pageTable().populated());

        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(0, m.pageTable().populated(), "the ATOMIC entries are gone");
        assertEquals(0, cpuSoftDirty(a, N));
        assertEquals(Errno.OK, m.atomicAdd(a, N, 1).result());

        OracleReport r = SafetyOracle.check(m);
        assertTrue(r.isClean(), r::toString);
        assertTrue(r.kernelFindings().isEmpty(), r.kernelFindings()::toString);
        assertEquals(N, cpuSoftDirty(a, N));
        assertFalse(m.driver().queuesStopped(), "the atomic restored the queues before it ran");
    }
}

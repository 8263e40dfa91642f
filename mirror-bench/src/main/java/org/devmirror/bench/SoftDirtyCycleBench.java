package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one soft-dirty cycle costs a device that keeps writing the same 2 MiB, under each SOFT_DIRTY
 * strategy: {@code clear_refs} for real (the host's walk that clears and write-protects 512 CPU
 * PTEs, the SOFT_DIRTY invalidation and the policy's work, including the end-callback marking),
 * then what the device's next write needs before its bytes can land. Under {@code aware} (mark at
 * the end) the device PTEs stay writable and the second half is one PTE look-up; under
 * {@code aware-downgrade} they were downgraded, and under {@code blind} zapped, so it is a device
 * write fault over the 512 pages ({@code hmm_range_fault} with REQ_WRITE, which write-faults
 * every CPU PTE and so sets soft-dirty, then the commit). The bytes themselves are not copied:
 * the copy costs the same under every strategy.
 *
 * <p>Pitfall avoided: the cycle leaves the state it started from (CPU PTEs soft-dirty, device
 * PTEs writable), so every operation does the full work and nothing is re-armed outside the
 * measurement. THP is off, so the range is 512 4 KiB PTEs as in {@link InvalidateBench}.
 *
 * <p>Run: {@code ./devmirror bench --include SoftDirtyCycleBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class SoftDirtyCycleBench {
    private static final long PAGE = Host.PAGE_SIZE;
    private static final int PAGES = 512;
    private static final long BASE = 1L << 40;

    @Param({"aware", "aware-downgrade", "blind"})
    public String policy;

    private Host host;
    private AddressSpace mm;
    private DmirrorDevice device;
    private Dmirror mirror;

    @Setup(Level.Trial)
    public void mirror() {
        host = new Host(HostConfig.defaults().withThpEnabled(false).withFrames(4096));
        mm = host.newAddressSpace();
        check(
                mm.mmap(BASE, PAGES * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED) == BASE,
                "mmap");
        check(mm.cpuFill(BASE, PAGES * PAGE, (byte) 1) == Errno.OK, "cpuFill");
        device = new DmirrorDevice(host, 1, 512);
        mirror = device.open(mm, MirrorOptions.defaults().withPolicy(PolicyResolver.resolve("policy", policy)));
        check(mirror.fault(BASE, PAGES, true) == Errno.OK, "device fault");
    }

    @TearDown(Level.Trial)
    public void close() {
        mirror.close();
        mm.exit();
        device.close();
        host.close();
    }

    /** clear_refs, then the device's next write access to the range. */
    @Benchmark
    public long cycle() {
        check(mm.clearSoftDirty() == Errno.OK, "clear_refs");
        if (DevicePteLayout.isWrite(mirror.entry(BASE))) {
            return 0; // the device writes on without a fault
        }
        check(mirror.fault(BASE, PAGES, true) == Errno.OK, "device write fault");
        return PAGES;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " failed");
        }
    }
}

package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.InvalidationRanges;
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
 * What the kernel's coarse invalidation ranges cost a mirroring device, against devmirror's
 * narrowed ones ({@code ranges}: {@link InvalidationRanges#KERNEL} or
 * {@link InvalidationRanges#NARROWED}), on the sparse mapping where they differ most: a 1 GiB
 * private anonymous VMA with one populated 2 MiB block (a THP), which a device (event-aware
 * policy) has faulted in for write. Three host operations, each with the device's reaction:
 * <ul>
 *   <li>{@link #munmapSparse}: {@code munmap} of the whole VMA, UNMAP over 1 GiB
 *       ({@code unmap_vmas}) against 2 MiB; then the VMA is mapped again and the block faulted
 *       by the CPU and the device, the same work in both modes.</li>
 *   <li>{@link #forkSparse}: {@code fork} and the child's exit, PROTECTION_PAGE over the whole
 *       VMA ({@code copy_page_range}) against 2 MiB; then a CPU write and a device write fault
 *       make the block writable again for both.</li>
 *   <li>{@link #softDirtySparse}: {@code clear_refs} SOFT_DIRTY over {@code [0, ULONG_MAX)}
 *       against 2 MiB; then a CPU write dirties the block again.</li>
 * </ul>
 *
 * <p>Pitfalls avoided: every operation leaves the state it started from, so each call does the
 * full work and nothing is re-armed outside the measurement; the restoring part is identical
 * under both modes, so the difference between the two is the cost of the range alone. The
 * address is fixed (1 GiB aligned at 1 TiB) so that the VMA is one PUD and its block one PMD leaf
 * in every fork. Average time with a long warm-up, as for the other host-operation benchmarks
 * ({@code NoSubscriberBench}): munmap, mmap and the faults are slow until compiled.
 *
 * <p>Run: {@code flock /tmp/devmirror-jmh.lock ./devmirror bench --include KernelRangesBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
public class KernelRangesBench {
    private static final long VMA = 1L << 30;
    private static final long BASE = 1L << 40;
    /** The populated 2 MiB block, in the middle of the VMA. */
    private static final long BLOCK = BASE + VMA / 2;

    private static final int BLOCK_PAGES = (int) (Host.PMD_SIZE / Host.PAGE_SIZE);
    private static final byte[] ONE = {1};

    @Param({"kernel", "narrowed"})
    public String ranges;

    private Host host;
    private AddressSpace mm;
    private DmirrorDevice device;
    private Dmirror mirror;

    @Setup(Level.Trial)
    public void sparseMirror() {
        host = new Host(HostConfig.defaults().withFrames(8192).withRanges(InvalidationRanges.ofLabel(ranges)));
        mm = host.newAddressSpace();
        device = new DmirrorDevice(host, 0, 512);
        mirror = device.open(mm);
        populate();
    }

    @TearDown(Level.Trial)
    public void close() {
        mirror.close();
        mm.exit();
        device.close();
        host.close();
    }

    /** Maps the 1 GiB VMA and has the CPU and then the device write its middle 2 MiB block. */
    private void populate() {
        check(
                mm.mmap(BASE, VMA, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGEPAGE | MapFlags.FIXED)
                        == BASE,
                "mmap");
        rewrite();
    }

    /** A CPU write to the block (a THP fault or a write fault on the PMD) and a device write fault over it. */
    private void rewrite() {
        check(mm.cpuWrite(BLOCK, ONE, 0, 1) == Errno.OK, "cpu write");
        check(mirror.fault(BLOCK, BLOCK_PAGES, true) == Errno.OK, "device fault");
    }

    /** munmap of the sparse 1 GiB VMA, then the same VMA and block again. */
    @Benchmark
    public long munmapSparse() {
        check(mm.munmap(BASE, VMA) == Errno.OK, "munmap");
        populate();
        return mm.populatedPages();
    }

    /** fork of the sparse VMA and the child's exit, then the block made writable again. */
    @Benchmark
    public long forkSparse() {
        AddressSpace child = mm.fork();
        child.exit();
        rewrite();
        return mm.populatedPages();
    }

    /** clear_refs of the address space, then the block dirtied again. */
    @Benchmark
    public long softDirtySparse() {
        check(mm.clearSoftDirty() == Errno.OK, "clear_refs");
        check(mm.cpuWrite(BLOCK, ONE, 0, 1) == Errno.OK, "cpu write");
        return mm.populatedPages();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " failed");
        }
    }
}

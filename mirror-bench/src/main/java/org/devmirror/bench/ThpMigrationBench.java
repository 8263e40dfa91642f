package org.devmirror.bench;

import java.util.concurrent.TimeUnit;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Ports hmm-tests.c {@code benchmark_thp_migration}: the time of {@code HMM_DMIRROR_MIGRATE_TO_DEV}
 * ({@link #sysToDev}) and {@code HMM_DMIRROR_MIGRATE_TO_SYS} ({@link #devToSys}) of a buffer of
 * {@code size} bytes, with transparent huge pages ({@code thp=true}: {@code MADV_HUGEPAGE}, so each
 * whole 2 MiB moves as one folio under {@code MIGRATE_VMA_SELECT_COMPOUND}) and without
 * ({@code MADV_NOHUGEPAGE}: 4 KiB pages). Sizes are a subset of the kernel's (¼, 1, 8 and 32 PMDs
 * of its ¼ to 128); divide {@code size} by the time for the kernel test's GB/s.
 *
 * <p>Pitfalls avoided: each measured call starts from the state the other leaves (the data in
 * system memory for {@code sysToDev}, on the device for {@code devToSys}), restored untimed in
 * {@code @Setup(Level.Invocation)}, which is sound here because one call takes far longer than
 * the set-up's own cost; the first trip, in the trial set-up, is the kernel test's warm-up and
 * is checked to have moved every page; the {@link DeviceCommand} is returned so the call cannot
 * be dropped. Single-shot, as the kernel times single calls: three warm-up and five measured
 * calls per fork (the kernel's five iterations).
 *
 * <p>Run: {@code flock /tmp/devmirror-jmh.lock ./devmirror bench --include ThpMigrationBench}.
 *
 * <p>One brief run, 2026-12-02 15:10 UTC, 2-core shared VM (load average 15 to 19 from other
 * builds), Temurin 25, one fork as annotated: {@code flock /tmp/devmirror-jmh.lock java -cp
 * mirror-bench/target/devmirror.jar org.openjdk.jmh.Main ThpMigrationBench -f 1 -jvmArgs
 * "-Xms1g -Xmx1g"}. Milliseconds per call, mean of 5 (the kernel's "With THP | Without THP"
 * rows); the 99.9% error of every figure is larger than the figure itself (single calls after
 * three warm-up calls are still partly interpreted, on a loaded machine), so these show the
 * order of magnitude only; the full profile's three forks narrow them.
 * <pre>
 * size   s-&gt;d THP   s-&gt;d 4K   d-&gt;s THP   d-&gt;s 4K
 * 512K       8.3      10.3       52.5       7.8
 * 2M        15.5      60.0       30.9      37.8
 * 16M       83.2     121.7       54.5      47.0
 * 64M      135.5     174.3      229.0     148.7
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(1)
public class ThpMigrationBench {
    private static final long BASE = 1L << 38;

    @Param({"512K", "2M", "16M", "64M"})
    public String size;

    @Param({"true", "false"})
    public boolean thp;

    private Host host;
    private DmirrorDevice device;
    private AddressSpace mm;
    private Dmirror mirror;
    private int npages;

    @Setup(Level.Trial)
    public void buffer() {
        long bytes = bytes(size);
        npages = (int) (bytes / Host.PAGE_SIZE);
        long blocks = (npages + Host.PMD_PAGES - 1L) / Host.PMD_PAGES;
        // room for the buffer twice (a copy is allocated before its source is freed) plus slack
        host = new Host(HostConfig.defaults().withSwapSlots(1).withFrames((2 * blocks + 4) * Host.PMD_PAGES));
        device = new DmirrorDevice(host, 0, (blocks + 1) * Host.PMD_PAGES);
        mm = host.newAddressSpace();
        check(mm.mmap(BASE, bytes, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED) == BASE, "mmap");
        check(mm.madvise(BASE, bytes, thp ? Advice.HUGEPAGE : Advice.NOHUGEPAGE) == Errno.OK, "madvise");
        check(mm.cpuFill(BASE, bytes, (byte) 0x5A) == Errno.OK, "fill");
        mirror = device.open(mm, MirrorOptions.defaults());
        DeviceCommand first = mirror.migrateToDevice(BASE, npages);
        check(first.equals(new DeviceCommand(Errno.OK, npages, 0)), "warm-up migration to the device: " + first);
        check(mirror.migrateToSystem(BASE, npages).result() == Errno.OK, "warm-up migration back");
    }

    /** Puts the data where the next measured call expects it, untimed. */
    @Setup(Level.Invocation)
    public void place(BenchmarkParams params) {
        boolean wantOnDevice = params.getBenchmark().endsWith("devToSys");
        boolean onDevice = PteLayout.isDevicePrivate(mm.pageTable().get(BASE));
        if (wantOnDevice && !onDevice) {
            check(mirror.migrateToDevice(BASE, npages).result() == Errno.OK, "migration to the device");
        } else if (!wantOnDevice && onDevice) {
            check(mirror.migrateToSystem(BASE, npages).result() == Errno.OK, "migration back");
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        mirror.close();
        host.close();
        device.close();
    }

    /** HMM_DMIRROR_MIGRATE_TO_DEV of the whole buffer. */
    @Benchmark
    public DeviceCommand sysToDev() {
        return mirror.migrateToDevice(BASE, npages);
    }

    /** HMM_DMIRROR_MIGRATE_TO_SYS of the whole buffer. */
    @Benchmark
    public DeviceCommand devToSys() {
        return mirror.migrateToSystem(BASE, npages);
    }

    private static long bytes(String size) {
        long unit = size.endsWith("M") ? 1L << 20 : size.endsWith("K") ? 1L << 10 : 0;
        if (unit == 0) {
            throw new IllegalArgumentException("size=" + size + " does not end in K or M");
        }
        return Long.parseLong(size.substring(0, size.length() - 1)) * unit;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("ThpMigrationBench set-up failed: " + what);
        }
    }
}

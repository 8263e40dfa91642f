package org.devmirror.reliability;

import static org.devmirror.testing.InjectionWorld.ANON;
import static org.devmirror.testing.InjectionWorld.HUGE;
import static org.devmirror.testing.InjectionWorld.PAGE;
import static org.devmirror.testing.InjectionWorld.PMD;
import static org.devmirror.testing.InjectionWorld.SMALL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.Vma;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.testing.HostState;
import org.devmirror.testing.InjectionWorld;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Device-memory and frame allocation failures injected at every allocation point of every device
 * command (migration to and from the device, a CPU touch of a device page, device reads, writes
 * and exclusive access): the command completes, or what it did not finish leaves no trace; the
 * safety oracle stays clean, the device's used pages are exactly the device pages the CPU maps,
 * every page reads what it should, and once every address space has exited no frame, no swap
 * slot and no device page is lost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings(
        "EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices
// never leave the process
class DeviceFaultInjectionTest {
    /** The allocator a run fails. */
    enum Pool {
        FRAMES,
        DEVICE
    }

    /** What a command that failed, or completed only part of its range, may leave behind. */
    enum Trace {
        /** Nothing: the whole machine state equals the state before. */
        NONE,
        /**
         * Each page of the range moved between system memory and the device or is exactly as
         * before; nothing outside the range changed (migrate_vma restores a page that got no
         * destination).
         */
        PAGES_MOVED,
        /**
         * A command that faults its range in a page at a time (range fault, exclusive access)
         * stops at the page it could not fault, as hmm_range_fault does: the pages before it are
         * done, the rest are as before; nothing outside the range changed.
         */
        PARTIAL
    }

    /** One device command on a fresh {@link DeviceWorld}, after an optional setup. */
    record Op(
            String name,
            Consumer<DeviceWorld> setup,
            Function<DeviceWorld, DeviceCommand> command,
            long start,
            long pages,
            Trace trace,
            Effect effect) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The host world of mirror-core's host fault injection test ({@link InjectionWorld}) with one mirroring device (two 2 MiB blocks of memory) on the parent. */
    static final class DeviceWorld implements AutoCloseable {
        final InjectionWorld world = new InjectionWorld();
        final DmirrorDevice gpu = new DmirrorDevice(world.host, 0, 1024);
        final Dmirror mirror = gpu.open(world.parent);

        @Override
        public void close() {
            mirror.close();
            world.close();
            gpu.close();
        }
    }

    /** What the command does to the bytes of the first {@code cpages} pages of its range in the parent. */
    record Effect(int fill, long add) {
        static final Effect NONE = new Effect(-1, 0);

        static Effect fill(int value) {
            return new Effect(value, 0);
        }

        static Effect add(long delta) {
            return new Effect(-1, delta);
        }

        /** The page {@code before} after the command's effect. */
        byte[] apply(byte[] before) {
            if (fill >= 0) {
                return filled(1, fill);
            }
            ByteBuffer b = ByteBuffer.wrap(before.clone()).order(ByteOrder.nativeOrder());
            for (int off = 0; off < PAGE; off += Long.BYTES) {
                b.putLong(off, b.getLong(off) + add);
            }
            return b.array();
        }
    }

    private static Map<String, byte[]> reference;
    private static long allocationPoints;
    private static long runs;

    @BeforeAll
    static void readReference() {
        try (InjectionWorld w = new InjectionWorld()) {
            reference = w.readAll();
        }
    }

    @AfterAll
    static void report() {
        System.out.println("device fault injection: " + allocationPoints
                + " allocation points (frames and device pages), " + runs + " runs");
    }

    static Stream<Op> operations() {
        Consumer<DeviceWorld> none = w -> {};
        // The child exits, so the parent's pages are its own: MigrateDevice isolates only a page
        // mapped once.
        Consumer<DeviceWorld> alone = w -> w.world.child.exit();
        Consumer<DeviceWorld> onDevice = w -> {
            w.world.child.exit();
            assertEquals(Errno.OK, w.mirror.migrateToDevice(ANON, 8).result());
        };
        return Stream.of(
                new Op(
                        "migrate the parent's own pages",
                        alone,
                        w -> w.mirror.migrateToDevice(ANON, 8),
                        ANON,
                        8,
                        Trace.PAGES_MOVED,
                        Effect.NONE),
                new Op(
                        "migrate untouched pages",
                        alone,
                        w -> w.mirror.migrateToDevice(ANON + 12 * PAGE, 4),
                        ANON + 12 * PAGE,
                        4,
                        Trace.PAGES_MOVED,
                        Effect.NONE),
                new Op(
                        "migrate a huge page (device folio, else 512 pages)",
                        alone,
                        w -> w.mirror.migrateToDevice(HUGE, 512),
                        HUGE,
                        512,
                        Trace.PAGES_MOVED,
                        Effect.NONE),
                new Op(
                        "migrate a huge page as 512 pages (no device folio)",
                        w -> {
                            alone.accept(w);
                            w.gpu.failNextAllocation(); // the folio allocation fails, so the fallback runs
                        },
                        w -> w.mirror.migrateToDevice(HUGE, 512),
                        HUGE,
                        512,
                        Trace.PAGES_MOVED,
                        Effect.NONE),
                new Op(
                        "migrate 2 MiB of 4 KiB pages, 8 written",
                        alone,
                        w -> w.mirror.migrateToDevice(SMALL, 512),
                        SMALL,
                        512,
                        Trace.PAGES_MOVED,
                        Effect.NONE),
                new Op(
                        "migrate back to system memory",
                        onDevice,
                        w -> w.mirror.migrateToSystem(ANON, 8),
                        ANON,
                        8,
                        Trace.PAGES_MOVED,
                        Effect.NONE),
                new Op(
                        "CPU read of a device page (migrate_to_ram)",
                        onDevice,
                        w -> command(w.world.parent.cpuRead(ANON + 2 * PAGE, new byte[8], 0, 8)),
                        ANON + 2 * PAGE,
                        1,
                        Trace.NONE,
                        Effect.NONE),
                new Op(
                        "device read of one swapped page",
                        none,
                        w -> w.mirror.read(ANON + 8 * PAGE, 1, new byte[(int) PAGE]),
                        ANON + 8 * PAGE,
                        1,
                        Trace.NONE,
                        Effect.NONE),
                new Op(
                        "device write of one untouched page",
                        none,
                        w -> w.mirror.write(ANON + 13 * PAGE, 1, filled(1, 0x66)),
                        ANON + 13 * PAGE,
                        1,
                        Trace.NONE,
                        Effect.fill(0x66)),
                new Op(
                        "device read of swapped pages",
                        none,
                        w -> w.mirror.read(ANON + 8 * PAGE, 2, new byte[2 * (int) PAGE]),
                        ANON + 8 * PAGE,
                        2,
                        Trace.PARTIAL,
                        Effect.NONE),
                new Op(
                        "device write of untouched pages",
                        none,
                        w -> w.mirror.write(ANON + 12 * PAGE, 4, filled(4, 0x77)),
                        ANON + 12 * PAGE,
                        4,
                        Trace.PARTIAL,
                        Effect.fill(0x77)),
                new Op(
                        "device write of pages shared copy-on-write",
                        none,
                        w -> w.mirror.write(ANON, 4, filled(4, 0x55)),
                        ANON,
                        4,
                        Trace.PARTIAL,
                        Effect.fill(0x55)),
                new Op(
                        "device exclusive of pages shared copy-on-write",
                        none,
                        w -> w.mirror.exclusive(ANON, 4),
                        ANON,
                        4,
                        Trace.PARTIAL,
                        Effect.NONE),
                new Op(
                        "device atomic add over untouched pages",
                        none,
                        w -> w.mirror.atomicAdd(ANON + 12 * PAGE, 2, 1),
                        ANON + 12 * PAGE,
                        2,
                        Trace.PARTIAL,
                        Effect.add(1)));
    }

    /**
     * Fails the k-th frame allocation, then the k-th device-memory allocation, the command makes
     * (every k with {@code -Dreliability.faultPoints=all}, else the sample of
     * {@link InjectionWorld#faultPoints}).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void completesOrLeavesNoTrace(Op op) {
        long[] made = run(op, null, -1);
        for (long k : InjectionWorld.faultPoints(made[0])) {
            run(op, Pool.FRAMES, k);
        }
        for (long k : InjectionWorld.faultPoints(made[1])) {
            run(op, Pool.DEVICE, k);
        }
        synchronized (DeviceFaultInjectionTest.class) {
            allocationPoints += made[0] + made[1];
        }
    }

    /** One run on a fresh world failing allocation k of pool (none if pool is null); returns the frame and device allocations made. */
    private static long[] run(Op op, Pool pool, long k) {
        try (DeviceWorld w = new DeviceWorld()) {
            // Step 1: set up, capture everything, then fail exactly the k-th allocation of the pool.
            op.setup().accept(w);
            Host host = w.world.host;
            HostState before = HostState.capture(host, w.world.files());
            Map<String, Long> entriesBefore = cpuEntries(host);
            PhysicalMemory mem = host.memory();
            long frameBase = mem.allocationCount();
            long deviceBase = w.gpu.allocationCount();
            mem.setAllocationFailureHook(pool == Pool.FRAMES ? serial -> serial == frameBase + k : null);
            w.gpu.setAllocationFailureHook(pool == Pool.DEVICE ? serial -> serial == deviceBase + k : null);
            DeviceCommand c = op.command().apply(w);
            mem.setAllocationFailureHook(null);
            w.gpu.setAllocationFailureHook(null);
            long[] made = {mem.allocationCount() - frameBase, w.gpu.allocationCount() - deviceBase};
            synchronized (DeviceFaultInjectionTest.class) {
                runs++;
            }
            String what = op
                    + (pool == null
                            ? " (no failure injected)"
                            : " (" + pool + " allocation " + k + " of " + made[pool.ordinal()] + " failed): " + c);
            // Step 2: without an injected failure the command completes.
            if (pool == null) {
                assertEquals(Errno.OK, c.result(), what);
            }
            // Step 3: the oracle holds and the device uses exactly the device pages the CPU maps.
            OracleReport report = SafetyOracle.check(w.mirror);
            assertTrue(report.isClean(), () -> what + ": " + report);
            assertEquals(devicePagesMapped(host, w.gpu), w.gpu.usedPages(), what + ": device pages in use vs mapped");
            // Step 4: what the command did not finish left no trace.
            if (op.trace() == Trace.NONE) {
                if (!c.isOk()) {
                    assertEquals(
                            "",
                            before.diff(HostState.capture(host, w.world.files())),
                            what + ": failed but left a trace");
                }
            } else {
                checkOutsideRangeUnchanged(op, entriesBefore, cpuEntries(host), what);
            }
            // Step 5: every page reads what it should, then nothing is lost once all exit.
            checkContents(w, op, c, what);
            assertEquals(0, w.world.lostFramesAfterExit(), what + ": frames lost");
            assertEquals(0, host.swap().usedSlots(), what + ": swap slots lost");
            assertEquals(0, w.gpu.usedPages(), what + ": device pages lost");
            assertEquals(w.gpu.allocatedPages(), w.gpu.freedPages(), what + ": device pages allocated vs freed");
            return made;
        }
    }

    /**
     * Outside the command's range no CPU entry of any address space changed; inside it, for a
     * migration, each entry is as before or moved between system memory and the device.
     */
    private static void checkOutsideRangeUnchanged(
            Op op, Map<String, Long> before, Map<String, Long> after, String what) {
        long end = op.start() + op.pages() * PAGE;
        Set<String> keys = new HashSet<>(before.keySet());
        keys.addAll(after.keySet());
        // A 2 MiB entry may be split on the way (a huge page migrated as 512 base pages when no
        // device folio is free, migrate_vma_split_pages); the contents check covers its pages.
        Set<Long> split = new HashSet<>();
        for (Map<String, Long> m : List.of(before, after)) {
            m.forEach((key, e) -> {
                if (PteLayout.isHuge(e)) {
                    split.add(Long.parseLong(key.substring(key.indexOf("0x") + 2), 16) & -PMD);
                }
            });
        }
        for (String key : keys) {
            long va = Long.parseLong(key.substring(key.indexOf("0x") + 2), 16);
            Long b = before.get(key);
            Long a = after.get(key);
            if (b != null && b.equals(a)) {
                continue;
            }
            boolean inRange = va >= (op.start() & -PMD) && va < end; // a PMD entry is keyed by its 2 MiB start
            if (!inRange) {
                fail(what + ": " + key + " changed outside the range: " + describe(b) + " -> " + describe(a));
            }
            if (op.trace() == Trace.PAGES_MOVED
                    && !split.contains(va & -PMD)
                    && isDevicePrivate(b) == isDevicePrivate(a)) {
                fail(what + ": " + key + " neither moved nor stayed: " + describe(b) + " -> " + describe(a));
            }
        }
    }

    private static boolean isDevicePrivate(Long e) {
        return e != null && PteLayout.isDevicePrivate(e);
    }

    private static String describe(Long e) {
        return e == null ? "none" : PteLayout.describe(e);
    }

    private static void checkContents(DeviceWorld w, Op op, DeviceCommand c, String what) {
        Map<String, byte[]> now = w.world.readAll();
        long done = op.effect().equals(Effect.NONE) ? 0 : c.cpages();
        for (Map.Entry<String, byte[]> e : now.entrySet()) {
            String role = e.getKey().substring(0, e.getKey().indexOf('@'));
            long va = Long.parseLong(e.getKey().substring(e.getKey().indexOf('@') + 3), 16);
            byte[] expected = reference.get(e.getKey());
            if (expected == null) {
                fail(what + ": no expected contents for " + e.getKey());
            }
            if (role.equals("parent") && va >= op.start() && va < op.start() + done * PAGE) {
                expected = op.effect().apply(expected);
            }
            assertArrayEquals(expected, e.getValue(), what + ": contents of " + e.getKey());
        }
    }

    /** Every populated CPU entry of every live address space, keyed {@code mm 0xva} (a PMD leaf at its 2 MiB start). */
    static Map<String, Long> cpuEntries(Host host) {
        Map<String, Long> out = new TreeMap<>();
        for (AddressSpace mm : host.addressSpaces()) {
            CpuPageTable pt = mm.pageTable();
            for (Vma v : mm.vmas()) {
                long va = pt.nextPopulated(v.start(), v.end());
                while (va < v.end()) {
                    long e = pt.get(va);
                    out.put(mm + " 0x" + Long.toHexString(va), e);
                    va = pt.nextPopulated(
                            Math.min(v.end(), PteLayout.isHuge(e) ? (va & -PMD) + PMD : va + PAGE), v.end());
                }
            }
        }
        return out;
    }

    /** The distinct device pages of {@code gpu} named by a CPU entry of any live address space. */
    static long devicePagesMapped(Host host, DmirrorDevice gpu) {
        Set<Long> pfns = new HashSet<>();
        for (Long e : cpuEntries(host).values()) {
            if (PteLayout.isDevicePrivate(e) && gpu.ownsPfn(PteLayout.pfn(e))) {
                long n = PteLayout.isHuge(e) ? PMD / PAGE : 1;
                for (long i = 0; i < n; i++) {
                    pfns.add(PteLayout.pfn(e) + i);
                }
            }
        }
        return pfns.size();
    }

    private static DeviceCommand command(Errno e) {
        return new DeviceCommand(e, 0, 0);
    }

    private static byte[] filled(int pages, int value) {
        byte[] b = new byte[pages * (int) PAGE];
        Arrays.fill(b, (byte) value);
        return b;
    }
}

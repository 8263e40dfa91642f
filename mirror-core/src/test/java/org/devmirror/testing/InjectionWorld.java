package org.devmirror.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;

/**
 * A small machine in a fixed, deterministic state that exercises every kind of page a host
 * operation can meet: private anonymous pages (some shared copy-on-write with a forked child,
 * some swapped out, some never touched), a PMD-mapped huge page shared with the child, 4 KiB pages
 * in a 2 MiB region that can be collapsed, a cached file mapped shared and private (one page
 * already copied on write), and an uncached file mapped shared and private. Both address spaces
 * have a recording subscriber, so every operation raises its invalidations.
 *
 * <p>Built twice it is the same twice, so the expected contents of every page can be read once
 * from a reference copy ({@link #readAll}) and compared after an operation ran on another copy.
 */
public final class InjectionWorld implements AutoCloseable {
    public static final long PAGE = Host.PAGE_SIZE;
    public static final long PMD = Host.PMD_SIZE;
    /** 16 private anonymous pages: 0..11 written (values repeat every 4, for KSM), 8..9 swapped, 12..15 untouched. */
    public static final long ANON = 0x1000_0000L;

    public static final long ANON_PAGES = 16;
    /** A 2 MiB huge page (MapFlags.HUGEPAGE), filled. */
    public static final long HUGE = 0x4000_0000L;
    /** A 2 MiB region of 4 KiB pages, the first 8 written: what MADV_COLLAPSE works on. */
    public static final long SMALL = 0x4040_0000L;
    /** The cached file "data" (8 pages), mapped shared; pages 0..1 written through the mapping. */
    public static final long FILE_SHARED = 0x5000_0000L;
    /** The same file mapped private; page 4 read in, page 5 copied on write. */
    public static final long FILE_PRIVATE = 0x5100_0000L;
    /** The uncached file "cold" (4 pages), mapped shared. */
    public static final long COLD_SHARED = 0x5200_0000L;
    /** The same uncached file mapped private. */
    public static final long COLD_PRIVATE = 0x5300_0000L;

    public final Host host;
    public final AddressSpace parent;
    public final AddressSpace child;
    public final MemoryObject data;
    public final MemoryObject cold;
    public final long bootFreeFrames;

    public InjectionWorld() {
        host = new Host(new HostConfig(4096, 256, true, true));
        bootFreeFrames = host.memory().freeFrames();
        parent = host.newAddressSpace();
        RecordingSubscriber.attach(parent);
        map(parent, ANON, ANON_PAGES * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        for (int i = 0; i < 12; i++) {
            ok(parent.cpuFill(ANON + i * PAGE, PAGE, (byte) (0x10 + i % 4)));
        }
        assertEquals(2, parent.reclaim(ANON + 8 * PAGE, 2 * PAGE));
        map(parent, HUGE, PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGEPAGE);
        ok(parent.cpuFill(HUGE, PMD, (byte) 0x5a));
        map(parent, SMALL, PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        for (int i = 0; i < 8; i++) {
            ok(parent.cpuFill(SMALL + i * PAGE, PAGE, (byte) (0x60 + i)));
        }
        data = host.newFile("data", 8 * PAGE);
        byte[] page = new byte[(int) PAGE];
        for (int i = 0; i < 8; i++) {
            java.util.Arrays.fill(page, (byte) (0x30 + i));
            ok(data.pwrite(i * PAGE, page, 0, page.length));
        }
        mapFile(parent, FILE_SHARED, 8 * PAGE, MapFlags.SHARED, data);
        ok(parent.cpuFill(FILE_SHARED, 2 * PAGE, (byte) 0x41));
        mapFile(parent, FILE_PRIVATE, 8 * PAGE, MapFlags.PRIVATE, data);
        ok(parent.cpuFault(FILE_PRIVATE + 4 * PAGE, false));
        ok(parent.cpuFill(FILE_PRIVATE + 5 * PAGE, PAGE, (byte) 0x42));
        cold = host.newFile("cold", 4 * PAGE);
        mapFile(parent, COLD_SHARED, 4 * PAGE, MapFlags.SHARED, cold);
        mapFile(parent, COLD_PRIVATE, 4 * PAGE, MapFlags.PRIVATE, cold);
        child = parent.fork();
        RecordingSubscriber.attach(child);
    }

    public List<MemoryObject> files() {
        return List.of(data, cold);
    }

    /** "parent", "child", or "fork" for an address space forked by the operation under test. */
    public String role(AddressSpace mm) {
        return mm == parent ? "parent" : mm == child ? "child" : "fork";
    }

    /**
     * The bytes every readable page of every live address space shows the CPU, keyed
     * {@code role@0xva}. Reading faults pages in: call it only on a copy whose state no longer
     * matters.
     */
    public Map<String, byte[]> readAll() {
        Map<String, byte[]> out = new HashMap<>();
        for (AddressSpace mm : host.addressSpaces()) {
            for (Vma v : mm.vmas()) {
                if ((v.prot() & Prot.READ) == 0) {
                    continue;
                }
                for (long va = v.start(); va < v.end(); va += PAGE) {
                    byte[] b = new byte[(int) PAGE];
                    ok(mm.cpuRead(va, b, 0, b.length));
                    out.put(key(role(mm), va), b);
                }
            }
        }
        return out;
    }

    /** Exits every address space and returns the frames not accounted for (0 when none was lost). */
    public long lostFramesAfterExit() {
        for (AddressSpace mm : new ArrayList<>(host.addressSpaces())) {
            mm.exit();
        }
        return bootFreeFrames
                - data.cachedPages()
                - cold.cachedPages()
                - host.memory().freeFrames();
    }

    public static String key(String role, long va) {
        return role + "@0x" + Long.toHexString(va);
    }

    /**
     * The allocations to fail one at a time, of the {@code made} an operation makes: every one
     * with {@code -Dreliability.faultPoints=all}, else the first eight, the last and eight spread
     * in between.
     */
    public static long[] faultPoints(long made) {
        if ("all".equals(System.getProperty("reliability.faultPoints"))) {
            return LongStream.range(0, made).toArray();
        }
        LongStream first = LongStream.range(0, Math.min(made, 8));
        LongStream spread =
                made > 8 ? LongStream.rangeClosed(1, 8).map(i -> 8 + (made - 9) * i / 8) : LongStream.empty();
        return LongStream.concat(first, spread).distinct().toArray();
    }

    @Override
    public void close() {
        host.close();
    }

    private static void map(AddressSpace mm, long addr, long len, int prot, int flags) {
        assertEquals(addr, mm.mmap(addr, len, prot, flags | MapFlags.FIXED));
    }

    private static void mapFile(AddressSpace mm, long addr, long len, int flags, MemoryObject file) {
        assertEquals(addr, mm.mmap(addr, len, Prot.RW, flags | MapFlags.FIXED, file, 0));
    }

    private static void ok(Errno e) {
        assertEquals(Errno.OK, e);
    }
}

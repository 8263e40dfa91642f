package org.devmirror.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Host;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.Vma;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.mm.phys.SwapDevice;

/**
 * Everything a host operation could leave behind, captured at a quiescent point: each live address
 * space's VMAs and every CPU page-table entry, every frame's refcount, mapcount and (for frames in
 * use) contents, the swap map, and the files' page caches. Two captures are equal exactly when
 * no trace of anything that happened between them remains; {@link #diff} names the first
 * differences.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Captured with no other thread using the host. Reads only: takes each address space's mmap
 * lock for read through its public accessors, allocates no frame.
 */
public final class HostState {
    private final List<String> spaces = new ArrayList<>();
    private final TreeMap<String, Long> entries = new TreeMap<>();
    private final int[] refcounts;
    private final int[] mapcounts;
    private final long[] contentCrcs;
    private final int[] slotRefcounts;
    private final List<String> files = new ArrayList<>();
    private final long[] cachedPages;
    private final long freeFrames;

    private HostState(Host host, List<MemoryObject> fileList) {
        for (AddressSpace mm : host.addressSpaces()) {
            List<Vma> vmas = mm.vmas();
            spaces.add(mm + " " + vmas);
            CpuPageTable pt = mm.pageTable();
            for (Vma v : vmas) {
                long va = v.start();
                while (va < v.end()) {
                    va = pt.nextPopulated(va, v.end());
                    if (va >= v.end()) {
                        break;
                    }
                    long e = pt.get(va);
                    entries.put(mm + " 0x" + Long.toHexString(va), e);
                    va = PteLayout.isHuge(e) ? (va & -Host.PMD_SIZE) + Host.PMD_SIZE : va + Host.PAGE_SIZE;
                }
            }
        }
        PhysicalMemory mem = host.memory();
        int frames = Math.toIntExact(mem.frameCount());
        refcounts = new int[frames];
        mapcounts = new int[frames];
        contentCrcs = new long[frames];
        byte[] page = new byte[(int) Host.PAGE_SIZE];
        CRC32 crc = new CRC32();
        for (int pfn = 0; pfn < frames; pfn++) {
            refcounts[pfn] = mem.refcount(pfn);
            mapcounts[pfn] = mem.mapcount(pfn);
            if (mem.refcount(mem.headOf(pfn)) > 0) {
                mem.read(pfn, 0, page, 0, page.length);
                crc.reset();
                crc.update(page);
                contentCrcs[pfn] = crc.getValue();
            }
        }
        SwapDevice swap = host.swap();
        slotRefcounts = new int[Math.toIntExact(swap.slots())];
        for (int s = 0; s < slotRefcounts.length; s++) {
            slotRefcounts[s] = swap.slotRefcount(s);
        }
        cachedPages = new long[fileList.size()];
        for (int i = 0; i < cachedPages.length; i++) {
            cachedPages[i] = fileList.get(i).cachedPages();
        }
        for (MemoryObject f : fileList) {
            byte[] all = new byte[Math.toIntExact(f.size())];
            f.pread(0, all, 0, all.length);
            crc.reset();
            crc.update(all);
            files.add(f.name() + " dirty=" + f.dirtyPages() + " crc=" + Long.toHexString(crc.getValue()));
        }
        freeFrames = mem.freeFrames();
    }

    /** Captures the host's state; {@code files} are the memory objects to include. */
    public static HostState capture(Host host, List<MemoryObject> files) {
        return new HostState(host, files);
    }

    /** The first differences between this capture and {@code other} (at most a dozen lines), or "" if none. */
    public String diff(HostState other) {
        return diff(other, false);
    }

    /**
     * As {@link #diff(HostState)}, except that with {@code allowPageCacheGrowth} pages a file's
     * page cache gained (a new frame with one reference and no mapping per page, contents of the
     * file unchanged) are not a difference: filemap_fault keeps a page it read in even when the
     * fault then fails, as the kernel does.
     */
    public String diff(HostState other, boolean allowPageCacheGrowth) {
        List<String> out = new ArrayList<>();
        if (!spaces.equals(other.spaces)) {
            out.add("address spaces: " + spaces + " -> " + other.spaces);
        }
        if (!entries.equals(other.entries)) {
            for (var e : entries.entrySet()) {
                Long now = other.entries.get(e.getKey());
                if (!e.getValue().equals(now)) {
                    out.add(e.getKey() + ": " + PteLayout.describe(e.getValue()) + " -> "
                            + (now == null ? "none" : PteLayout.describe(now)));
                }
            }
            for (var e : other.entries.entrySet()) {
                if (!entries.containsKey(e.getKey())) {
                    out.add(e.getKey() + ": none -> " + PteLayout.describe(e.getValue()));
                }
            }
        }
        long grown = 0;
        for (int i = 0; i < cachedPages.length; i++) {
            long d = other.cachedPages[i] - cachedPages[i];
            if (d != 0 && !(allowPageCacheGrowth && d > 0)) {
                out.add("file " + i + " cached pages " + cachedPages[i] + " -> " + other.cachedPages[i]);
            }
            grown += Math.max(0, d);
        }
        long newCacheFrames = 0;
        for (int pfn = 0; pfn < refcounts.length && out.size() < 12; pfn++) {
            if (refcounts[pfn] != other.refcounts[pfn] || mapcounts[pfn] != other.mapcounts[pfn]) {
                if (allowPageCacheGrowth
                        && refcounts[pfn] == 0
                        && other.refcounts[pfn] == 1
                        && other.mapcounts[pfn] == 0
                        && newCacheFrames < grown) {
                    newCacheFrames++;
                    continue;
                }
                out.add("pfn " + pfn + ": refcount " + refcounts[pfn] + " -> " + other.refcounts[pfn] + ", mapcount "
                        + mapcounts[pfn] + " -> " + other.mapcounts[pfn]);
            } else if (contentCrcs[pfn] != other.contentCrcs[pfn]) {
                out.add("pfn " + pfn + ": contents changed");
            }
        }
        if (!Arrays.equals(slotRefcounts, other.slotRefcounts)) {
            out.add("swap map changed: used "
                    + Arrays.stream(slotRefcounts).filter(r -> r != 0).count() + " -> "
                    + Arrays.stream(other.slotRefcounts).filter(r -> r != 0).count());
        }
        if (!files.equals(other.files)) {
            out.add("files: " + files + " -> " + other.files);
        }
        if (freeFrames - newCacheFrames != other.freeFrames) {
            out.add("free frames: " + freeFrames + " -> " + other.freeFrames);
        }
        return String.join("\n", out.subList(0, Math.min(out.size(), 12)));
    }
}

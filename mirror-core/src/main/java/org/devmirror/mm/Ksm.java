package org.devmirror.mm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models KSM (mm/ksm.c) run once over a range, as ksmd would after {@code MADV_MERGEABLE}:
 * pages with identical contents are merged into one read-only KSM page. For each page that is
 * merged, {@code write_protect_page} raises CLEAR over it (whatever its entry's state; only if
 * the entry was writable or dirty under {@link InvalidationRanges#NARROWED}), and for each duplicate {@code replace_page} raises CLEAR over it and maps the KSM page instead;
 * the duplicate frame is freed. A later write copies (CLEAR, {@code wp_page_copy}).
 *
 * <p>Only private anonymous 4 KiB pages mapped exactly once are merged (pages shared with a fork
 * relative are left alone, which the kernel would merge too); existing KSM pages in the range
 * serve as merge targets.
 *
 * <h2>Locking</h2>
 * Runs with the mmap write lock.
 */
final class Ksm {
    private Ksm() {}

    static long merge(AddressSpace mm, long addr, long length) {
        long end = UserRange.end("addr", addr, "length", length);
        mm.lockForWrite();
        try {
            return mergeLocked(mm, addr, end);
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    static long mergeLocked(AddressSpace mm, long start, long end) {
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        CpuPageTable pt = mm.pageTable();
        // content hash -> candidate addresses, in address order
        Map<Long, List<Long>> byHash = new HashMap<>();
        PageWalk walk = new PageWalk(pt);
        for (Vma v : mm.vmasIn(start, end)) {
            if (v.isShared()) {
                continue;
            }
            walk.reset(Math.max(start, v.start), Math.min(end, v.end));
            while (walk.next()) {
                long pte = walk.entry();
                // get_mergeable_page: folio_is_zone_device pages are never merged
                if (PteLayout.isPresent(pte)
                        && !PteLayout.isHuge(pte)
                        && !PteLayout.isSpecial(pte)
                        && !mem.isZoneDevice(PteLayout.pfn(pte))) {
                    long pfn = PteLayout.pfn(pte);
                    Object mapping = host.rmap().mappingOf(pfn);
                    boolean exclusiveAnon =
                            mapping instanceof AnonVma && mem.mapcount(pfn) == 1 && mem.refcount(pfn) == 1;
                    if (exclusiveAnon || mapping instanceof KsmStable) {
                        byHash.computeIfAbsent(hash(mem, pfn), h -> new ArrayList<>())
                                .add(walk.va());
                    }
                }
            }
        }
        long merged = 0;
        for (List<Long> group : byHash.values()) {
            while (group.size() > 1) {
                long target = group.remove(stableIndex(host, pt, group));
                long targetPfn = PteLayout.pfn(pt.get(target));
                for (int i = 0; i < group.size(); ) {
                    long va = group.get(i);
                    long pfn = PteLayout.pfn(pt.get(va));
                    if (pfn != targetPfn
                            && mem.framesEqual(pfn, targetPfn)
                            && !(host.rmap().mappingOf(pfn) instanceof KsmStable)) {
                        KsmStable node = stableNode(mm, target, targetPfn);
                        replace(mm, va, pfn, targetPfn, node);
                        merged++;
                        group.remove(i);
                    } else {
                        i++;
                    }
                }
            }
        }
        return merged;
    }

    /**
     * The page every other page of the group merges into: an existing KSM page
     * ({@code stable_tree_search} finds it first), else the second page in scan order. ksmd scans
     * in address order: the first page goes into the unstable tree, the second finds it there and
     * {@code try_to_merge_two_pages(rmap_item, page, tree_rmap_item, tree_page)} makes the
     * scanned page (the second) the KSM page and replaces the tree page (the first) with it.
     */
    private static int stableIndex(Host host, CpuPageTable pt, List<Long> group) {
        for (int i = 0; i < group.size(); i++) {
            if (host.rmap().mappingOf(PteLayout.pfn(pt.get(group.get(i)))) instanceof KsmStable) {
                return i;
            }
        }
        return 1;
    }

    /** The KSM node of the page at addr, turning it into a KSM page (write-protected) on first use. */
    private static KsmStable stableNode(AddressSpace mm, long addr, long pfn) {
        PageMapping rmap = mm.host().rmap();
        if (rmap.mappingOf(pfn) instanceof KsmStable node) {
            return node;
        }
        writeProtect(mm, addr);
        KsmStable node = new KsmStable();
        node.add(mm, addr);
        rmap.setKsm(pfn, node);
        return node;
    }

    /**
     * {@code write_protect_page}: CLEAR over the page, whatever the entry's state (the kernel
     * starts the range before it looks at the PTE), then the entry is made read-only and clean if
     * it was writable or dirty. Under {@link InvalidationRanges#NARROWED} the CLEAR is raised only
     * when the entry changes.
     */
    private static void writeProtect(AddressSpace mm, long addr) {
        CpuPageTable pt = mm.pageTable();
        long e = pt.get(addr);
        boolean changes = PteLayout.isWrite(e) || PteLayout.isDirty(e);
        if (!changes && mm.notify.narrowed()) {
            return;
        }
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, addr, addr + Host.PAGE_SIZE, null);
        mm.ptl.lock();
        try {
            if (changes) {
                pt.set(addr, PteLayout.mkClean(PteLayout.wrProtect(e)));
            }
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    /** {@code replace_page}: CLEAR over the page, which then maps the KSM page read-only. */
    private static void replace(AddressSpace mm, long addr, long pfn, long ksmPfn, KsmStable node) {
        PhysicalMemory mem = mm.host().memory();
        CpuPageTable pt = mm.pageTable();
        writeProtect(mm, addr);
        long e = pt.get(addr);
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, addr, addr + Host.PAGE_SIZE, null);
        mm.ptl.lock();
        try {
            mem.get(ksmPfn);
            mem.incMapcount(ksmPfn);
            pt.set(addr, PteLayout.present(ksmPfn, PteLayout.READ | PteLayout.ACCESSED | (e & PteLayout.SOFT_DIRTY)));
            mem.decMapcount(pfn);
            mem.put(pfn);
            node.add(mm, addr);
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    /** A content hash over the frame's 512 words. */
    private static long hash(PhysicalMemory mem, long pfn) {
        long h = 0x9E3779B97F4A7C15L;
        for (int off = 0; off < Host.PAGE_SIZE; off += Long.BYTES) {
            h = (h ^ mem.getLong(pfn, off)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }
}

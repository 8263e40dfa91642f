package org.devmirror.reliability;

import static org.devmirror.reliability.MirrorWorld.PAGE;
import static org.devmirror.reliability.ModelOp.cut;
import static org.devmirror.reliability.ModelOp.hex;
import static org.devmirror.reliability.ModelOp.pagesOf;
import static org.devmirror.reliability.ModelOp.prot;
import static org.devmirror.reliability.ModelOp.range;
import static org.devmirror.reliability.ModelOp.slotBase;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.PagemapScan;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Uffd;
import org.devmirror.reliability.MirrorWorld.Space;
import org.devmirror.reliability.ModelOp.Range;

/** The host operations of a random sequence: every operation of the host API. */
@SuppressWarnings(
        "EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices
// never leave the process
final class HostOps {
    private HostOps() {}

    static final int[] PROTS = {Prot.RW, Prot.RW, Prot.READ, Prot.NONE};

    /** Fails the sequence: the host did not do what the model predicts. */
    static AssertionError mismatch(MirrorWorld w, String what) {
        return new AssertionError(what);
    }

    /**
     * Whether an ENOMEM from a MAP_FIXED mmap or a munmap is the host's documented refusal: the
     * split of a huge page shared with a fork copies it ({@code HugeMemory.splitPmd}, where the
     * kernel would PTE-map the shared folio instead), and the world's 16 MiB cannot hold the
     * copy. The call then changed nothing the model predicts, so the sequence goes on with the
     * old mapping. A CPU write whose fault finds no free frame (the host does not reclaim to make
     * one, where the kernel would) is refused the same way, with nothing written. Any other
     * ENOMEM is still a mismatch.
     */
    static boolean refusedForFrames(MirrorWorld w, long result) {
        return result == -Errno.ENOMEM.code() && w.host.memory().freeFrames() < Host.PMD_PAGES;
    }

    static Errno expectResult(MirrorWorld w, String what, Errno expected, Errno actual) {
        if (expected != actual) {
            throw mismatch(w, what + " returned " + actual + ", the model expects " + expected);
        }
        return actual;
    }

    /** {@code mmap(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)} of a slot, 2 MiB with the huge hint. */
    record Mmap(int space, int slot, int pagesRaw, int protSel, boolean huge) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            long addr = slotBase(slot);
            int pages = huge ? 512 : 1 + Math.floorMod(pagesRaw, 24);
            int prot = PROTS[Math.floorMod(protSel, PROTS.length)];
            int flags = MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED | (huge ? MapFlags.HUGEPAGE : 0);
            w.log(
                    s,
                    "mmap " + pages + "p " + prot(prot) + " private anon fixed" + (huge ? " huge" : "") + " at "
                            + hex(addr));
            long r = s.mm.mmap(addr, pages * PAGE, prot, flags);
            if (refusedForFrames(w, r)) {
                return new Step(Errno.ENOMEM.name(), 0, 0);
            }
            if (r != addr) {
                throw mismatch(w, "mmap fixed at " + hex(addr) + " returned " + r);
            }
            cut(s, addr, addr + pages * PAGE);
            for (int i = 0; i < pages; i++) {
                s.pages.put(addr + i * PAGE, new PageModel(prot, new PageModel.Cell(0), -1));
            }
            return new Step("OK", pages, 0);
        }
    }

    /** {@code mmap(MAP_SHARED | MAP_FIXED)} of part of the world's file. */
    record MmapFile(int space, int slot, int pagesRaw, int offRaw) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            long addr = slotBase(slot);
            int pages = 1 + Math.floorMod(pagesRaw, 8);
            long fileOff = Math.floorMod(offRaw, MirrorWorld.FILE_PAGES - pages + 1);
            w.log(s, "mmap " + pages + "p rw shared file f offset " + fileOff + "p fixed at " + hex(addr));
            long r = s.mm.mmap(addr, pages * PAGE, Prot.RW, MapFlags.SHARED | MapFlags.FIXED, w.file, fileOff * PAGE);
            if (refusedForFrames(w, r)) {
                return new Step(Errno.ENOMEM.name(), 0, 0);
            }
            if (r != addr) {
                throw mismatch(w, "mmap of the file at " + hex(addr) + " returned " + r);
            }
            cut(s, addr, addr + pages * PAGE);
            for (int i = 0; i < pages; i++) {
                s.pages.put(addr + i * PAGE, new PageModel(Prot.RW, w.fileCells[(int) fileOff + i], fileOff + i));
            }
            return new Step("OK", pages, 0);
        }
    }

    record Munmap(int space, int slot, int offRaw, int lenRaw) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            Range r = range(s, slot, offRaw, lenRaw);
            w.log(s, "munmap " + r.text());
            Errno e = s.mm.munmap(r.addr(), r.pages() * PAGE);
            if (refusedForFrames(w, -e.code())) {
                return new Step(e.name(), 0, 0);
            }
            expectResult(w, "munmap " + r.text(), Errno.OK, e);
            cut(s, r.addr(), r.end());
            return new Step("OK", r.pages(), 0);
        }
    }

    record Mprotect(int space, int slot, int offRaw, int lenRaw, int protSel) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            Range r = range(s, slot, offRaw, lenRaw);
            int prot = PROTS[Math.floorMod(protSel, PROTS.length)];
            w.log(s, "mprotect " + r.text() + " " + prot(prot));
            List<PageModel> pages = pagesOf(s, r);
            Errno expected = pages.contains(null) ? Errno.ENOMEM : Errno.OK; // a hole: nothing changes
            Errno actual =
                    expectResult(w, "mprotect " + r.text(), expected, s.mm.mprotect(r.addr(), r.pages() * PAGE, prot));
            if (actual == Errno.OK) {
                for (int i = 0; i < r.pages(); i++) {
                    s.pages.put(r.addr() + i * PAGE, pages.get(i).withProt(prot));
                }
            }
            return new Step(actual.name(), 0, 0);
        }
    }

    record Madvise(int space, int slot, int offRaw, int lenRaw, int adviceSel) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            Range r = range(s, slot, offRaw, lenRaw);
            Advice advice = Advice.values()[Math.floorMod(adviceSel, Advice.values().length)];
            w.log(s, "madvise " + r.text() + " " + advice.name().toLowerCase(java.util.Locale.ROOT));
            Errno e = s.mm.madvise(r.addr(), r.pages() * PAGE, advice);
            if (e == Errno.OK || e == Errno.ENOMEM) { // ENOMEM: a hole, the mapped parts were advised
                for (PageModel p : pagesOf(s, r)) {
                    if (p == null || p.shared()) {
                        continue; // DONTNEED on a shared file page drops the mapping, not the data
                    }
                    if (advice == Advice.DONTNEED) {
                        p.cell.store(0);
                    } else if (advice == Advice.FREE) {
                        p.cell.mayBeDiscarded(); // kept until reclaim discards it, then zero
                    }
                }
            }
            return new Step(e.name(), 0, 0);
        }
    }

    /** {@code mremap(MREMAP_MAYMOVE | MREMAP_FIXED)} of a range to the same offset in another slot. */
    record Mremap(int space, int slot, int offRaw, int lenRaw, int toSlotRaw) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            Range r = range(s, slot, offRaw, lenRaw);
            int toSlot = Math.floorMod(toSlotRaw, MirrorWorld.SLOTS);
            if (slotBase(toSlot) == slotBase(slot)) {
                toSlot = (toSlot + 1) % MirrorWorld.SLOTS;
            }
            long to = slotBase(toSlot) + (r.addr() - slotBase(slot));
            w.log(s, "mremap " + r.text() + " " + r.pages() + "p maymove fixed at " + hex(to));
            long res = s.mm.mremap(
                    r.addr(), r.pages() * PAGE, r.pages() * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, to);
            if (res >= 0) {
                if (res != to) {
                    throw mismatch(w, "mremap to " + hex(to) + " returned " + hex(res));
                }
                NavigableMap<Long, PageModel> moved = cut(s, r.addr(), r.end());
                cut(s, to, to + r.pages() * PAGE);
                for (Map.Entry<Long, PageModel> e : moved.entrySet()) {
                    s.pages.put(e.getKey() - r.addr() + to, e.getValue());
                }
                return new Step("OK", r.pages(), 0);
            }
            return new Step(Errno.fromReturn(res).name(), 0, 0);
        }
    }

    /** The CPU fills pages with a byte ({@code cpuFill}). */
    record CpuWrite(int space, int slot, int offRaw, int lenRaw, int value) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            Range r = range(s, slot, offRaw, lenRaw);
            int b = value & 0xff;
            w.log(s, "write " + r.text() + " fill " + hex(b));
            List<PageModel> pages = pagesOf(s, r);
            Errno expected = Errno.OK;
            int done = 0;
            for (PageModel p : pages) {
                if (p == null || !p.readable()) {
                    expected = Errno.EFAULT;
                    break;
                }
                if (!p.writable()) {
                    expected = Errno.EPERM;
                    break;
                }
                done++;
            }
            Errno actual = s.mm.cpuFill(r.addr(), r.pages() * PAGE, (byte) b);
            if (expected == Errno.OK && refusedForFrames(w, -actual.code())) {
                // A page of the range got no frame: AddressSpace's contract leaves every page as it was.
                return new Step(actual.name(), 0, 0);
            }
            expectResult(w, "CPU write " + r.text(), expected, actual);
            for (int i = 0; i < done; i++) {
                pages.get(i).cell.store(PageModel.fillWord(b)); // earlier pages are written, as copy_to_user would
            }
            return new Step(expected.name(), done, 0);
        }
    }

    /** The CPU reads pages and must see the model's contents. */
    record CpuRead(int space, int slot, int offRaw, int lenRaw) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            Range r = range(s, slot, offRaw, lenRaw);
            w.log(s, "read " + r.text());
            List<PageModel> pages = pagesOf(s, r);
            Errno expected = Errno.OK;
            for (PageModel p : pages) {
                if (p == null || !p.readable()) {
                    expected = Errno.EFAULT;
                    break;
                }
            }
            byte[] buf = new byte[r.pages() * (int) PAGE];
            expectResult(w, "CPU read " + r.text(), expected, s.mm.cpuRead(r.addr(), buf, 0, buf.length));
            if (expected == Errno.OK) {
                DeviceOps.compare(w, "CPU read", r, pages, buf);
            }
            return new Step(expected.name(), 0, 0);
        }
    }

    record Fork(int space) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            if (w.spaces.size() >= MirrorWorld.MAX_SPACES) {
                return new Step("skipped", 0, 0);
            }
            String name = w.newForkName();
            w.log(s, "fork " + name);
            AddressSpace child = s.mm.fork();
            TreeMap<Long, PageModel> pages = new TreeMap<>();
            for (Map.Entry<Long, PageModel> e : s.pages.entrySet()) {
                pages.put(e.getKey(), e.getValue().forkCopy());
            }
            w.spaces.add(new Space(name, child, pages));
            return new Step("OK", 0, 0);
        }
    }

    /** The process exits; its device files close after its address space is gone. */
    record Exit(int space) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            if (w.spaces.size() < 2) {
                return new Step("skipped", 0, 0);
            }
            Space s = w.space(space);
            w.log(s, "exit");
            s.mm.exit();
            for (int d = 0; d < MirrorWorld.DEVICES; d++) {
                if (s.mirrors[d] != null) {
                    s.mirrors[d].close();
                }
            }
            w.spaces.remove(s);
            return new Step("OK", 0, 0);
        }
    }

    /** Reclaim, compaction or KSM over a range: the data must survive whatever moved. */
    record Maintenance(int space, int slot, int offRaw, int lenRaw, int kind) implements ModelOp {
        @Override
        @SuppressWarnings(
                "RefactorSwitch") // each case logs, acts and returns; a switch expression with yield would read no
        // better
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            Range r = range(s, slot, offRaw, lenRaw);
            long len = r.pages() * PAGE;
            long n;
            switch (Math.floorMod(kind, 3)) {
                case 0 -> {
                    w.log(s, "reclaim " + r.text());
                    n = s.mm.reclaim(r.addr(), len);
                }
                case 1 -> {
                    w.log(s, "compact " + r.text());
                    n = s.mm.compact(r.addr(), len);
                }
                default -> {
                    w.log(s, "ksm " + r.text());
                    n = s.mm.ksmMerge(r.addr(), len);
                }
            }
            return new Step("OK", n, 0);
        }
    }

    /** THP collapse or split of a slot's first 2 MiB. */
    record Thp(int space, int slot, boolean collapse) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            long addr = slotBase(slot);
            w.log(s, "thp " + (collapse ? "collapse " : "split ") + hex(addr));
            Errno e = collapse ? s.mm.collapseHuge(addr) : s.mm.splitHuge(addr);
            return new Step(e.name(), 0, 0);
        }
    }

    /** clear_refs soft-dirty, the OOM reaper, or writeback of the file. */
    record Whole(int space, int kind) implements ModelOp {
        /** Which of the three operations {@code kind} selects: 0 clear_refs, 1 the OOM reaper, 2 writeback. */
        int operation() {
            return Math.floorMod(kind, 3);
        }

        /** Whether this is the OOM reaper. */
        boolean isOomReap() {
            return operation() == 1;
        }

        @Override
        @SuppressWarnings(
                "RefactorSwitch") // each case logs, acts and returns; a switch expression with yield would read no
        // better
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            switch (operation()) {
                case 0 -> {
                    w.log(s, "clear-soft-dirty");
                    return new Step(s.mm.clearSoftDirty().name(), 0, 0);
                }
                case 1 -> {
                    w.log(s, "oom-reap");
                    Errno e = s.mm.oomReap();
                    if (e == Errno.OK) {
                        for (PageModel p : s.pages.values()) {
                            if (!p.shared()) {
                                p.cell.store(0); // the reaper zapped every private page
                            }
                        }
                    }
                    return new Step(e.name(), 0, 0);
                }
                default -> {
                    w.log(s, "writeback f");
                    return new Step(s.mm.writeback(w.file).name(), 0, 0);
                }
            }
        }
    }

    /**
     * The emitters that raise PROTECTION_VMA while the VMA keeps its protection, none of which
     * changes a byte the model predicts: NUMA hinting ({@code change_prot_numa}), and async
     * userfaultfd write-protect of the range, un-protect, or {@code PAGEMAP_SCAN(WP_MATCHING)}
     * (the space's userfaultfd is opened with WP_ASYNC and the slot registered first, so writes go
     * on as the kernel resolves them).
     */
    record Hinting(int space, int slot, int offRaw, int lenRaw, int kind) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            Range r = range(s, slot, offRaw, lenRaw);
            long len = r.pages() * PAGE;
            int k = Math.floorMod(kind, 4);
            if (k == 0) {
                w.log(s, "numa-hint " + r.text());
                return new Step("OK", s.mm.changeProtNuma(r.addr(), len), 0);
            }
            // EINVAL once the space has one: that one is kept. Logged when it opens, so that the
            // printed scenario replays the registration that follows.
            if (s.mm.uffdApi(Uffd.FEATURE_WP_ASYNC) == Errno.OK) {
                w.log(s, "uffd open async");
            }
            Errno reg = s.mm.uffdRegister(r.addr(), len, Uffd.REGISTER_MODE_WP);
            w.log(s, "uffd register " + r.text() + " -> " + reg);
            Errno e = switch (k) {
                case 1 -> {
                    w.log(s, "uffd protect " + r.text());
                    yield s.mm.uffdWriteProtect(r.addr(), len, Uffd.WRITEPROTECT_MODE_WP);
                }
                case 2 -> {
                    w.log(s, "uffd unprotect " + r.text());
                    yield s.mm.uffdWriteProtect(r.addr(), len, 0);
                }
                default -> {
                    w.log(s, "pagemap-scan " + r.text() + " wp");
                    yield s.mm.pagemapScan(PagemapScan.writtenAndProtect(r.addr(), r.end()))
                            .result();
                }
            };
            return new Step(e.name(), 0, 0);
        }
    }
}

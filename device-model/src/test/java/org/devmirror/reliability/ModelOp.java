package org.devmirror.reliability;

import static org.devmirror.reliability.MirrorWorld.PAGE;
import static org.devmirror.reliability.MirrorWorld.SLOTS;
import static org.devmirror.reliability.MirrorWorld.SLOT_BASE;
import static org.devmirror.reliability.MirrorWorld.SLOT_SIZE;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.devmirror.reliability.MirrorWorld.Space;

/**
 * One generated operation of a random sequence. Its fields are small indices that are resolved
 * against the world when it runs (spaces and slots wrap around, offsets and lengths are taken
 * modulo the slot's extent), so every sequence — and every shrunk sequence — is runnable.
 *
 * <p>{@link #apply} runs the operation on a world, updates the world's page model, checks the
 * result the model predicts where the model can predict it, and returns what a differential
 * comparison looks at.
 */
interface ModelOp {
    /** What one step produced: the result, pages handled, and a hash of any bytes read. */
    record Step(String result, long cpages, long dataHash) {}

    Step apply(MirrorWorld w);

    /** Pages mapped in the slot counted from its base, or 16 when it is empty. */
    static long extent(Space s, int slot) {
        long base = slotBase(slot);
        Map.Entry<Long, PageModel> last = s.pages.lowerEntry(base + SLOT_SIZE);
        if (last == null || last.getKey() < base) {
            return 16;
        }
        return ((last.getKey() - base) / PAGE) + 1;
    }

    static long slotBase(int slot) {
        return SLOT_BASE + Math.floorMod(slot, SLOTS) * SLOT_SIZE;
    }

    /** The page range [addr, addr + len pages) an op's raw offset and length select. */
    record Range(long addr, int pages) {
        long end() {
            return addr + pages * PAGE;
        }

        String text() {
            return "0x" + Long.toHexString(addr) + " " + pages + "p";
        }
    }

    static Range range(Space s, int slot, int offRaw, int lenRaw) {
        long ext = extent(s, slot);
        long off = Math.floorMod(offRaw, ext);
        int len = (int) Math.min(64, 1 + Math.floorMod(lenRaw, ext));
        return new Range(slotBase(slot) + off * PAGE, len);
    }

    /** Removes the model of [start, end) and returns it. */
    static NavigableMap<Long, PageModel> cut(Space s, long start, long end) {
        NavigableMap<Long, PageModel> sub = new TreeMap<>(s.pages.subMap(start, true, end, false));
        s.pages.subMap(start, true, end, false).clear();
        return sub;
    }

    /** The model of each page of r in order; null where unmapped. */
    static List<PageModel> pagesOf(Space s, Range r) {
        List<PageModel> out = new ArrayList<>(r.pages());
        for (int i = 0; i < r.pages(); i++) {
            out.add(s.pages.get(r.addr() + i * PAGE));
        }
        return out;
    }

    static String prot(int prot) {
        return switch (prot) {
            case 0 -> "none";
            case 1 -> "r";
            case 3 -> "rw";
            default -> throw new IllegalArgumentException("prot=" + prot);
        };
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}

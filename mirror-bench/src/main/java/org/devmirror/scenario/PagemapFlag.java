package org.devmirror.scenario;

import java.util.LinkedHashMap;
import java.util.Map;
import org.devmirror.mm.Pagemap;

/**
 * The names {@code expect pagemap} gives the bits of a {@code /proc/PID/pagemap} entry
 * ({@link Pagemap}): the one list the parser, its messages and the failure text read.
 */
final class PagemapFlag {
    /** Name to bit, in the order messages list them. */
    static final Map<String, Long> BY_NAME;
    /** The names joined for messages: "present, swapped, ...". */
    static final String NAMES;

    static {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("present", Pagemap.PRESENT);
        m.put("swapped", Pagemap.SWAP);
        m.put("file", Pagemap.FILE);
        m.put("uffd-wp", Pagemap.UFFD_WP);
        m.put("exclusive", Pagemap.MMAP_EXCLUSIVE);
        m.put("softdirty", Pagemap.SOFT_DIRTY);
        BY_NAME = java.util.Collections.unmodifiableMap(m);
        NAMES = String.join(", ", m.keySet());
    }

    private PagemapFlag() {}

    /** The names of the bits of {@code mask} set in {@code entry}, e.g. "present softdirty"; "none" if none. */
    static String describe(long entry, long mask) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : BY_NAME.entrySet()) {
            if ((entry & mask & e.getValue()) != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(e.getKey());
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}

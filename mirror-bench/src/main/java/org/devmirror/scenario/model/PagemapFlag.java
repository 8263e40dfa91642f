package org.devmirror.scenario.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.devmirror.mm.Pagemap;

/**
 * The names {@code expect pagemap} gives the bits of a {@code /proc/PID/pagemap} entry
 * ({@link Pagemap}): the one list the parser, its messages and the failure text read.
 */
public final class PagemapFlag {
    /**
     * {@code hwpoison}: the entry is a hwpoison entry ({@code make_hwpoison_entry}). The kernel's
     * pagemap reports it as {@code PM_SWAP} with swap type {@code SWP_HWPOISON}; the scenario
     * language gives it bit 58 of the entry it checks, one of the bits 58-60 the kernel always
     * leaves zero, so that one name tests it.
     */
    public static final long HWPOISON = 1L << 58;
    /** Name to bit, in the order messages list them. */
    public static final Map<String, Long> BY_NAME;
    /** The names joined for messages: "present, swapped, ...". */
    public static final String NAMES;

    static {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("present", Pagemap.PRESENT);
        m.put("swapped", Pagemap.SWAP);
        m.put("file", Pagemap.FILE);
        m.put("uffd-wp", Pagemap.UFFD_WP);
        m.put("exclusive", Pagemap.MMAP_EXCLUSIVE);
        m.put("softdirty", Pagemap.SOFT_DIRTY);
        m.put("hwpoison", HWPOISON);
        BY_NAME = Collections.unmodifiableMap(m);
        NAMES = String.join(", ", m.keySet());
    }

    private PagemapFlag() {}

    /** The names of the bits of {@code mask} set in {@code entry}, e.g. "present softdirty"; "none" if none. */
    public static String describe(long entry, long mask) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : BY_NAME.entrySet()) {
            if ((entry & mask & e.getValue()) != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(e.getKey());
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}

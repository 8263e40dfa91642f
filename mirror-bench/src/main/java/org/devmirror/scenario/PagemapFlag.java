package org.devmirror.scenario;

import org.devmirror.mm.pagetable.PteLayout;

/**
 * The per-page CPU state {@code expect pagemap} checks, named as a scenario writes it; the
 * registry of those names. Each reads one CPU page-table entry, as {@code /proc/PID/pagemap}
 * (fs/proc/task_mmu.c {@code pte_to_pagemap_entry}) or {@code /proc/kpageflags} would report it.
 */
enum PagemapFlag {
    /**
     * {@code hwpoison}: the entry is a hwpoison entry ({@code make_hwpoison_entry}); pagemap
     * reports it with {@code PM_SWAP} (bit 62) and swap type {@code SWP_HWPOISON}.
     */
    HWPOISON("hwpoison");

    private final String token;

    PagemapFlag(String token) {
        this.token = token;
    }

    String token() {
        return token;
    }

    /** Whether the flag is set for a page whose CPU entry is {@code pte}. */
    boolean isSet(long pte) {
        return switch (this) {
            case HWPOISON -> PteLayout.isHwpoison(pte);
        };
    }

    /** The flag a token names, or null. */
    static PagemapFlag parse(String token) {
        for (PagemapFlag f : values()) {
            if (f.token.equals(token)) {
                return f;
            }
        }
        return null;
    }

    /** Every token, for messages. */
    static String tokens() {
        StringBuilder sb = new StringBuilder();
        for (PagemapFlag f : values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(f.token);
        }
        return sb.toString();
    }
}

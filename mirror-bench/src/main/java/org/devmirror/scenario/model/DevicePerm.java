package org.devmirror.scenario.model;

import org.devmirror.device.pagetable.DevicePteLayout;

/**
 * What one page of a device's own page table grants, as {@code expect device DEV holds} names it
 * (the {@code xarray} entry of lib/test_hmm.c: none, read-only, {@code DPT_XA_TAG_WRITE}, or
 * {@code DPT_XA_TAG_ATOMIC} for a device-exclusive page).
 */
public enum DevicePerm {
    /** No entry. */
    NONE,
    /** A valid read-only entry. */
    READ,
    /** A valid writable entry, not atomic. */
    WRITE,
    /** An entry for a page the device holds exclusively (device-exclusive, for atomics). */
    ATOMIC;

    /** The permission a device PTE grants. */
    public static DevicePerm of(long entry) {
        if (!DevicePteLayout.isValid(entry)) {
            return NONE;
        }
        if (DevicePteLayout.isAtomic(entry)) {
            return ATOMIC;
        }
        return DevicePteLayout.isWrite(entry) ? WRITE : READ;
    }

    /** As written in a scenario: {@code none}, {@code READ}, {@code WRITE}, {@code ATOMIC}. */
    public String token() {
        return this == NONE ? "none" : name();
    }

    /** The permission a token names, or null. */
    public static DevicePerm parse(String token) {
        for (DevicePerm p : values()) {
            if (p.token().equals(token)) {
                return p;
            }
        }
        return null;
    }

    /** Every token, for messages. */
    public static String tokens() {
        StringBuilder sb = new StringBuilder();
        for (DevicePerm p : values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(p.token());
        }
        return sb.toString();
    }
}

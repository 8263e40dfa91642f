package org.devmirror.scenario.model;

import static java.util.Map.entry;

import java.util.Map;

/**
 * Models the {@code HMM_DMIRROR_PROT_*} snapshot byte values of lib/test_hmm_uapi.h: one byte
 * per page saying how the device mirror maps it. A byte is a type ({@link #ZERO},
 * {@link #DEV_PRIVATE_LOCAL}, ...) or'ed with an access ({@link #READ} or {@link #WRITE}) and a
 * level ({@link #PMD} or {@link #PUD}); {@link #ERROR} (no valid CPU mapping) stands alone.
 */
public final class DmirrorProt {
    public static final int ERROR = 0xFF;
    public static final int NONE = 0x00;
    public static final int READ = 0x01;
    public static final int WRITE = 0x02;
    public static final int PMD = 0x04;
    public static final int PUD = 0x08;
    public static final int ZERO = 0x10;
    public static final int DEV_PRIVATE_LOCAL = 0x20;
    public static final int DEV_PRIVATE_REMOTE = 0x30;
    public static final int DEV_COHERENT_LOCAL = 0x40;
    public static final int DEV_COHERENT_REMOTE = 0x50;

    /** Name (without the {@code HMM_DMIRROR_PROT_} prefix) to value. */
    public static final Map<String, Integer> BY_NAME = Map.ofEntries(
            entry("ERROR", ERROR),
            entry("NONE", NONE),
            entry("READ", READ),
            entry("WRITE", WRITE),
            entry("PMD", PMD),
            entry("PUD", PUD),
            entry("ZERO", ZERO),
            entry("DEV_PRIVATE_LOCAL", DEV_PRIVATE_LOCAL),
            entry("DEV_PRIVATE_REMOTE", DEV_PRIVATE_REMOTE),
            entry("DEV_COHERENT_LOCAL", DEV_COHERENT_LOCAL),
            entry("DEV_COHERENT_REMOTE", DEV_COHERENT_REMOTE));

    /** The prefix the uapi header gives every name; scenario files may write it or leave it out. */
    public static final String PREFIX = "HMM_DMIRROR_PROT_";

    private DmirrorProt() {}

    /** {@code "DEV_PRIVATE_LOCAL|WRITE|PMD"}, {@code "ERROR"}, {@code "NONE"}: the scenario spelling of a byte. */
    public static String describe(byte value) {
        int v = value & 0xFF;
        if (v == ERROR) {
            return "ERROR";
        }
        StringBuilder out = new StringBuilder();
        int type = v & 0xF0;
        switch (type) {
            case 0x00 -> {}
            case ZERO -> out.append("ZERO");
            case DEV_PRIVATE_LOCAL -> out.append("DEV_PRIVATE_LOCAL");
            case DEV_PRIVATE_REMOTE -> out.append("DEV_PRIVATE_REMOTE");
            case DEV_COHERENT_LOCAL -> out.append("DEV_COHERENT_LOCAL");
            case DEV_COHERENT_REMOTE -> out.append("DEV_COHERENT_REMOTE");
            default -> out.append("0x").append(Integer.toHexString(type));
        }
        appendFlag(out, v, READ, "READ");
        appendFlag(out, v, WRITE, "WRITE");
        appendFlag(out, v, PMD, "PMD");
        appendFlag(out, v, PUD, "PUD");
        return out.isEmpty() ? "NONE" : out.toString();
    }

    private static void appendFlag(StringBuilder out, int value, int flag, String name) {
        if ((value & flag) != 0) {
            out.append(out.isEmpty() ? "" : "|").append(name);
        }
    }
}

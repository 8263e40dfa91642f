package org.devmirror.scenario.model;

/**
 * An address operand: {@code NAME}, {@code NAME+OFFSET}, {@code NAME-OFFSET} or an absolute
 * number. {@code base} is the buffer name whose bound address the executor adds
 * {@code offset} to, or null for an absolute address (then {@code offset} is the address).
 */
public record Address(String base, long offset) {
    /** True for an absolute address (no buffer name). */
    public boolean isAbsolute() {
        return base == null;
    }

    @Override
    public String toString() {
        if (base == null) {
            return "0x" + Long.toHexString(offset);
        }
        if (offset == 0) {
            return base;
        }
        return base + (offset > 0 ? "+0x" + Long.toHexString(offset) : "-0x" + Long.toHexString(-offset));
    }
}

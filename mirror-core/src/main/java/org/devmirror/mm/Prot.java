package org.devmirror.mm;

/**
 * The {@code PROT_*} bits of {@code mmap()} and {@code mprotect()}. Only the combinations
 * Linux maps to a distinct {@code vm_page_prot} are accepted: none, r, rw, rx, rwx
 * (write implies read on x86, and devmirror keeps that rule).
 */
public final class Prot {
    /** {@code PROT_NONE}. */
    public static final int NONE = 0;
    /** {@code PROT_READ}. */
    public static final int READ = 1;
    /** {@code PROT_WRITE}. */
    public static final int WRITE = 2;
    /** {@code PROT_EXEC}. */
    public static final int EXEC = 4;
    /** {@code PROT_READ | PROT_WRITE}. */
    public static final int RW = READ | WRITE;

    private Prot() {}

    /** Throws {@code IllegalArgumentException("prot=0x..")} unless prot is none, r, rw, rx or rwx. */
    public static int check(int prot) {
        if ((prot & ~(READ | WRITE | EXEC)) != 0) {
            throw new IllegalArgumentException("prot=0x" + Integer.toHexString(prot) + " has unknown bits");
        }
        if ((prot & (WRITE | EXEC)) != 0 && (prot & READ) == 0) {
            throw new IllegalArgumentException("prot=" + toString(prot) + " grants write or exec without read");
        }
        return prot;
    }

    /** "---", "r--", "rw-", "r-x" or "rwx". */
    public static String toString(int prot) {
        return ((prot & READ) != 0 ? "r" : "-") + ((prot & WRITE) != 0 ? "w" : "-") + ((prot & EXEC) != 0 ? "x" : "-");
    }
}

package org.devmirror.hmm;

/**
 * Models the {@code HMM_PFN_*} encoding of {@code unsigned long hmm_pfns[]} (include/linux/hmm.h):
 * one 64-bit word per page, flags from bit 63 down, a 5-bit map order, and the PFN in the low bits.
 *
 * <pre>
 *   63    62    61    60   59   58   57..53     52 ........................ 0
 * +-----+-----+-----+----+----+----+----------+-------------------------------+
 * |VALID|WRITE|ERROR|DMA |P2P |P2PB| ORDER(5) |              PFN              |
 * +-----+-----+-----+----+----+----+----------+-------------------------------+
 *   input: VALID = REQ_FAULT, WRITE = REQ_WRITE; DMA/P2P/P2PB are sticky (carried to output)
 * </pre>
 *
 * An output of 0 means "not present, faultable". The map order is 9 for a page inside a 2 MiB
 * (PMD) mapping and 18 for a 1 GiB (PUD) one; every subpage carries the same flags.
 */
public final class HmmPfn {
    /** {@code HMM_PFN_VALID}: the PFN is valid and the page is readable. */
    public static final long VALID = 1L << 63;
    /** {@code HMM_PFN_WRITE}: the page is writable (only with VALID). */
    public static final long WRITE = 1L << 62;
    /** {@code HMM_PFN_ERROR}: the page cannot be accessed (no VMA, no read permission, PROT_NONE with a fault request). */
    public static final long ERROR = 1L << 61;
    /** {@code HMM_PFN_DMA_MAPPED}: sticky, the caller's own bookkeeping. */
    public static final long DMA_MAPPED = 1L << 60;
    /** {@code HMM_PFN_P2PDMA}: sticky. */
    public static final long P2PDMA = 1L << 59;
    /** {@code HMM_PFN_P2PDMA_BUS}: sticky. */
    public static final long P2PDMA_BUS = 1L << 58;
    /** Input bits carried through to the output unchanged. */
    public static final long INOUT_FLAGS = DMA_MAPPED | P2PDMA | P2PDMA_BUS;
    /** {@code HMM_PFN_ORDER_SHIFT} = BITS_PER_LONG - 11. */
    public static final int ORDER_SHIFT = 53;
    /** Mask of the map order after shifting. */
    public static final long ORDER_MASK = 0x1F;
    /** Every bit that is not PFN. */
    public static final long FLAGS = VALID | WRITE | ERROR | INOUT_FLAGS | (ORDER_MASK << ORDER_SHIFT);
    /** The PFN bits. */
    public static final long PFN_MASK = ~FLAGS;

    /** {@code HMM_PFN_REQ_FAULT}: the output must be VALID (fault the page in if needed). */
    public static final long REQ_FAULT = VALID;
    /** {@code HMM_PFN_REQ_WRITE}: the output must be WRITE; only together with REQ_FAULT. */
    public static final long REQ_WRITE = WRITE;

    private HmmPfn() {}

    /** The PFN of an output word ({@code hmm_pfn_to_page}). */
    public static long pfn(long hmmPfn) {
        return hmmPfn & PFN_MASK;
    }

    /** {@code hmm_pfn_to_map_order()}: 0 for a 4 KiB mapping, 9 for 2 MiB, 18 for 1 GiB. */
    public static int mapOrder(long hmmPfn) {
        return (int) ((hmmPfn >>> ORDER_SHIFT) & ORDER_MASK);
    }

    /** Encodes a map order for an output word. */
    public static long order(int order) {
        if (order < 0 || order > ORDER_MASK) {
            throw new IllegalArgumentException("order=" + order + " is outside 0.." + ORDER_MASK);
        }
        return (long) order << ORDER_SHIFT;
    }

    /** {@code true} when VALID is set. */
    public static boolean isValid(long hmmPfn) {
        return (hmmPfn & VALID) != 0;
    }

    /** {@code true} when WRITE is set. */
    public static boolean isWrite(long hmmPfn) {
        return (hmmPfn & WRITE) != 0;
    }

    /** {@code true} when ERROR is set. */
    public static boolean isError(long hmmPfn) {
        return (hmmPfn & ERROR) != 0;
    }
}

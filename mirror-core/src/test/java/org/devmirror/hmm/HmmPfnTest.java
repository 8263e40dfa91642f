package org.devmirror.hmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The HMM_PFN_* word layout of include/linux/hmm.h: flags from bit 63 down, a 5-bit order, the PFN below. */
class HmmPfnTest {
    /** Each predicate reads its own bit only. */
    @Test
    void predicatesReadTheirOwnBit() {
        long all = HmmPfn.FLAGS | HmmPfn.PFN_MASK;
        assertTrue(HmmPfn.isValid(HmmPfn.VALID));
        assertTrue(HmmPfn.isWrite(HmmPfn.WRITE));
        assertTrue(HmmPfn.isError(HmmPfn.ERROR));
        assertFalse(HmmPfn.isValid(all & ~HmmPfn.VALID));
        assertFalse(HmmPfn.isWrite(all & ~HmmPfn.WRITE));
        assertFalse(HmmPfn.isError(all & ~HmmPfn.ERROR));
        assertFalse(HmmPfn.isError(0), "0 is 'not present, faultable', not an error");
    }

    /** hmm_pfn_to_map_order and the PFN survive each other and every flag. */
    @Test
    void orderAndPfnAreIndependentFields() {
        long pfn = HmmPfn.PFN_MASK; // the widest PFN
        for (int order : new int[] {0, 9, 18, 31}) {
            long w = HmmPfn.VALID | HmmPfn.WRITE | HmmPfn.INOUT_FLAGS | HmmPfn.order(order) | pfn;
            assertEquals(order, HmmPfn.mapOrder(w));
            assertEquals(pfn, HmmPfn.pfn(w));
        }
        assertEquals(0, HmmPfn.order(0));
        assertEquals(1L << HmmPfn.ORDER_SHIFT, HmmPfn.order(1));
        assertEquals(0, HmmPfn.mapOrder(HmmPfn.FLAGS & ~(HmmPfn.ORDER_MASK << HmmPfn.ORDER_SHIFT)));
    }

    /** The order field holds 0..31; anything else is refused by name. */
    @Test
    void orderOutsideTheFieldIsRefused() {
        for (int order : new int[] {-1, 32, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HmmPfn.order(order));
            assertEquals("order=" + order + " is outside 0..31", e.getMessage());
        }
    }
}

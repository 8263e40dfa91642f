package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/**
 * What a CPU entry grants a device translation ({@link CpuMapping}), as the end-of-invalidation
 * re-read and the safety oracle read it. Frame 0 is a real frame: an entry that gives no page must
 * read {@link CpuMapping#NO_PAGE}, never 0, or a device translation to frame 0 would be justified by
 * an empty CPU entry.
 */
class CpuMappingTest {
    private static final long VA = 0x7000_0000_3000L;

    @Test
    void entriesThatGiveNoPageReadNoPageNotFrameZero() {
        assertEquals(CpuMapping.NO_PAGE, CpuMapping.pageAt(0, VA), "none");
        assertEquals(CpuMapping.NO_PAGE, CpuMapping.pageAt(PteLayout.swapEntry(0), VA), "swapped out");
        assertEquals(CpuMapping.NO_PAGE, CpuMapping.pageAt(PteLayout.migrationEntry(0, true), VA), "migrating");
        assertFalse(CpuMapping.grantsWrite(0));
    }

    @Test
    void frameZeroIsAPageLikeAnyOther() {
        assertEquals(0, CpuMapping.pageAt(PteLayout.present(0, true), VA));
        assertTrue(CpuMapping.grantsWrite(PteLayout.present(0, true)));
        assertEquals(3, CpuMapping.pageAt(PteLayout.pmdLeaf(0, false), VA), "the 4th page of the 2 MiB leaf");
        assertEquals(7, CpuMapping.pageAt(PteLayout.devicePrivateEntry(7, false), VA));
    }
}

package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.devmirror.notifier.MmuNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.Test;

/**
 * A PROTECTION_VMA subscriber reads the new protection from the VMA: mprotect_fixup updates the
 * VMA before change_protection raises the event, and drivers rely on that to skip the CPU walk.
 */
class MprotectVmaFirstTest extends HostFixture {

    @Test
    void protectionVmaSeesTheNewProtection() {
        // Step 1: populate a read-write buffer.
        long a = anon(4);
        writePages(mm, a, 4, 1);

        // Step 2: a subscriber that looks the VMA up during the invalidation.
        List<Integer> seen = new ArrayList<>();
        mm.notifiers().register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(MmuNotifierRange range) {
                if (range.event() == MmuNotifierEvent.PROTECTION_VMA) {
                    seen.add(mm.findVma(range.start()).prot());
                }
                return true;
            }
        });

        // Step 3: make it read-only, then inaccessible; each invalidation sees the protection being set.
        assertEquals(Errno.OK, mm.mprotect(a, 4 * PAGE, Prot.READ));
        assertEquals(Errno.OK, mm.mprotect(a, 4 * PAGE, Prot.NONE));
        assertEquals(List.of(Prot.READ, Prot.NONE), seen);
    }
}

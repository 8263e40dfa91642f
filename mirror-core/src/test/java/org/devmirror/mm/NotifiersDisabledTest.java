package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** With CONFIG_MMU_NOTIFIER off no host operation raises anything, subscribers or not. */
class NotifiersDisabledTest extends HostFixture {
    @Override
    HostConfig config() {
        return super.config().withNotifiersEnabled(false);
    }

    @Test
    void noOperationRaisesAnything() {
        long a = anon(8);
        writePages(mm, a, 8, 1);
        AddressSpace child = mm.fork();
        writePages(mm, a, 1, 2);
        assertEquals(Errno.OK, mm.mprotect(a, 8 * PAGE, Prot.READ));
        assertEquals(4, mm.reclaim(a + 4 * PAGE, 4 * PAGE));
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(Errno.OK, mm.madvise(a, 2 * PAGE, Advice.DONTNEED));
        assertEquals(Errno.OK, mm.oomReap());
        assertEquals(Errno.OK, mm.munmap(a, 8 * PAGE));
        child.exit();
        mm.exit();
        assertEquals(List.of(), rec.events());
        assertEquals(List.of(), rec.classicEvents());
        assertEquals(0, rec.releases());
    }
}

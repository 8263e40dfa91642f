package org.devmirror.mm;

import static org.devmirror.notifier.MmuNotifierEvent.CLEAR;
import static org.devmirror.notifier.MmuNotifierEvent.MIGRATE;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_PAGE;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_VMA;
import static org.devmirror.notifier.MmuNotifierEvent.RELEASE;
import static org.devmirror.notifier.MmuNotifierEvent.SOFT_DIRTY;
import static org.devmirror.notifier.MmuNotifierEvent.UNMAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.testing.RecordingSubscriber.Event;
import org.devmirror.testing.TestDevicePagemap;
import org.junit.jupiter.api.Test;

/**
 * {@link InvalidationRanges#NARROWED}: every operation whose kernel range can cover empty page
 * tables raises only over the populated part of it, and nothing where nothing is populated. The
 * same sequences as {@link HostEventsTest}, with the narrowed ranges.
 */
class NarrowedRangesTest extends HostFixture {

    @Override
    HostConfig config() {
        return super.config().withRanges(InvalidationRanges.NARROWED);
    }

    /** munmap: UNMAP over the populated pages only; none for an empty VMA. */
    @Test
    void munmapUnmapsOnlyThePopulatedPart() {
        long a = anon(16);
        writePages(mm, a + 4 * PAGE, 4, 1);
        assertEquals(Errno.OK, mm.munmap(a, 16 * PAGE));
        assertEquals(List.of(ev(UNMAP, a + 4 * PAGE, a + 8 * PAGE)), rec.events());
        rec.clear();
        long b = anon(8);
        assertEquals(Errno.OK, mm.munmap(b, 8 * PAGE));
        assertEquals(List.of(), rec.events());
        assertEquals(0, mm.populatedPages());
    }

    /** mprotect: PROTECTION_VMA over the populated part; an empty VMA raises nothing. */
    @Test
    void mprotectRaisesOverThePopulatedPart() {
        long a = anon(8);
        long b = anon(8);
        writePages(mm, a + 2 * PAGE, 2, 1);
        assertEquals(Errno.OK, mm.mprotect(a, 8 * PAGE, Prot.READ));
        assertEquals(List.of(ev(PROTECTION_VMA, a + 2 * PAGE, a + 4 * PAGE)), rec.events());
        assertFalse(PteLayout.isWrite(pte(mm, a + 2 * PAGE)));
        rec.clear();
        assertEquals(Errno.OK, mm.mprotect(b, 8 * PAGE, Prot.NONE));
        assertEquals(List.of(), rec.events());
    }

    /** mremap move: UNMAP over the populated part of the old range. */
    @Test
    void mremapMoveUnmapsThePopulatedPart() {
        long a = anon(4);
        writePages(mm, a, 2, 10);
        long target = a - 64 * PAGE;
        assertEquals(target, mm.mremap(a, 4 * PAGE, 4 * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, target));
        assertEquals(List.of(ev(UNMAP, a, a + 2 * PAGE)), rec.events());
        assertPages(mm, target, 2, 10);
    }

    /** MADV_DONTNEED and MADV_FREE: CLEAR over the populated part; nothing over empty tables. */
    @Test
    void madviseClearsThePopulatedPart() {
        long a = anon(8);
        writePages(mm, a + PAGE, 3, 1);
        assertEquals(Errno.OK, mm.madvise(a, 4 * PAGE, Advice.FREE));
        assertEquals(Errno.OK, mm.madvise(a, 8 * PAGE, Advice.DONTNEED));
        assertEquals(Errno.OK, mm.madvise(a, 8 * PAGE, Advice.DONTNEED));
        assertEquals(List.of(ev(CLEAR, a + PAGE, a + 4 * PAGE), ev(CLEAR, a + PAGE, a + 4 * PAGE)), rec.events());
    }

    /** fork: PROTECTION_PAGE over the span of the parent's populated entries. */
    @Test
    void forkProtectsThePopulatedSpan() {
        long a = anon(8);
        writePages(mm, a + 2 * PAGE, 3, 1);
        AddressSpace child = mm.fork();
        assertEquals(List.of(ev(PROTECTION_PAGE, a + 2 * PAGE, a + 5 * PAGE)), rec.events());
        child.exit();
    }

    /** KSM: write_protect_page raises nothing for an entry already read-only and clean. */
    @Test
    void ksmWriteProtectSkipsACleanReadOnlyEntry() {
        long a = anon(2);
        assertEquals(Errno.OK, mm.cpuFill(a, 2 * PAGE, (byte) 0x33));
        makeCleanReadOnly(a, 2);
        rec.clear();
        assertEquals(1, mm.ksmMerge(a, 2 * PAGE));
        // No write-protect CLEAR for either page: only replace_page's CLEAR over the replaced one.
        assertEquals(List.of(ev(CLEAR, a, a + PAGE)), rec.events());
    }

    /** writeback: PROTECTION_PAGE only for mappings whose entry changes. */
    @Test
    void writebackProtectsOnlyChangingMappings() {
        MemoryObject f = host.newFile("data", 4 * PAGE);
        long a = mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.SHARED, f, 0);
        mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.SHARED, f, 0);
        writePages(mm, a + PAGE, 1, 8);
        assertEquals(Errno.OK, mm.writeback(f));
        assertEquals(List.of(ev(PROTECTION_PAGE, a + PAGE, a + 2 * PAGE)), rec.events());
    }

    /** clear_refs: SOFT_DIRTY over the entries that change, nothing when none does. */
    @Test
    void clearSoftDirtyRaisesOverTheChangingSpan() {
        long a = anon(4);
        writePages(mm, a + PAGE, 2, 1);
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(List.of(ev(SOFT_DIRTY, a + PAGE, a + 3 * PAGE)), rec.events());
    }

    /** OOM reaper: non-blockable CLEAR over each private VMA's populated part; none for an empty VMA. */
    @Test
    void oomReapClearsThePopulatedPart() {
        mm.mmap(0, 2 * PAGE, Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        long a = anon(4);
        writePages(mm, a + PAGE, 2, 1);
        assertEquals(Errno.OK, mm.oomReap());
        assertEquals(List.of(new Event(CLEAR, a + PAGE, a + 3 * PAGE, false, null)), rec.events());
    }

    /** exit: RELEASE, then UNMAP over the populated pages. */
    @Test
    void exitUnmapsThePopulatedPart() {
        long a = anon(4);
        writePages(mm, a + PAGE, 2, 1);
        mm.exit();
        List<Event> events = rec.events();
        assertEquals(2, events.size(), events.toString());
        assertEquals(RELEASE, events.get(0).event());
        assertEquals(ev(UNMAP, a + PAGE, a + 3 * PAGE), events.get(1));
    }

    /** migrate_vma: collect over the populated part, pages over the span of the holes filled. */
    @Test
    void migrateRaisesOverPopulatedPartAndHoles() {
        TestDevicePagemap dev = new TestDevicePagemap(host, 16);
        long a = anon(4);
        writePages(mm, a + PAGE, 1, 6);
        assertEquals(4, dev.migrateToDevice(mm, a, a + 4 * PAGE));
        assertEquals(
                List.of(
                        new Event(MIGRATE, a + PAGE, a + 2 * PAGE, true, dev),
                        new Event(MIGRATE, a, a + 4 * PAGE, true, dev)),
                rec.events());
    }
}

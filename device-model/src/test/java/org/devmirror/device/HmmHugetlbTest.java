package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.testing.RecordingSubscriber;
import org.devmirror.testing.RecordingSubscriber.Event;
import org.junit.jupiter.api.Test;

/**
 * Ports the hugetlb cases of tools/testing/selftests/mm/hmm-tests.c: {@code anon_write_hugetlbfs}
 * and the hugetlb {@code compound} snapshot, on a {@code MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB}
 * mapping of one 2 MiB page, plus the invalidations the kernel raises over it.
 */
class HmmHugetlbTest extends DeviceFixture {
    private static final int NPAGES = 512;

    private long hugetlb() {
        long a = map(NPAGES, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB);
        assertEquals(0, a & (PMD - 1), "hugetlb_get_unmapped_area aligns to the huge page size");
        return a;
    }

    /**
     * Ports anon_write_hugetlbfs: the device writes the whole huge page in one fault round
     * (cpages = npages, faults = 1); the CPU maps it with one PMD entry and sees the data.
     */
    @Test
    void anonWriteHugetlbfs() {
        long a = hugetlb();
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror.write(a, NPAGES, ints(NPAGES, 0)));
        long e = mm.pageTable().getPmd(a);
        assertTrue(PteLayout.isHuge(e) && PteLayout.isPresent(e) && PteLayout.isWrite(e), PteLayout.describe(e));
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /**
     * Ports compound (the hugetlb half): every page of the huge page snapshots as WRITE|PMD
     * (hmm_range_fault reports HMM_PFN_ORDER 9 from hmm_vma_walk_hugetlb_entry), READ|PMD after
     * mprotect(PROT_READ), which raises one PROTECTION_VMA over the whole mapping
     * (hugetlb_change_protection).
     */
    @Test
    void compoundHugetlb() {
        long a = hugetlb();
        cpuInit(mm, a, NPAGES, 0);
        byte[] prot = new byte[NPAGES];
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.snapshot(a, NPAGES, prot));
        for (byte b : prot) {
            assertEquals(SnapshotProt.WRITE | SnapshotProt.PMD, b, SnapshotProt.describe(b));
        }
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertEquals(Errno.OK, mm.mprotect(a, PMD, Prot.READ));
        assertEquals(List.of(new Event(MmuNotifierEvent.PROTECTION_VMA, a, a + PMD, true, null)), rec.events());
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.snapshot(a, NPAGES, prot));
        for (byte b : prot) {
            assertEquals(SnapshotProt.READ | SnapshotProt.PMD, b, SnapshotProt.describe(b));
        }
    }

    /**
     * A hugetlb page is never split: munmap or mprotect of part of it is EINVAL and changes
     * nothing (hugetlb_vm_op_split); munmap of the whole mapping raises one UNMAP over it
     * (unmap_vmas; no PMD sharing to widen it in a private mapping).
     */
    @Test
    void neverSplitAndUnmappedWhole() {
        long a = hugetlb();
        cpuInit(mm, a, NPAGES, 0);
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertEquals(Errno.EINVAL, mm.munmap(a + PAGE, PAGE));
        assertEquals(Errno.EINVAL, mm.mprotect(a, PAGE, Prot.READ));
        assertEquals(List.of(), rec.events());
        assertTrue(PteLayout.isHuge(mm.pageTable().getPmd(a)));
        assertEquals(Errno.OK, mm.munmap(a, PMD));
        assertEquals(List.of(new Event(MmuNotifierEvent.UNMAP, a, a + PMD, true, null)), rec.events());
    }

    /** A length below 2 MiB is rounded up to the huge page; migrate_vma refuses a hugetlb VMA (EINVAL). */
    @Test
    void lengthRoundedAndMigrationRefused() {
        long a = mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB);
        assertEquals(
                PMD,
                mm.vmas().stream()
                                .filter(v -> v.start() == a)
                                .findFirst()
                                .orElseThrow()
                                .end()
                        - a);
        cpuInit(mm, a, 4, 0);
        assertEquals(Errno.EINVAL, mirror.migrateToDevice(a, 4).result());
        assertCpuInts(mm, a, 4, 0);
    }

    /**
     * fork raises CLEAR over the hugetlb VMA (copy_hugetlb_page_range); the parent's next write
     * copies the whole huge page (hugetlb_wp): one CLEAR over the 2 MiB, no split.
     */
    @Test
    void copyOnWriteCopiesTheWholeHugePage() {
        long a = hugetlb();
        cpuInit(mm, a, NPAGES, 0);
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        var child = mm.fork();
        // copy_hugetlb_page_range: CLEAR over the VMA, not copy_page_range's PROTECTION_PAGE
        assertEquals(List.of(new Event(MmuNotifierEvent.CLEAR, a, a + PMD, true, null)), rec.events());
        rec.clear();
        cpuInit(mm, a, 1, 5);
        assertEquals(List.of(new Event(MmuNotifierEvent.CLEAR, a, a + PMD, true, null)), rec.events());
        assertTrue(PteLayout.isHuge(mm.pageTable().getPmd(a))
                && PteLayout.isWrite(mm.pageTable().getPmd(a)));
        assertCpuInts(child, a, NPAGES, 0);
        child.exit();
    }
}

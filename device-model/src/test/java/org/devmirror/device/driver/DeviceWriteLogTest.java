package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/**
 * The write log's verdict on device writes into userfaultfd write-protected pages (the device's, or
 * the kernel's), and the shadow itself: which page each written address landed in, forgotten
 * where clear_refs or a zap reached it, whatever the table's size.
 */
class DeviceWriteLogTest {
    private static final long DEVICE_PFN = 0x1_0000_0005L;

    @Test
    void aWriteIntoAWriteProtectedEntryIsAViolation() {
        DeviceWriteLog log = new DeviceWriteLog();
        log.record(0x1000, 0x42, PteLayout.mkUffdWp(PteLayout.present(0x42, false)));
        log.record(0x2000, DEVICE_PFN, PteLayout.mkUffdWp(PteLayout.devicePrivateEntry(DEVICE_PFN, false)));
        List<String> violations = new ArrayList<>();
        List<String> kernel = new ArrayList<>();
        assertEquals(2, log.drainWriteProtectViolations(violations::add));
        log.drainWriteProtectKernelFindings(kernel::add);
        assertEquals(2, violations.size(), violations::toString);
        assertTrue(kernel.isEmpty(), kernel::toString);
    }

    /**
     * PAGEMAP_SCAN's make_uffd_wp_pte leaves a writable device-private entry writable: the entry
     * grants write itself, a CPU write takes no write-protect fault either, so the write is the
     * kernel's finding, not the device's violation.
     */
    @Test
    void aWriteIntoAnEntryWritableAndWriteProtectedAtOnceIsTheKernels() {
        DeviceWriteLog log = new DeviceWriteLog();
        log.record(0x3000, DEVICE_PFN, PteLayout.mkUffdWp(PteLayout.devicePrivateEntry(DEVICE_PFN, true)));
        List<String> kernel = new ArrayList<>();
        assertEquals(0, log.drainWriteProtectViolations(v -> {}));
        log.drainWriteProtectKernelFindings(kernel::add);
        assertEquals(1, kernel.size());
        assertTrue(
                kernel.get(0).startsWith("va=0x3000:") && kernel.get(0).contains("make_uffd_wp_pte"), kernel::toString);
        List<String> again = new ArrayList<>();
        log.drainWriteProtectKernelFindings(again::add);
        assertTrue(again.isEmpty(), "drained once");
        assertEquals(1, log.size(), "the write is still owed soft-dirty");
    }

    private static final long PAGE = 4096;
    private static final long CLEAN = PteLayout.present(0x42, true);

    /** The log's contents as a sorted map from page address to page. */
    private static SortedMap<Long, Long> contents(DeviceWriteLog log) {
        TreeMap<Long, Long> m = new TreeMap<>();
        log.forEach(
                (va, page, lost) -> assertEquals(null, m.put(va, page), "recorded twice: 0x" + Long.toHexString(va)));
        return m;
    }

    /**
     * Which CPU entries a write can pass with no fault to mark it: the device's own device-private
     * page, and a present entry writable and clean. A write-protected entry faults, a soft-dirty
     * one is marked already, and an exclusive entry is the driver's to give up.
     */
    @Test
    void theKernelLosesWritesThroughDevicePrivateAndWritableCleanEntriesOnly() {
        assertTrue(DeviceWriteLog.kernelLosesWrite(PteLayout.devicePrivateEntry(DEVICE_PFN, true)));
        assertTrue(DeviceWriteLog.kernelLosesWrite(PteLayout.devicePrivateEntry(DEVICE_PFN, false)));
        assertTrue(DeviceWriteLog.kernelLosesWrite(CLEAN));
        assertFalse(DeviceWriteLog.kernelLosesWrite(PteLayout.mkSoftDirty(CLEAN)));
        assertFalse(DeviceWriteLog.kernelLosesWrite(PteLayout.present(0x42, false)));
        assertFalse(DeviceWriteLog.kernelLosesWrite(PteLayout.deviceExclusiveEntry(0x42, true)));
        assertFalse(DeviceWriteLog.kernelLosesWrite(0));
    }

    /** One write into a page that the driver could have seen decides the page; a new page starts over. */
    @Test
    void aPageIsTheKernelsLossOnlyIfEveryWriteIntoItWas() {
        DeviceWriteLog log = new DeviceWriteLog();
        long readOnly = PteLayout.present(0x42, false);
        log.record(0x1000, 0x42, CLEAN);
        log.record(0x2000, 0x42, CLEAN);
        log.record(0x2000, 0x42, readOnly);
        log.record(0x3000, 0x42, readOnly);
        log.record(0x3000, 0x43, PteLayout.present(0x43, true)); // copied since: only this write counts
        log.record(0x4000, 0x42, readOnly);
        log.record(0x4000, 0x42, CLEAN);
        TreeMap<Long, Boolean> lost = new TreeMap<>();
        log.forEach((va, page, l) -> lost.put(va, l));
        assertEquals(Map.of(0x1000L, true, 0x2000L, false, 0x3000L, true, 0x4000L, false), lost);
    }

    /** Past the described few, writes into write-protected pages are still counted, and drained once. */
    @Test
    void everyWriteIntoAWriteProtectedPageIsCountedAndDrainedOnce() {
        DeviceWriteLog log = new DeviceWriteLog();
        int n = DeviceWriteLog.DESCRIBED_WRITES + 4;
        for (int i = 0; i < n; i++) {
            log.record(i * PAGE, 0x42 + i, PteLayout.mkUffdWp(PteLayout.present(0x42 + i, false)));
        }
        List<String> described = new ArrayList<>();
        assertEquals(n, log.drainWriteProtectViolations(described::add));
        assertEquals(DeviceWriteLog.DESCRIBED_WRITES, described.size());
        assertTrue(described.get(0).startsWith("va=0x0:"), described::toString);
        List<String> again = new ArrayList<>();
        assertEquals(0, log.drainWriteProtectViolations(again::add), "drained once");
        assertTrue(again.isEmpty(), again::toString);
        assertEquals(n, log.size(), "each write is still owed soft-dirty");
        log.record(0, 0x42, PteLayout.mkUffdWp(PteLayout.present(0x42, false)));
        assertEquals(1, log.drainWriteProtectViolations(v -> {}), "a later write counts again");
    }

    /**
     * The shadow against a plain map, through thousands of writes and forgets of small ranges
     * (looked up page by page) and large ones (a scan of the table), as the table grows from 64
     * slots: every written address keeps the last page written there until a forget covers it.
     */
    @Test
    void theShadowHoldsTheLastPageWrittenAtEveryAddressUntilForgotten() {
        DeviceWriteLog log = new DeviceWriteLog();
        TreeMap<Long, Long> model = new TreeMap<>();
        Random rnd = new Random(20261203);
        int peak = 0;
        for (int op = 0; op < 6000; op++) {
            int kind = rnd.nextInt(10);
            long va = (0x1000L + rnd.nextInt(1500)) * PAGE;
            if (kind < 8) {
                long page = rnd.nextLong() & 0xFFFF_FFFFL;
                log.record(va, page, CLEAN);
                model.put(va, page);
            } else {
                // Small ranges (fewer pages than the table has slots) while the table grows; then
                // larger ones too, and now and then one wider than the table (a scan).
                long pages = kind == 8 || op < 3000
                        ? 1 + rnd.nextInt(8)
                        : rnd.nextInt(8) == 0 ? 4096 + rnd.nextInt(4096) : 64 + rnd.nextInt(64);
                log.clear(va, va + pages * PAGE);
                model.subMap(va, va + pages * PAGE).clear();
            }
            assertEquals(model.size(), log.size(), "after op " + op);
            peak = Math.max(peak, model.size());
            if (op % 50 == 0 || op > 5900) {
                assertEquals(model, contents(log), "after op " + op);
            }
        }
        assertTrue(peak > 200, "the table grew several times: " + peak);
    }

    /** RELEASE forgets up to ULONG_MAX: the end is unsigned. */
    @Test
    void aForgetUpToUlongMaxForgetsEverythingFromItsStart() {
        DeviceWriteLog log = new DeviceWriteLog();
        for (int i = 1; i <= 8; i++) {
            log.record(i * PAGE, i, CLEAN);
        }
        log.record(0x7fff_ffff_f000L, 9, CLEAN);
        log.clear(4 * PAGE, -1L);
        assertEquals(
                List.of(PAGE, 2 * PAGE, 3 * PAGE), List.copyOf(contents(log).keySet()));
        log.clear(0, -1L);
        assertEquals(0, log.size());
        assertTrue(contents(log).isEmpty());
    }

    /**
     * After a CLEAR or UNMAP the log forgets only the pages whose CPU entry the host emptied: the
     * zap took their soft-dirty bit with it. A page the CPU still maps stays owed.
     */
    @Test
    void aZapForgetsOnlyThePagesWhoseCpuEntryIsGone() {
        CpuPageTable cpu = new CpuPageTable();
        try {
            DeviceWriteLog log = new DeviceWriteLog();
            for (int i = 0; i < 100; i++) {
                long va = 0x10_0000L + i * PAGE;
                log.record(va, 0x100 + i, CLEAN);
                if (i % 3 == 0) {
                    cpu.set(va, PteLayout.present(0x100 + i, true));
                }
            }
            log.forgetZapped(0x10_0000L + 10 * PAGE, 0x10_0000L + 14 * PAGE, cpu); // looked up page by page
            assertEquals(97, log.size(), "pages 10, 11 and 13 forgotten; 12, which the CPU still maps, stays");
            log.forgetZapped(0, 0x10_0000L + 1024 * PAGE, cpu); // more pages than slots: a scan of the table
            SortedMap<Long, Long> left = contents(log);
            assertEquals(34, left.size(), "every third page is still mapped");
            left.forEach((va, page) -> {
                assertEquals(0, (va - 0x10_0000L) / PAGE % 3, "0x" + Long.toHexString(va));
                assertEquals(0x100 + (va - 0x10_0000L) / PAGE, page);
            });
        } finally {
            cpu.close();
        }
    }
}

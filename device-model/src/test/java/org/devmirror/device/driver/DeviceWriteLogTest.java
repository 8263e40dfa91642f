package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/** The write log's verdict on device writes into userfaultfd write-protected pages: the device's, or the kernel's. */
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
}

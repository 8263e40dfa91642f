package org.devmirror.lessons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.EventAwarePolicy;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Uffd;
import org.devmirror.scenario.run.RunResult;
import org.devmirror.scenario.run.ScenarioRunner;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.junit.jupiter.api.Test;

/**
 * The two lessons of docs/guide/lessons.md: each old decision, restored in
 * {@link LegacyEventAwarePolicy}, is caught by the safety oracle where the shipped event-aware
 * policy passes.
 */
class LessonsTest {
    private static final long PAGE = Host.PAGE_SIZE;
    private static final Path LESSONS = Path.of("..", "examples", "lessons");

    /** SOFT_DIRTY ignored: the device's writes after clear_refs leave the pages clean. */
    @Test
    void ignoringSoftDirtyIsCaughtOnTheScenario() throws IOException, ScenarioParseException {
        Path file = LESSONS.resolve("soft_dirty_device_write.scn");
        RunResult aware = ScenarioRunner.run(ScenarioParser.parse(file), EventAwarePolicy.INSTANCE);
        assertTrue(aware.succeeded(), aware.text());
        RunResult legacy = ScenarioRunner.run(ScenarioParser.parse(file), LegacyEventAwarePolicy.INSTANCE);
        assertFalse(legacy.succeeded(), legacy.text());
        assertTrue(legacy.text().contains("is not soft-dirty"), legacy.text());
    }

    /** SOFT_DIRTY downgraded instead of marked: just as safe on the same scenario, with a fault. */
    @Test
    void theDowngradeStrategyIsSafeToo() throws IOException, ScenarioParseException {
        RunResult r = ScenarioRunner.run(
                ScenarioParser.parse(LESSONS.resolve("soft_dirty_device_write.scn")),
                EventAwarePolicy.DOWNGRADE_SOFT_DIRTY);
        assertTrue(r.text().contains("faults: expected 0, got 1"), r.text()); // the one expectation it fails
        assertFalse(r.text().contains("ORACLE"), r.text());
    }

    /** PROTECTION_VMA from the VMA's flags: caught on the userfaultfd write-protect scenario. */
    @Test
    void protectionVmaFromTheVmaFlagsIsCaughtOnTheScenario() throws IOException, ScenarioParseException {
        Path file = LESSONS.resolve("protection_vma_uffd_wp.scn");
        RunResult aware = ScenarioRunner.run(ScenarioParser.parse(file), EventAwarePolicy.INSTANCE);
        assertTrue(aware.succeeded(), aware.text());
        RunResult legacy = ScenarioRunner.run(ScenarioParser.parse(file), LegacyEventAwarePolicy.INSTANCE);
        assertFalse(legacy.succeeded(), legacy.text());
        assertTrue(legacy.text().contains("WRITE where the CPU grants only read"), legacy.text());
    }

    /**
     * PROTECTION_VMA from the VMA's flags: userfaultfd write-protect leaves the VMA writable, so
     * the old decision skips, and the device keeps writing pages userspace write-protected.
     */
    @Test
    void protectionVmaFromTheVmaFlagsIsCaughtUnderUffdWp() {
        OracleReport legacy = uffdWriteProtectThenDeviceWrite(LegacyEventAwarePolicy.INSTANCE);
        assertFalse(legacy.isClean(), legacy.toString());
        assertTrue(legacy.toString().contains("WRITE where the CPU grants only read"), legacy.toString());
        assertTrue(legacy.toString().contains("while userfaultfd write-protects it"), legacy.toString());
        OracleReport aware = uffdWriteProtectThenDeviceWrite(EventAwarePolicy.INSTANCE);
        assertTrue(aware.isClean(), aware.toString());
    }

    /** Maps 16 pages, has the device write them, write-protects them with userfaultfd, has the device write again. */
    private static OracleReport uffdWriteProtectThenDeviceWrite(InvalidationPolicy policy) {
        try (Host host = new Host(HostConfig.defaults().withFrames(1024).withSwapSlots(64));
                DmirrorDevice device = new DmirrorDevice(host, 0, 512)) {
            AddressSpace mm = host.newAddressSpace();
            long buf = mm.mmap(0, 16 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            Dmirror mirror = device.open(mm, MirrorOptions.defaults().withPolicy(policy));
            assertEquals(
                    Errno.OK, mirror.write(buf, 16, new byte[16 * (int) PAGE]).result());
            // Step 1: a snapshotting process write-protects the range (the VMA stays writable).
            assertEquals(Errno.OK, mm.uffdApi(0));
            assertEquals(Errno.OK, mm.uffdRegister(buf, 16 * PAGE, Uffd.REGISTER_MODE_WP));
            assertEquals(Errno.OK, mm.uffdWriteProtect(buf, 16 * PAGE, Uffd.WRITEPROTECT_MODE_WP));
            // Step 2: the device writes again. Safe: it faults, and the fault fails as the CPU's
            // would block (VM_FAULT_SIGBUS for hmm_range_fault). Legacy: it writes through.
            Errno w = mirror.write(buf, 16, new byte[16 * (int) PAGE]).result();
            OracleReport r = SafetyOracle.check(mirror);
            if (r.isClean()) {
                assertNotEquals(Errno.OK, w);
            }
            mirror.close();
            return r;
        }
    }
}

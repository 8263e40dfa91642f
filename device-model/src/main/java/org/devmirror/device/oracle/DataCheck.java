package org.devmirror.device.oracle;

import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SHIFT;

import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.mm.Errno;

/**
 * The end-to-end half of the safety check: page contents. What the device writes, the CPU reads,
 * and what the CPU writes, the device reads — whatever the pages went through (faults, COW,
 * migration to device memory and back, invalidations). A device writing a stale frame shows up here
 * as lost data.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Overwrites the pages it checks (twice, with patterns derived from {@code seed}); the range must be
 * mapped read-write. The caller holds no lock; nothing else may write the range meanwhile.
 */
public final class DataCheck {
    private DataCheck() {}

    /**
     * Device writes a pattern, the CPU reads it back; the CPU writes another, the device reads it
     * back. Each page whose bytes differ, and each command that fails, is a violation.
     */
    public static OracleReport roundTrip(Dmirror mirror, long addr, int npages, long seed) {
        OracleReport.Builder report = new OracleReport.Builder("data " + mirror);
        int len = npages << PAGE_SHIFT;
        byte[] pattern = pattern(len, seed);
        byte[] back = new byte[len];
        DeviceCommand w = mirror.write(addr, npages, pattern);
        if (!w.isOk()) {
            report.violation(
                    "device write of " + npages + " pages at 0x" + Long.toHexString(addr) + " returned " + w.result());
            return report.build();
        }
        Errno r = mirror.mm().cpuRead(addr, back, 0, len);
        if (r != Errno.OK) {
            report.violation("CPU read at 0x" + Long.toHexString(addr) + " returned " + r);
            return report.build();
        }
        compare(report, "device wrote, CPU read", addr, pattern, back, npages);
        byte[] second = pattern(len, ~seed);
        r = mirror.mm().cpuWrite(addr, second, 0, len);
        if (r != Errno.OK) {
            report.violation("CPU write at 0x" + Long.toHexString(addr) + " returned " + r);
            return report.build();
        }
        DeviceCommand rd = mirror.read(addr, npages, back);
        if (!rd.isOk()) {
            report.violation("device read at 0x" + Long.toHexString(addr) + " returned " + rd.result());
            return report.build();
        }
        compare(report, "CPU wrote, device read", addr, second, back, npages);
        return report.build();
    }

    /** The bytes of a recognisable pattern: each 8-byte word is a hash of its index and the seed. */
    public static byte[] pattern(int len, long seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            long x = (i >>> 3) * 0x9E3779B97F4A7C15L + seed;
            x ^= x >>> 29;
            b[i] = (byte) (x >>> ((i & 7) * 8));
        }
        return b;
    }

    private static void compare(
            OracleReport.Builder report, String what, long addr, byte[] expected, byte[] actual, int npages) {
        for (int p = 0; p < npages; p++) {
            report.checked(1);
            int base = p << PAGE_SHIFT;
            for (int i = 0; i < 1 << PAGE_SHIFT; i++) {
                if (expected[base + i] != actual[base + i]) {
                    report.violation(what + ": page 0x" + Long.toHexString(addr + ((long) p << PAGE_SHIFT))
                            + " differs at byte " + i);
                    break;
                }
            }
        }
    }
}

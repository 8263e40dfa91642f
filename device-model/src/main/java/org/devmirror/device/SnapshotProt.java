package org.devmirror.device;

import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.hmm.HmmPfn;

/**
 * The {@code HMM_DMIRROR_PROT_*} byte codes of the SNAPSHOT command (lib/test_hmm_uapi.h), one byte
 * per page, so results compare directly with hmm-tests.c: a type ({@link #ZERO},
 * {@link #DEV_PRIVATE_LOCAL}, {@link #DEV_PRIVATE_REMOTE} or none) ORed with {@link #WRITE} or
 * {@link #READ} and, for a huge mapping, {@link #PMD} or {@link #PUD}; {@link #NONE} when the page
 * is not present and {@link #ERROR} when it cannot be accessed.
 */
public final class SnapshotProt {
    /** {@code HMM_DMIRROR_PROT_ERROR}: no VMA, or no read permission. */
    public static final byte ERROR = (byte) 0xFF;
    /** {@code HMM_DMIRROR_PROT_NONE}: not present (or another device's private page). */
    public static final byte NONE = 0x00;
    /** {@code HMM_DMIRROR_PROT_READ}. */
    public static final byte READ = 0x01;
    /** {@code HMM_DMIRROR_PROT_WRITE}. */
    public static final byte WRITE = 0x02;
    /** {@code HMM_DMIRROR_PROT_PMD}: mapped by a 2 MiB entry. */
    public static final byte PMD = 0x04;
    /** {@code HMM_DMIRROR_PROT_PUD}: mapped by a 1 GiB entry. */
    public static final byte PUD = 0x08;
    /** {@code HMM_DMIRROR_PROT_ZERO}: the shared zero page. */
    public static final byte ZERO = 0x10;
    /** {@code HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL}: a private page of this device. */
    public static final byte DEV_PRIVATE_LOCAL = 0x20;
    /** {@code HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE}: a private page of another device. */
    public static final byte DEV_PRIVATE_REMOTE = 0x30;
    /** {@code HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL}: a device-coherent page of this device. */
    public static final byte DEV_COHERENT_LOCAL = 0x40;
    /** {@code HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE}: a device-coherent page of another device. */
    public static final byte DEV_COHERENT_REMOTE = 0x50;

    private SnapshotProt() {}

    /**
     * Models {@code dmirror_mkentry()}: the byte for one {@code hmm_pfns} output word.
     *
     * @param hmmPfn        the output of a snapshot range fault
     * @param zeroPfn       the host's zero page
     * @param localDevice   whether a device-private PFN belongs to the snapshotting device
     */
    public static byte of(long hmmPfn, long zeroPfn, boolean localDevice) {
        return of(hmmPfn, zeroPfn, localDevice, false);
    }

    /**
     * Models {@code dmirror_mkentry()} with device-coherent memory: a normal page that
     * {@code is_device_coherent_page} is DEV_COHERENT_LOCAL when it belongs to the snapshotting
     * device, DEV_COHERENT_REMOTE otherwise.
     *
     * @param hmmPfn        the output of a snapshot range fault
     * @param zeroPfn       the host's zero page
     * @param localDevice   whether a device-private or device-coherent page belongs to the snapshotting device
     * @param coherent      whether the PFN is a device-coherent page
     */
    public static byte of(long hmmPfn, long zeroPfn, boolean localDevice, boolean coherent) {
        if (HmmPfn.isError(hmmPfn)) {
            return ERROR;
        }
        if (!HmmPfn.isValid(hmmPfn)) {
            return NONE;
        }
        long pfn = HmmPfn.pfn(hmmPfn);
        int b;
        if (pfn >= DevicePteLayout.DEVICE_PFN_BASE) {
            b = localDevice ? DEV_PRIVATE_LOCAL : DEV_PRIVATE_REMOTE;
        } else if (coherent) {
            b = localDevice ? DEV_COHERENT_LOCAL : DEV_COHERENT_REMOTE;
        } else if (pfn == zeroPfn) {
            b = ZERO;
        } else {
            b = NONE;
        }
        b |= HmmPfn.isWrite(hmmPfn) ? WRITE : READ;
        int order = HmmPfn.mapOrder(hmmPfn);
        if (order == 9) {
            b |= PMD;
        } else if (order == 18) {
            b |= PUD;
        }
        return (byte) b;
    }

    /** A readable form such as {@code "DEV_PRIVATE_LOCAL|WRITE|PMD"}, for test failures. */
    public static String describe(byte prot) {
        if (prot == ERROR) {
            return "ERROR";
        }
        if (prot == NONE) {
            return "NONE";
        }
        int type = prot & 0xF0;
        String s = switch (type) {
            case ZERO -> "ZERO|";
            case DEV_PRIVATE_LOCAL -> "DEV_PRIVATE_LOCAL|";
            case DEV_PRIVATE_REMOTE -> "DEV_PRIVATE_REMOTE|";
            case DEV_COHERENT_LOCAL -> "DEV_COHERENT_LOCAL|";
            case DEV_COHERENT_REMOTE -> "DEV_COHERENT_REMOTE|";
            default -> "";
        };
        s += (prot & WRITE) != 0 ? "WRITE" : (prot & READ) != 0 ? "READ" : "?";
        s += (prot & PMD) != 0 ? "|PMD" : (prot & PUD) != 0 ? "|PUD" : "";
        return s;
    }
}

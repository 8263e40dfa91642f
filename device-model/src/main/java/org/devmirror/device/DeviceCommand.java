package org.devmirror.device;

import org.devmirror.mm.Errno;

/**
 * The outcome of one device command, as {@code struct hmm_dmirror_cmd} reports it back to
 * hmm-tests (lib/test_hmm_uapi.h): the ioctl's return value, {@code cpages} (pages the command
 * completed) and {@code faults} (device-fault rounds it needed).
 *
 * @param result the kernel's return value ({@link Errno#OK}, -EFAULT, -EPERM, -ENOENT, ...)
 * @param cpages pages read, written, snapshotted or migrated
 * @param faults device-fault rounds (READ/WRITE: one per restart after a missing PTE)
 */
public record DeviceCommand(Errno result, long cpages, long faults) {
    /** Validates the fields. */
    public DeviceCommand {
        if (result == null) {
            throw new IllegalArgumentException("result=null");
        }
        if (cpages < 0 || faults < 0) {
            throw new IllegalArgumentException(
                    "cpages=" + cpages + ", faults=" + faults + ": counts cannot be negative");
        }
    }

    /** The largest {@link #cpages} of a shared successful outcome: one 2 MiB range of 4 KiB pages. */
    private static final int SHARED_PAGES = 512;
    /** The most fault rounds of a shared successful outcome. */
    private static final int SHARED_FAULTS = 2;
    /**
     * The successful outcomes {@link #of} hands out, created on first use, indexed by
     * {@code faults * (SHARED_PAGES + 1) + cpages}. A record's fields are final, so an outcome
     * another thread stored is seen whole; two threads racing on a slot each store an equal one.
     */
    private static final DeviceCommand[] SHARED = new DeviceCommand[(SHARED_FAULTS + 1) * (SHARED_PAGES + 1)];

    /**
     * The outcome {@code (result, cpages, faults)}: for a successful command of up to one 2 MiB
     * range and up to {@value #SHARED_FAULTS} fault rounds a shared instance, as
     * {@code Long.valueOf} shares small values, so that a device access in steady state (every
     * page mapped, or refaulted in one round) allocates nothing; otherwise a new one. Outcomes are
     * values: compare them with {@code equals}, never by identity.
     */
    public static DeviceCommand of(Errno result, long cpages, long faults) {
        if (result != Errno.OK || cpages < 0 || cpages > SHARED_PAGES || faults < 0 || faults > SHARED_FAULTS) {
            return new DeviceCommand(result, cpages, faults);
        }
        int i = (int) (faults * (SHARED_PAGES + 1) + cpages);
        DeviceCommand c = SHARED[i];
        if (c == null) {
            c = new DeviceCommand(result, cpages, faults);
            SHARED[i] = c;
        }
        return c;
    }

    /** {@code true} when {@link #result} is {@link Errno#OK}. */
    public boolean isOk() {
        return result == Errno.OK;
    }
}

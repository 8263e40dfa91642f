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

    /** {@code true} when {@link #result} is {@link Errno#OK}. */
    public boolean isOk() {
        return result == Errno.OK;
    }
}

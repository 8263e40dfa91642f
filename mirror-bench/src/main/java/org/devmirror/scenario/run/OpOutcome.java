package org.devmirror.scenario.run;

import org.devmirror.mm.Errno;

/** The result of running one operation, before the runner adds what the host raised meanwhile. */
@SuppressWarnings(
        "ArrayRecordComponent") // the snapshot bytes pass through to the step record; an outcome is never compared or
// hashed
record OpOutcome(Errno result, long faults, long pages, byte[] snapshot) {
    static OpOutcome of(Errno result) {
        return new OpOutcome(result, 0, 0, null);
    }

    static OpOutcome ofPages(long pages) {
        return new OpOutcome(Errno.OK, 0, pages, null);
    }

    /** A {@code long} kernel-style return: an address or page count when non-negative, {@code -errno} otherwise. */
    static OpOutcome ofReturn(long value) {
        return value < 0 ? of(Errno.fromReturn(value)) : of(Errno.OK);
    }
}

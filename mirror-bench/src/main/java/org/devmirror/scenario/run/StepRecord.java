package org.devmirror.scenario.run;

import java.util.List;
import java.util.Map;
import org.devmirror.mm.Errno;
import org.devmirror.observe.DeviceWork;
import org.devmirror.observe.InvalidationRecorder.Invalidation;

/**
 * What one operation of a scenario did: its result, the device counters it reports, the
 * snapshot it took, the invalidations the host raised while it ran, and what each device's
 * mirrors did about them.
 *
 * @param line          source line
 * @param operation     the operation as written back ("munmap buf+0x8000 0x8000")
 * @param space         the address space it ran in
 * @param result        its result code
 * @param faults        device-fault rounds (device operations; 0 otherwise)
 * @param pages         pages handled: cpages of a device operation, pages reclaimed/moved/merged
 * @param snapshot      the snapshot bytes, or null
 * @param invalidations the invalidations raised, in order
 * @param reactions     per device name, the work its mirrors did during the operation (only devices that did something)
 */
@SuppressWarnings(
        "ArrayRecordComponent") // the snapshot bytes are read by index for printing and JSON; a step record is never
// compared or hashed
public record StepRecord(
        int line,
        String operation,
        String space,
        Errno result,
        long faults,
        long pages,
        byte[] snapshot,
        List<Invalidation> invalidations,
        Map<String, DeviceWork> reactions) {
    public StepRecord {
        snapshot = snapshot == null ? null : snapshot.clone();
        invalidations = List.copyOf(invalidations);
        reactions = Map.copyOf(reactions);
    }

    @Override
    public byte[] snapshot() {
        return snapshot == null ? null : snapshot.clone();
    }
}

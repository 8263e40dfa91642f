package org.devmirror.scenario.model;

import java.util.Arrays;
import java.util.Map;
import org.devmirror.mm.Errno;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * A statement asserting what happened. Those about an operation carry {@code opLine}, the line of
 * the operation they check (the most recent operation before them, resolved by the parser).
 */
public sealed interface Expectation extends Statement {
    /** {@code expect result CODE}, or the {@code -> CODE} suffix of the operation line itself. */
    record Result(int line, int opLine, Errno code) implements Expectation {}

    /** {@code expect faults N}: device faults counted by the device operation (hmm_dmirror_cmd.faults). */
    record Faults(int line, int opLine, long count) implements Expectation {}

    /**
     * {@code expect cpages N}: pages the operation handled (hmm_dmirror_cmd.cpages for device
     * operations; pages reclaimed, moved or merged for reclaim, compact, ksm).
     */
    record Cpages(int line, int opLine, long count) implements Expectation {}

    /**
     * {@code expect snapshot [DEV] ADDR SIZE = BYTE...}: the bytes of the snapshot taken at
     * {@code snapshotLine} by {@code device} in {@code space}, for the pages of
     * {@code [addr, addr + length)}, equal {@code bytes} (one per page).
     */
    @SuppressWarnings(
            "ArrayRecordComponent") // the bytes are copied in and only read by index; a parsed expectation is never
    // compared or hashed
    record Snapshot(int line, String space, String device, int snapshotLine, Address addr, long length, byte[] bytes)
            implements Expectation {
        public Snapshot {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot s
                    && line == s.line
                    && snapshotLine == s.snapshotLine
                    && length == s.length
                    && space.equals(s.space)
                    && device.equals(s.device)
                    && addr.equals(s.addr)
                    && Arrays.equals(bytes, s.bytes);
        }

        @Override
        public int hashCode() {
            return Integer.hashCode(line) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Snapshot[line=" + line + ", space=" + space + ", device=" + device + ", snapshotLine="
                    + snapshotLine + ", addr=" + addr + ", length=" + length + ", pages=" + bytes.length + "]";
        }
    }

    /**
     * {@code expect data [DEV] ADDR SIZE DATA}: without a device ({@code device} null,
     * {@code readLine} 0), the bytes the CPU of {@code space} sees in the range; with one, the
     * bytes that device's read at {@code readLine} returned for the range.
     */
    record Data(int line, String space, String device, int readLine, Address addr, long length, DataPattern data)
            implements Expectation {}

    /**
     * {@code expect events [in SPACE] EVENT=N ...}: the operation raised exactly {@code N}
     * invalidations of each listed event (unlisted events are not checked); with {@code in SPACE}
     * ({@code space} not null) only those raised in that address space count.
     */
    record Events(int line, int opLine, String space, Map<MmuNotifierEvent, Long> counts) implements Expectation {
        public Events {
            counts = Map.copyOf(counts);
        }
    }

    /**
     * {@code expect device DEV holds ADDR SIZE PERM}: every page of the range has exactly
     * {@code perm} in DEV's own page table for the current space (not the CPU side a snapshot
     * reports).
     */
    record DeviceHolds(int line, String space, String device, Address addr, long length, DevicePerm perm)
            implements Expectation {}

    /**
     * {@code expect same-frame ADDR ADDR} / {@code expect different-frame ADDR ADDR}: both pages
     * are mapped present in the current space, on one frame (KSM, fork before COW) or on two.
     */
    record SameFrame(int line, String space, Address first, Address second, boolean same) implements Expectation {}

    /** {@code expect notifiers DEV COUNT}: interval notifiers DEV's mirror holds on the current space. */
    record Notifiers(int line, String space, String device, long count) implements Expectation {}

    /**
     * {@code expect pagemap ADDR SIZE [no-]FLAG ...}: every page of the range in {@code space}
     * has the {@link org.devmirror.mm.Pagemap} bits of {@code set} set and those of {@code clear}
     * clear.
     */
    record Pagemap(int line, String space, Address addr, long length, long set, long clear) implements Expectation {}

    /** {@code expect userfaults N}: writes parked on a userfault in {@code space}. */
    record Userfaults(int line, String space, long count) implements Expectation {}

    /** {@code expect oracle clean}: the oracle has found no violation so far. */
    record OracleClean(int line) implements Expectation {}
}

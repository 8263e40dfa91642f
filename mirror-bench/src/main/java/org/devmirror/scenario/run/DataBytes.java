package org.devmirror.scenario.run;

import org.devmirror.scenario.model.DataPattern;

/** The bytes a {@link DataPattern} stands for over a range, as an array for a CPU or device write. */
final class DataBytes {
    private DataBytes() {}

    /** {@code length} bytes of {@code pattern}, counted from the start of the range. */
    static byte[] of(DataPattern pattern, long length) {
        byte[] out = new byte[Math.toIntExact(length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = pattern.byteAt(i);
        }
        return out;
    }

    /** The first offset where {@code actual} differs from {@code pattern}, or -1 when they match. */
    static int firstMismatch(DataPattern pattern, byte[] actual, int from, int length) {
        for (int i = 0; i < length; i++) {
            if (actual[from + i] != pattern.byteAt(i)) {
                return i;
            }
        }
        return -1;
    }
}

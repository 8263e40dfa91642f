package org.devmirror.scenario.model;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The bytes a CPU or device write stores, or an {@code expect data} line expects, over a range.
 * Offsets count from the start of the range the statement names.
 */
public sealed interface DataPattern {
    /** The byte at {@code offset} from the start of the range. */
    byte byteAt(long offset);

    /** A range length this pattern fits exactly must be a multiple of this. */
    int unit();

    /**
     * {@code pattern index[+K]}: 32-bit little-endian words, word {@code i} holds
     * {@code i + first} (hmm-tests' {@code ptr[i] = i} over an {@code int *}).
     */
    record Index(long first) implements DataPattern {
        @Override
        public byte byteAt(long offset) {
            int word = (int) (offset / Integer.BYTES + first);
            return (byte) (word >>> (8 * (offset % Integer.BYTES)));
        }

        @Override
        public int unit() {
            return Integer.BYTES;
        }

        @Override
        public String toString() {
            return first == 0 ? "pattern index" : "pattern index+" + first;
        }
    }

    /** {@code fill BYTE} (and {@code zero}): every byte is {@code value}. */
    record Fill(int value) implements DataPattern {
        @Override
        public byte byteAt(long offset) {
            return (byte) value;
        }

        @Override
        public int unit() {
            return 1;
        }

        @Override
        public String toString() {
            return "fill 0x" + Integer.toHexString(value);
        }
    }

    /** {@code bytes HH HH ...}: the listed bytes, repeated over the range. */
    @SuppressWarnings(
            "ArrayRecordComponent") // the bytes are copied in and only read by index; a pattern is never compared or
    // hashed
    record Bytes(byte[] values) implements DataPattern {
        public Bytes {
            values = values.clone();
        }

        @Override
        public byte[] values() {
            return values.clone();
        }

        @Override
        public byte byteAt(long offset) {
            return values[(int) (offset % values.length)];
        }

        @Override
        public int unit() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes other && Arrays.equals(values, other.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "bytes " + HexFormat.ofDelimiter(" ").formatHex(values);
        }
    }
}

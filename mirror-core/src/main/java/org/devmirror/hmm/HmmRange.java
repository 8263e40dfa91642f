package org.devmirror.hmm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.devmirror.notifier.IntervalNotifier;

/**
 * Models {@code struct hmm_range} (include/linux/hmm.h): the arguments and the output buffer of
 * one {@link RangeFault#fault} call. The buffer holds one {@link HmmPfn} word per page of
 * {@code [start, end)}: on input the per-page request, on output the result. It is either a
 * {@code long[]} with an offset or a {@link MemorySegment} (8-byte aligned), so a driver can keep
 * it off-heap and reuse it; range fault allocates nothing per page.
 *
 * <h2>Assumptions and Guarantees</h2>
 * A mutable, reusable argument object: one thread fills it, calls range fault and reads the
 * output. Not thread-safe.
 */
public final class HmmRange {
    private IntervalNotifier notifier;
    private long notifierSeq;
    private long start;
    private long end;
    private long defaultFlags;
    private long pfnFlagsMask;
    private Object devPrivateOwner;
    // exactly one of array and segment is non-null once a buffer is set
    private long[] array;
    private int offset;
    private MemorySegment segment;
    /** The CPU entries of the 2 MiB block RangeFault is walking; reused so that a walk allocates nothing. */
    final long[] blockEntries = new long[512];

    /** An empty range; set at least the notifier, sequence, start, end and buffer. */
    public HmmRange() {}

    /** The interval notifier whose sequence guards this read. */
    public IntervalNotifier notifier() {
        return notifier;
    }

    public HmmRange notifier(IntervalNotifier notifier) {
        this.notifier = notifier;
        return this;
    }

    /** The value of {@link IntervalNotifier#readBegin()} this fault is valid for. */
    public long notifierSeq() {
        return notifierSeq;
    }

    public HmmRange notifierSeq(long seq) {
        this.notifierSeq = seq;
        return this;
    }

    /** First byte (inclusive, page aligned). */
    public long start() {
        return start;
    }

    public HmmRange start(long start) {
        this.start = start;
        return this;
    }

    /** One past the last byte (exclusive, page aligned). */
    public long end() {
        return end;
    }

    public HmmRange end(long end) {
        this.end = end;
        return this;
    }

    /** Request bits for every page ({@code default_flags}). */
    public long defaultFlags() {
        return defaultFlags;
    }

    public HmmRange defaultFlags(long flags) {
        this.defaultFlags = flags;
        return this;
    }

    /** Which input bits of each word are its own request ({@code pfn_flags_mask}). */
    public long pfnFlagsMask() {
        return pfnFlagsMask;
    }

    public HmmRange pfnFlagsMask(long mask) {
        this.pfnFlagsMask = mask;
        return this;
    }

    /** Device-private pages of a pagemap with this owner are reported, not faulted ({@code dev_private_owner}). */
    public Object devPrivateOwner() {
        return devPrivateOwner;
    }

    public HmmRange devPrivateOwner(Object owner) {
        this.devPrivateOwner = owner;
        return this;
    }

    /** Uses {@code array[offset ..]} as the buffer, one word per page. */
    public HmmRange pfns(long[] array, int offset) {
        if (array == null) {
            throw new IllegalArgumentException("array=null");
        }
        if (offset < 0 || offset > array.length) {
            throw new IllegalArgumentException("offset=" + offset + " is outside the array of " + array.length);
        }
        this.array = array;
        this.offset = offset;
        this.segment = null;
        return this;
    }

    /** Uses {@code seg} as the buffer, one 8-byte aligned word per page. */
    public HmmRange pfns(MemorySegment seg) {
        if (seg == null) {
            throw new IllegalArgumentException("seg=null");
        }
        if (seg.maxByteAlignment() < Long.BYTES) {
            throw new IllegalArgumentException("seg=" + seg + " is not 8-byte aligned");
        }
        this.segment = seg;
        this.array = null;
        this.offset = 0;
        return this;
    }

    /** Words the buffer holds, or -1 when no buffer is set. */
    public long capacity() {
        if (array != null) {
            return (long) array.length - offset;
        }
        return segment != null ? segment.byteSize() / Long.BYTES : -1;
    }

    /** The array buffer, or null when the buffer is a segment; for range fault's array fast path. */
    long[] array() {
        return array;
    }

    /** Index in {@link #array()} of page 0's word. */
    int arrayOffset() {
        return offset;
    }

    /** Number of pages in {@code [start, end)}. */
    public long npages() {
        return (end - start) >>> 12;
    }

    /** The word of page {@code i} (input before the fault, output after). */
    public long pfn(int i) {
        return array != null ? array[offset + i] : segment.getAtIndex(ValueLayout.JAVA_LONG, i);
    }

    /** Sets the word of page {@code i} (the per-page request). */
    public void setPfn(int i, long value) {
        if (array != null) {
            array[offset + i] = value;
        } else {
            segment.setAtIndex(ValueLayout.JAVA_LONG, i, value);
        }
    }
}

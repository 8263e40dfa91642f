package org.devmirror.device.stats;

import java.lang.management.ManagementFactory;

/**
 * Bytes the running thread allocates over a series of operations, kept in {@value #BATCHES}
 * consecutive batches: the one meter behind devmirror's no-allocation rule on the invalidation
 * and fault hot paths, used by device-model's own tests and by mirror-bench's {@code WorkProbe}
 * (which is why it lives in main code: mirror-bench's main sources cannot see a test jar).
 *
 * <p>Why batches: the runtime now and then allocates a few hundred bytes once on the measuring
 * thread (a lazily resolved call site, a deoptimisation, a lock's first contention, an OSR
 * transition while C2 is still busy on a loaded machine), which lands in one batch only, while an
 * allocation the code makes per operation lands in every batch and still shows (an object is at
 * least 16 bytes). So the figure reported is the least of the batches' bytes per operation
 * ({@link #bytesPerOp()}), and a single clean batch proves the code does not allocate per call
 * ({@link #allocatingBatches()}).
 *
 * <p>Allocation is read with {@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes},
 * around the measured operation only; re-arming work between operations is left out by the caller.
 *
 * <h2>Assumptions and Guarantees</h2>
 * One thread records into a meter ({@link #add}) and then reads it; a meter is not shared between
 * threads. {@link #allocatedBytes()} reads the calling thread's counter and allocates nothing.
 *
 * <h2>Locking</h2>
 * None: a meter is confined to the thread that measures.
 */
public final class AllocationMeter {
    /** Batches the measured operations are split into. */
    public static final int BATCHES = 5;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    // bytes[b] and ops[b]: what the operations of batch b allocated, and how many there were
    private final long[] bytes = new long[BATCHES];
    private final long[] ops = new long[BATCHES];
    private final long operations;

    /** A meter for {@code operations} operations, numbered {@code 0..operations-1}. */
    public AllocationMeter(long operations) {
        if (operations < 1) {
            throw new IllegalArgumentException("operations=" + operations + " must be at least 1");
        }
        this.operations = operations;
    }

    /** Bytes the calling thread has allocated since it started. */
    public static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /** Records {@code allocated} bytes for operation {@code op} (of {@code 0..operations-1}). */
    public void add(long op, long allocated) {
        if (op < 0 || op >= operations) {
            throw new IllegalArgumentException("op=" + op + " is outside 0.." + (operations - 1));
        }
        int b = (int) (op * BATCHES / operations);
        bytes[b] += allocated;
        ops[b]++;
    }

    /** The least of the batches' bytes per operation, rounded down; 0 before anything is recorded. */
    public long bytesPerOp() {
        long least = Long.MAX_VALUE;
        for (int b = 0; b < BATCHES; b++) {
            if (ops[b] > 0) {
                least = Math.min(least, bytes[b] / ops[b]);
            }
        }
        return least == Long.MAX_VALUE ? 0 : least;
    }

    /** How many batches allocated anything: {@link #BATCHES} when the code allocates per call. */
    public int allocatingBatches() {
        int allocating = 0;
        for (int b = 0; b < BATCHES; b++) {
            allocating += bytes[b] != 0 ? 1 : 0;
        }
        return allocating;
    }
}

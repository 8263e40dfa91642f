package org.devmirror.scenario;

/** A statement that names something for later statements and does no host or device work. */
public sealed interface Declaration extends Statement {
    /**
     * {@code device NAME [memory SIZE] [private|coherent]}: a simulated mirroring device (one
     * {@code hmm_dmirror} character device of lib/test_hmm.c). {@code memoryBytes} is its device
     * memory, or {@link #DEFAULT_MEMORY} to leave the size to the executor; {@code coherent}
     * chooses device-coherent memory ({@code HMM_DMIRROR_MEMORY_DEVICE_COHERENT}) over
     * device-private memory.
     */
    record Device(int line, String name, long memoryBytes, boolean coherent) implements Declaration {
        /** {@code memoryBytes} when the line gave no {@code memory} clause. */
        public static final long DEFAULT_MEMORY = 0;

        /** A device of device-private memory. */
        public Device(int line, String name, long memoryBytes) {
            this(line, name, memoryBytes, false);
        }
    }

    /** {@code file NAME SIZE}: a page-cache file of {@code size} bytes, zero-filled, for file mappings. */
    record File(int line, String name, long size) implements Declaration {}

    /**
     * {@code space NAME}: later operations apply to address space {@code name} ({@code main}
     * or a child made by {@code fork}). Operations already carry their resolved space; this
     * record is there for the executor's trace output.
     */
    record SelectSpace(int line, String name) implements Declaration {}
}

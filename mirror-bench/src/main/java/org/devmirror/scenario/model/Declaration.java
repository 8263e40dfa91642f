package org.devmirror.scenario.model;

import org.devmirror.mm.Host;

/** A statement that names something for later statements and does no host or device work. */
public sealed interface Declaration extends Statement {
    /**
     * {@code device NAME [memory SIZE]}: a simulated mirroring device (one {@code hmm_dmirror}
     * character device of lib/test_hmm.c). {@code memoryBytes} is its device-private memory, or
     * {@link #DEFAULT_MEMORY} to leave the size to the executor.
     */
    record Device(int line, String name, long memoryBytes) implements Declaration {
        /** {@code memoryBytes} when the line gave no {@code memory} clause. */
        public static final long DEFAULT_MEMORY = 0;
        /** Device-private pages of a device declared without {@code memory}: 8 MiB, room for four 2 MiB folios. */
        public static final long DEFAULT_PAGES = 2048;

        /** Its device-private memory in 4 KiB pages, the default when the line gave none. */
        public long pages() {
            return memoryBytes == DEFAULT_MEMORY ? DEFAULT_PAGES : memoryBytes / Host.PAGE_SIZE;
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

    /**
     * {@code step TITLE}: the statements that follow, up to the next {@code step}, are one step of
     * the story the file tells; the trace prints the title, numbered, before them. Runs nothing.
     */
    record Step(int line, String title) implements Declaration {}

    /**
     * {@code watch ADDR SIZE}: after every later operation the trace prints the CPU page-table
     * entries of the range in the operation's address space, one character per page, until the
     * next {@code watch}. Runs nothing and checks nothing.
     */
    record Watch(int line, Address addr, long length) implements Declaration {}
}

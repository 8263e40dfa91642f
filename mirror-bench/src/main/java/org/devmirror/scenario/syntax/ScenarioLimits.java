package org.devmirror.scenario.syntax;

import org.devmirror.device.memory.DeviceMemoryLayout;
import org.devmirror.scenario.model.Scenario;

/**
 * The limits a scenario file and its run stay within, so that the real memory and time of a run
 * follow the simulated host and not the input (docs/limits.md lists them). The parser checks each
 * one before anything runs; a file beyond a limit is bad input, reported like any parse error.
 */
public final class ScenarioLimits {
    /** Bytes of a scenario file: a thousand times the largest example, read no further than this. */
    public static final long MAX_FILE_BYTES = 1 << 20;
    /** Characters of one line: room for a {@code bytes} list of 5,000 values. */
    public static final int MAX_LINE_CHARS = 16 * 1024;
    /** Characters of one token: far more than any name, number or keyword needs. */
    public static final int MAX_TOKEN_CHARS = 256;
    /** Errors reported for one file; the rest are counted. */
    public static final int MAX_ERRORS = 100;
    /** Address spaces (simulated processes) of a run: {@code main} and every {@code fork} child. */
    public static final int MAX_SPACES = 16_384;
    /**
     * Bytes one access covers (a CPU read or write, any device operation, an {@code expect data}
     * or {@code expect snapshot}, the range of a {@code watch}): the scenario host's RAM, which no single
     * access could use more of.
     */
    public static final long MAX_ACCESS_BYTES = Scenario.HOST.frames() * Tokens.PAGE_SIZE;
    /** Device memory is a whole number of 2 MiB blocks, each able to hold one huge (PMD-sized) folio. */
    public static final long DEVICE_MEMORY_CHUNK = (long) DeviceMemoryLayout.BLOCK_PAGES * Tokens.PAGE_SIZE;
    /** Device-private memory of all the devices of a file together. */
    public static final long MAX_DEVICE_MEMORY_BYTES = 256L << 20;

    private ScenarioLimits() {}
}

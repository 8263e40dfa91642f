package org.devmirror.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --ranges kernel|narrowed} on {@code run} and {@code replay}: the kernel's ranges by
 * default, the mode named in the text and JSON output, and the mode changing what the host raises.
 */
class RangesOptionTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();

    /** One munmap of 16 KiB of which nothing was ever written: the kernel still raises its UNMAP. */
    private Path emptyMunmapTrace() throws IOException {
        Path t = dir.resolve("empty-munmap.strace");
        Files.writeString(t, """
                7 mmap(NULL, 16384, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000
                7 munmap(0x7f0000000000, 16384) = 0
                7 exit_group(0) = ?
                """);
        return t;
    }

    @Test
    void replaySaysWhichModeRanAndTheKernelsUnmapCoversEmptyTables() throws IOException {
        Path t = emptyMunmapTrace();
        assertEquals(0, cli.devmirror("replay", t.toString(), "--policy", "blind", "--json"), cli.err::toString);
        String kernel = cli.out.toString();
        assertTrue(kernel.contains("\"ranges\": \"kernel\""), kernel);
        // munmap's UNMAP over the empty tables; exit_mmap finds no VMA left and raises none
        assertTrue(kernel.contains("\"UNMAP\": 1"), kernel);
        cli.out.getBuffer().setLength(0);
        assertEquals(
                0,
                cli.devmirror("replay", t.toString(), "--policy", "blind", "--json", "--ranges", "narrowed"),
                cli.err::toString);
        String narrowed = cli.out.toString();
        assertTrue(narrowed.contains("\"ranges\": \"narrowed\""), narrowed);
        assertTrue(narrowed.contains("\"UNMAP\": 0"), "nothing populated, nothing raised: " + narrowed);
        cli.out.getBuffer().setLength(0);
        assertEquals(0, cli.devmirror("replay", t.toString(), "--policy", "blind"), cli.err::toString);
        assertTrue(cli.out.toString().contains("1 device(s), seed 1, kernel ranges"), cli.out::toString);
    }

    @Test
    void runSaysWhichModeRan() {
        assertEquals(
                0,
                cli.devmirror("run", "../examples/anon_write.scn", "--ranges", "narrowed", "--json"),
                cli.err::toString);
        assertTrue(cli.out.toString().contains("\"ranges\": \"narrowed\""), cli.out::toString);
        cli.out.getBuffer().setLength(0);
        assertEquals(0, cli.devmirror("run", "../examples/anon_write.scn"), cli.err::toString);
        assertTrue(
                cli.out
                        .toString()
                        .startsWith("run of ../examples/anon_write.scn under the event-aware policy, kernel ranges\n"),
                cli.out::toString);
    }

    @Test
    void aBadModeIsBadInput() {
        assertEquals(2, cli.devmirror("run", "../examples/anon_write.scn", "--ranges", "coarse"));
        assertTrue(
                cli.err.toString().contains("devmirror run: --ranges coarse is not kernel or narrowed"),
                cli.err::toString);
        assertEquals(2, cli.devmirror("replay", "../examples/traces/ls-timestamps.strace", "--ranges", "KERNEL"));
        assertTrue(
                cli.err.toString().contains("devmirror replay: --ranges KERNEL is not kernel or narrowed"),
                cli.err::toString);
    }
}

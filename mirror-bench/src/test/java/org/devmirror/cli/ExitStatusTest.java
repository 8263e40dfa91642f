package org.devmirror.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.devmirror.device.driver.PolicyResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./devmirror run}, {@code replay} and {@code demo} exit 0 when everything held, 1 when something failed, 2 for bad input. */
class ExitStatusTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void runExitsZeroWhenEverythingHolds() {
        assertEquals(0, cli.devmirror("run", "../examples/anon_write.scn"), err::toString);
        assertTrue(out.toString().endsWith("PASS\n"), out::toString);
    }

    @Test
    void runExitsOneWhenAnExpectationFails() throws IOException {
        Path f = file("fails.scn", "buf = mmap 4p r private anon\nwrite buf 4 fill 1 -> OK\n");
        assertEquals(1, cli.devmirror("run", f.toString(), "--policy", "blind"));
        assertTrue(out.toString().contains(f + ":2: result: expected OK, got EPERM"), out::toString);
    }

    @Test
    void runExitsTwoForParseErrorsAndRunsNothing() throws IOException {
        Path f = file("bad.scn", "device gpu\nbuf = mmap 4p rw privat anon\ngpu bogus buf 4p\n");
        assertEquals(2, cli.devmirror("run", f.toString(), "--json"));
        assertEquals("", out.toString(), "nothing ran, nothing printed");
        assertTrue(err.toString().contains(f + ":2: bad mmap option 'privat'"), err::toString);
        assertTrue(err.toString().contains(f + ":3: "), err::toString);
    }

    @Test
    void runExitsTwoForAMissingFileOrABadPolicy() {
        assertEquals(2, cli.devmirror("run", dir.resolve("absent.scn").toString()));
        assertTrue(err.toString().contains("cannot read"), err::toString);
        assertEquals(2, cli.devmirror("run", "../examples/anon_write.scn", "--policy", "smart"));
        assertTrue(
                err.toString()
                        .contains("devmirror run: --policy=smart is not " + PolicyResolver.SHIPPED_NAMES
                                + ", and no class of that name"),
                err::toString);
        assertEquals(2, cli.devmirror("run"));
        assertEquals(2, cli.devmirror("run", "../examples/anon_write.scn", "--frobnicate"));
    }

    @Test
    void demoRunsExamplesDemoScnUnderEveryListedPolicy() {
        assertEquals(0, cli.devmirror("demo", "--policy", "blind,aware,aware-downgrade"), err::toString);
        assertTrue(out.toString().contains("run of examples/demo.scn under the blind policy"), out::toString);
        assertTrue(
                out.toString().contains("Per-event device work, blind policy | event-aware policy | "), out::toString);
        assertTrue(out.toString().matches("(?s).*\noracle violations +0 \\| 0 \\| 0\n.*"), out::toString);
    }

    @Test
    void demoExitsTwoForABadPolicy() {
        assertEquals(2, cli.devmirror("demo", "--policy", "aware,smart"));
        assertTrue(err.toString().contains("devmirror demo: --policy=smart is not aware"), err::toString);
        assertEquals("", out.toString(), "nothing ran, nothing printed");
    }

    @Test
    void replayExitsZeroWithACleanOracleAndPrintsBothPolicies() throws IOException {
        Path t = file("tiny.strace", """
                7 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000
                7 mprotect(0x7f0000000000, 8192, PROT_READ) = 0
                7 munmap(0x7f0000000000, 16384) = 0
                7 exit_group(0) = ?
                """);
        assertEquals(0, cli.devmirror("replay", t.toString(), "--policy", "both"), err::toString);
        assertTrue(out.toString().contains("device time blind / event-aware"), out::toString);
    }

    @Test
    void replayExitsTwoForBadInput() {
        assertEquals(2, cli.devmirror("replay", dir.resolve("absent.strace").toString()));
        assertEquals(2, cli.devmirror("replay", dir.toString()));
        assertEquals(2, cli.devmirror("replay", "../examples/traces/ls-timestamps.strace", "--policy", "smart"));
        assertEquals(2, cli.devmirror("replay", "../examples/traces/ls-timestamps.strace", "--devices", "0"));
        assertEquals(2, cli.devmirror("replay", "../examples/traces/ls-timestamps.strace", "--seed", "x"));
    }
}

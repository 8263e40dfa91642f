package org.devmirror.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry of shipped traces is the directory: its {@code *.strace} files, and nothing else. */
class ShippedTracesTest {
    @Test
    void namesAreTheTraceFilesLessTheirExtensionSorted(@TempDir Path dir) throws IOException {
        // 1. Two traces, a README, a capture directory holding a script and a stray trace, an empty-named file.
        Files.writeString(dir.resolve("zeta.strace"), "");
        Files.writeString(dir.resolve("alpha.strace"), "");
        Files.writeString(dir.resolve("README.md"), "");
        Files.writeString(dir.resolve(".strace"), "");
        Files.createDirectories(dir.resolve("capture"));
        Files.writeString(dir.resolve("capture").resolve("alpha.sh"), "");
        Files.writeString(dir.resolve("capture").resolve("nested.strace"), "");
        Files.createDirectories(dir.resolve("dir.strace"));

        // 2. Only the two trace files directly in the directory are traces.
        assertEquals(List.of("alpha", "zeta"), ShippedTraces.names(dir));
        assertEquals(dir.resolve("zeta.strace"), ShippedTraces.file(dir, "zeta"));
    }

    @Test
    void aNameThatIsAPathIsRefused(@TempDir Path dir) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ShippedTraces.file(dir, "../x"));
        assertEquals("name=../x is not a trace name", e.getMessage());
    }
}

package org.devmirror.trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The registry of the traces devmirror ships: every {@code *.strace} file directly in
 * {@code examples/traces} is one, named by its file name less the extension
 * ({@code redis-bgsave.strace} is {@code redis-bgsave}). Shipping a trace means adding its file
 * there (with its capture script under {@code capture/} and its row in the README); the replay
 * benchmark and the tests that replay every shipped trace find it by listing the directory, so
 * no list of trace names is written anywhere else.
 */
public final class ShippedTraces {
    /** The file name extension of a trace. */
    public static final String EXTENSION = ".strace";

    private ShippedTraces() {}

    /**
     * The names of the traces in {@code directory}, sorted; other files (the README) and
     * subdirectories (the capture scripts) are not traces.
     *
     * @throws IOException when the directory cannot be listed
     */
    public static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(EXTENSION) && n.length() > EXTENSION.length())
                    .map(n -> n.substring(0, n.length() - EXTENSION.length()))
                    .sorted()
                    .toList();
        }
    }

    /** The file of the trace {@code name} in {@code directory}. */
    public static Path file(Path directory, String name) {
        if (name == null || name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("name=" + name + " is not a trace name");
        }
        return directory.resolve(name + EXTENSION);
    }
}

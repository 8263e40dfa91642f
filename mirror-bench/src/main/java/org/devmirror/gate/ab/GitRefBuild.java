package org.devmirror.gate.ab;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A build of another revision of devmirror, for the base side of {@code ./devmirror gate --ab REF}:
 * the revision is checked out with {@code git worktree add --detach} into a temporary directory
 * and packaged there with {@code ./mvnw -B -q -DskipTests package}, using the JDK of the running
 * gate, so that both builds differ only in their sources. Closing removes the worktree and the
 * directory.
 */
public final class GitRefBuild implements AutoCloseable {
    private static final long BUILD_TIMEOUT_MINUTES = 30;

    private final Path repoRoot;
    private final Path tempDir;
    private final Path checkout;
    private final String ref;
    private final String commit;

    private GitRefBuild(Path repoRoot, Path tempDir, Path checkout, String ref, String commit) {
        this.repoRoot = repoRoot;
        this.tempDir = tempDir;
        this.checkout = checkout;
        this.ref = ref;
        this.commit = commit;
    }

    /** The top directory of the git repository holding {@code dir}. */
    public static Path repositoryRoot(Path dir) throws IOException {
        return Path.of(
                run(dir, null, List.of("git", "rev-parse", "--show-toplevel")).strip());
    }

    /**
     * Checks out {@code ref} of the repository at {@code repoRoot} and builds it.
     *
     * @throws IllegalArgumentException when {@code ref} names no commit
     * @throws IOException              when the checkout or the build fails (the message holds the
     *                                  build's last lines)
     */
    public static GitRefBuild build(Path repoRoot, String ref, Path javaHome, PrintWriter progress) throws IOException {
        String commit;
        try {
            commit = run(repoRoot, null, List.of("git", "rev-parse", "--verify", "--quiet", ref + "^{commit}"))
                    .strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("ref=" + ref + " names no commit of " + repoRoot, e);
        }
        Path tempDir = Files.createTempDirectory("devmirror-gate-");
        Path checkout = tempDir.resolve("src");
        GitRefBuild b = new GitRefBuild(repoRoot, tempDir, checkout, ref, commit);
        try {
            progress.printf("gate: checking out %s (%s) into %s%n", ref, commit.substring(0, 12), checkout);
            run(repoRoot, null, List.of("git", "worktree", "add", "--detach", checkout.toString(), commit));
            progress.printf("gate: building %s with %s%n", ref, javaHome);
            run(checkout, javaHome, List.of("./mvnw", "-B", "-q", "-DskipTests", "package"));
            if (!Files.isRegularFile(b.jar())) {
                throw new IOException("building " + ref + " produced no " + b.jar());
            }
            return b;
        } catch (IOException | RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /** The runnable jar of the built revision. */
    public Path jar() {
        return checkout.resolve("mirror-bench/target/devmirror.jar");
    }

    public String ref() {
        return ref;
    }

    public String commit() {
        return commit;
    }

    @Override
    public void close() throws IOException {
        try {
            if (Files.exists(checkout)) {
                run(repoRoot, null, List.of("git", "worktree", "remove", "--force", checkout.toString()));
            }
        } finally {
            if (Files.exists(tempDir)) {
                try (Stream<Path> all = Files.walk(tempDir)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    /** Runs {@code cmd} in {@code dir}; returns its output, or throws with it when the status is not 0. */
    private static String run(Path dir, Path javaHome, List<String> cmd) throws IOException {
        ProcessBuilder pb =
                new ProcessBuilder(new ArrayList<>(cmd)).directory(dir.toFile()).redirectErrorStream(true);
        if (javaHome != null) {
            pb.environment().put("JAVA_HOME", javaHome.toString());
        }
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(
                        String.join(" ", cmd) + " did not finish in " + BUILD_TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", cmd), e);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            String[] lines = text.split("\n", -1);
            String tail = String.join(
                    "\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 20), lines.length));
            throw new IOException(
                    String.join(" ", cmd) + " in " + dir + " exited with status " + p.exitValue() + ":\n" + tail);
        }
        return text;
    }
}

package org.devmirror.gate.ab;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.devmirror.bench.report.BenchResult;
import org.devmirror.bench.report.JmhResults;
import org.devmirror.bench.suite.ForkJvm;
import org.devmirror.json.JsonInputException;

/**
 * Runs one fork as its own process:
 * {@code [taskset -c N] java <jvmArgs> -cp <classpath> org.openjdk.jmh.Main <include> -f 1 ...
 * -rf json -rff <file>}, and reads the JSON JMH wrote.
 *
 * <p>Why a process per fork rather than JMH's {@code -f N}: the gate alternates the two builds
 * fork by fork (A B A B ...), which one JMH invocation cannot do, and each build must run with
 * its own class path. JMH's own forked JVM inherits the java binary, the JVM arguments and the
 * CPU affinity of the process started here.
 *
 * <p>Forks start with {@code -Djmh.ignoreLock=true}: see {@link #command}.
 *
 * <p>The process's output goes to a log file beside the JSON; a failing fork (non-zero exit,
 * {@code -foe true} makes a benchmark error one) is an {@link IOException} naming that log.
 */
public final class JmhForkLauncher implements ForkRunner {
    /** A fork that has not finished after this long is hung, not slow. */
    private static final long FORK_TIMEOUT_MINUTES = 60;

    private final Path workDir;
    private final boolean taskset;

    /**
     * @param workDir where each fork's JSON and log go
     * @param taskset whether {@code taskset} may be used to pin forks (see {@link #tasksetAvailable()})
     */
    public JmhForkLauncher(Path workDir, boolean taskset) {
        this.workDir = workDir;
        this.taskset = taskset;
    }

    /** Whether a {@code taskset} binary is on the PATH. */
    public static boolean tasksetAvailable() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator, -1)) {
            if (Files.isExecutable(Path.of(dir, "taskset"))) {
                return true;
            }
        }
        return false;
    }

    /** The command line of one fork writing its JSON to {@code resultFile}. */
    public List<String> command(BuildUnderTest build, ForkPlan plan, Path resultFile) {
        List<String> cmd = new ArrayList<>();
        if (taskset && plan.cpu().isPresent()) {
            cmd.add("taskset");
            cmd.add("-c");
            cmd.add(Integer.toString(plan.cpu().getAsInt()));
        }
        cmd.add(plan.javaBinary().toString());
        // JMH's machine-wide lock would make the gate wait for, or fail on, anyone else's benchmark
        // run. The gate is built to tolerate such neighbours (interleaving, same-fork references),
        // so it does not wait for them.
        cmd.add("-Djmh.ignoreLock=true");
        cmd.addAll(ForkJvm.CHECKERS_OFF); // before the build's own, which may switch them on again
        cmd.addAll(build.jvmArgs());
        cmd.add("-cp");
        cmd.add(classpath(build, plan.clock()));
        cmd.add("org.openjdk.jmh.Main");
        cmd.add(plan.include());
        cmd.addAll(plan.clock().jmhArgs());
        cmd.addAll(List.of(
                "-f",
                "1",
                "-foe",
                "true",
                "-rf",
                "json",
                "-rff",
                resultFile.toAbsolutePath().toString()));
        plan.warmupIterations().ifPresent(n -> cmd.addAll(List.of("-wi", Integer.toString(n))));
        plan.measureIterations()
                .ifPresent(n -> cmd.addAll(
                        List.of("-i", Integer.toString(n + plan.clock().unscoredIterations()))));
        plan.iterationMillis().ifPresent(ms -> cmd.addAll(List.of("-w", ms + "ms", "-r", ms + "ms")));
        for (java.util.Map.Entry<String, String> p : plan.params().entrySet()) {
            cmd.add("-p");
            cmd.add(p.getKey() + "=" + p.getValue());
        }
        return cmd;
    }

    /**
     * The build's class path, and for the CPU clock the gate's own code after it: a base built
     * from an older commit may not have {@link ThreadCpuProfiler}, and entries after the build's
     * supply only the classes the build lacks.
     */
    static String classpath(BuildUnderTest build, ForkClock clock) {
        String own = build.classpathArgument();
        return switch (clock) {
            case WALL -> own;
            case THREAD_CPU -> own + File.pathSeparator + gateCodeSource();
        };
    }

    /** Where the gate's classes were loaded from (its jar, or a classes directory). */
    private static String gateCodeSource() {
        try {
            return Path.of(ThreadCpuProfiler.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the gate's own code source is not a path", e);
        }
    }

    @Override
    public List<BenchResult> runFork(BuildUnderTest build, ForkPlan plan, int round) throws IOException {
        Files.createDirectories(workDir);
        String stem = String.format("round%02d-%s", round, build.name().replaceAll("[^A-Za-z0-9]+", "_"));
        Path json = workDir.resolve(stem + ".json");
        Path log = workDir.resolve(stem + ".log");
        Files.deleteIfExists(json);
        Process p = new ProcessBuilder(command(build, plan, json))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!p.waitFor(FORK_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException(
                        "fork " + stem + " did not finish in " + FORK_TIMEOUT_MINUTES + " minutes; see " + log);
            }
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fork " + stem + " ran", e);
        }
        if (p.exitValue() != 0 || !Files.exists(json)) {
            throw new IOException("fork " + stem + " exited with status " + p.exitValue() + "; last lines of " + log
                    + ":\n" + tail(log));
        }
        try {
            List<BenchResult> results = JmhResults.readJson(json);
            if (results.isEmpty()) {
                throw new IOException("fork " + stem + " ran no benchmark: does include=" + plan.include()
                        + " match any benchmark of " + build.name() + "?");
            }
            return results;
        } catch (JsonInputException e) {
            throw new IOException("fork " + stem + " wrote unreadable JSON " + json + ": " + e.getMessage(), e);
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }
}

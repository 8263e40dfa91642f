package org.devmirror.gate.ab;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.devmirror.gate.stats.GateSettings;
import org.devmirror.gate.stats.ThresholdRule;
import org.devmirror.gate.stats.TimingComparator;

/**
 * One interleaved A/B timing comparison, {@code ./devmirror gate --ab BASE}: where the two builds
 * come from and how their forks run. The base is a jar, or a git ref that is built in a temporary
 * worktree ({@link GitRefBuild}) and removed afterwards; the candidate is a jar (by default the
 * running one).
 *
 * @param base             a jar path, or a git ref of the repository the working directory is in
 * @param candidateJar     the candidate build's jar
 * @param plan             what each fork runs
 * @param design           forks per side: at the first look, and up to the last while a benchmark is
 *                         inconclusive ({@link SequentialDesign#fixed} for one look)
 * @param jvmArgs          JVM arguments for both builds' forks
 * @param candidateJvmArgs JVM arguments for the candidate's forks only (e.g. work injection)
 * @param classpath        class path entries both builds get after their jar (a policy's classes)
 * @param baseClasspath    entries for the base build only, ahead of {@code classpath}, so that a
 *                         class in both (two versions of one policy) resolves to the base's version
 * @param workDir          where fork results and logs go
 * @param taskset          whether forks are pinned with {@code taskset} (the CPU is in the plan)
 */
public record AbRun(
        String base,
        Path candidateJar,
        ForkPlan plan,
        SequentialDesign design,
        List<String> jvmArgs,
        List<String> candidateJvmArgs,
        List<Path> classpath,
        List<Path> baseClasspath,
        Path workDir,
        boolean taskset) {

    public AbRun {
        if (base == null || base.isBlank()) {
            throw new IllegalArgumentException("base=" + base + " must name a jar or a git ref");
        }
        jvmArgs = List.copyOf(jvmArgs);
        candidateJvmArgs = List.copyOf(candidateJvmArgs);
        classpath = List.copyOf(classpath);
        baseClasspath = List.copyOf(baseClasspath);
    }

    /** Builds the base if it is a git ref, times both builds, and compares them; progress goes to {@code err}. */
    public TimingGate.Outcome run(PrintWriter err) throws IOException {
        TimingGate gate = gate(workDir, taskset, err);
        BuildUnderTest candidate = new BuildUnderTest("candidate", List.of(candidateJar), jvmArgs)
                .withClasspath(classpath)
                .withJvmArgs(candidateJvmArgs);
        List<Path> baseOnly = new ArrayList<>(baseClasspath);
        baseOnly.addAll(classpath);
        Path asJar = Path.of(base);
        if (base.endsWith(".jar") && Files.isRegularFile(asJar)) {
            BuildUnderTest b = new BuildUnderTest("base", List.of(asJar), jvmArgs).withClasspath(baseOnly);
            return gate.run(b, candidate, plan, design);
        }
        Path repo = GitRefBuild.repositoryRoot(Path.of("").toAbsolutePath());
        Path javaHome = ForkPlan.currentJava().getParent().getParent();
        try (GitRefBuild built = GitRefBuild.build(repo, base, javaHome, err)) {
            BuildUnderTest b =
                    new BuildUnderTest("base " + base, List.of(built.jar()), jvmArgs).withClasspath(baseOnly);
            return gate.run(b, candidate, plan, design);
        }
    }

    /** The gate with its default statistics and the suite's references, running JMH forks into {@code workDir}. */
    static TimingGate gate(Path workDir, boolean taskset, PrintWriter err) {
        return new TimingGate(
                new JmhForkLauncher(workDir, taskset),
                new TimingComparator(GateSettings.defaults()),
                ThresholdRule.defaults(),
                GateReferences.suite(),
                err);
    }

    /**
     * The power experiment ({@link PowerExperiment}) of the jar {@link #base} names against itself,
     * {@code runs} gate runs per size, each trial's forks in its own directory under {@link #workDir};
     * returns the trials, also in {@code workDir/trials.tsv}.
     */
    public List<PowerExperiment.Trial> powerExperiment(List<PowerExperiment.Size> sizes, int runs, PrintWriter err)
            throws IOException {
        Path jar = Path.of(base);
        if (!base.endsWith(".jar") || !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(
                    "--power-runs times one build against itself: --ab " + base + " must be a jar");
        }
        BuildUnderTest build = new BuildUnderTest("build", List.of(jar), jvmArgs).withClasspath(classpath);
        PowerExperiment experiment = new PowerExperiment(name -> gate(workDir.resolve(name), taskset, err), err);
        return experiment.run(build, plan, design, sizes, runs, workDir.resolve("trials.tsv"));
    }
}

package org.devmirror.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.gate.ab.AbRun;
import org.devmirror.gate.ab.ForkClock;
import org.devmirror.gate.ab.ForkPlan;
import org.devmirror.gate.ab.JmhForkLauncher;
import org.devmirror.gate.ab.PowerExperiment;
import org.devmirror.gate.ab.PowerTally;
import org.devmirror.gate.ab.SequentialDesign;
import org.devmirror.gate.ab.TimingGate;
import org.devmirror.gate.ab.TimingTable;
import org.devmirror.gate.deterministic.DeterministicGate;
import org.devmirror.gate.deterministic.DeterministicProbe;
import org.devmirror.gate.deterministic.SuiteProbe;
import org.devmirror.input.InputFileException;
import org.devmirror.json.JsonInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./devmirror gate}: the performance regression gate (see {@code docs/gate.md}).
 *
 * <ul>
 *   <li>{@code gate}: the deterministic checks (allocation and work per operation of every hot
 *       path) against {@code perf/baseline.json}; exit 1 with a table of what changed.</li>
 *   <li>{@code gate --update-baseline}: records the values measured now, showing what changed.</li>
 *   <li>{@code gate --ab BASE_REF_OR_JAR [--candidate JAR]}: the interleaved timing comparison of
 *       two builds; exit 1 on a confirmed regression. With {@code --policy CLASS} the benchmarks
 *       that take a policy time that class; {@code --base-classpath} gives the base side another
 *       version of it, so two versions of a driver author's policy can be compared.</li>
 *   <li>{@code gate --ab JAR --power-runs N [--power-sizes 0,10,20,50]}: the power experiment
 *       ({@link PowerExperiment}): the catch rate of injected slowdowns and the A/A false-alarm
 *       rate over N gate runs each, as a table and a plot.</li>
 * </ul>
 * Exit status: 0 passed, 1 the gate failed, 2 bad input (see {@link DevmirrorCommand}).
 */
@Command(
        name = "gate",
        mixinStandardHelpOptions = true,
        description = "Performance regression gate: exact allocation and work checks against perf/baseline.json,"
                + " or (--ab) an interleaved, normalised timing comparison of two builds.")
public final class GateCommand implements Callable<Integer> {
    /** The benchmarks {@code --ab} times unless told otherwise: every benchmark of the suite. */
    static final String DEFAULT_INCLUDE = "^org\\.devmirror\\.bench\\.";
    /** The {@code @Param} of the benchmarks that take a policy name ({@code InvalidateBench} and others). */
    static final String POLICY_PARAM = "policy";
    /** The system property in which the launcher passes the class path entries it added. */
    static final String LAUNCHER_CLASSPATH_PROPERTY = "devmirror.classpath";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--baseline",
            paramLabel = "FILE",
            defaultValue = "perf/baseline.json",
            description = "The deterministic baseline (default: ${DEFAULT-VALUE}).")
    Path baseline;

    @Option(names = "--update-baseline", description = "Record the values measured now as the baseline.")
    boolean updateBaseline;

    @Option(
            names = "--ab",
            paramLabel = "BASE_REF_OR_JAR",
            description = "Compare timings with this base: a git ref (built in a temporary worktree) or a jar.")
    String ab;

    @Option(
            names = "--candidate",
            paramLabel = "JAR",
            description = "The candidate build's jar (default: the jar running this command).")
    Path candidate;

    @Option(
            names = "--forks",
            paramLabel = "N",
            defaultValue = "9",
            description = "Forks per side, interleaved A B, B A, ... (default: ${DEFAULT-VALUE}, at least 9).")
    int forks;

    @Option(
            names = "--max-forks",
            paramLabel = "N",
            description = "Sequential testing: while a benchmark is INCONCLUSIVE, add --look-every rounds and look"
                    + " again, up to N forks per side, with alpha split evenly over the looks (default: --forks,"
                    + " one look).")
    Integer maxForks;

    @Option(
            names = "--look-every",
            paramLabel = "N",
            defaultValue = "5",
            description = "Rounds added between the looks of --max-forks (default: ${DEFAULT-VALUE}).")
    int lookEvery;

    @Option(
            names = "--include",
            paramLabel = "REGEX",
            defaultValue = DEFAULT_INCLUDE,
            description = "JMH regex of the benchmarks to time (default: the whole suite); references are added.")
    String include;

    @Option(
            names = "--param",
            paramLabel = "NAME=V1,V2",
            description = "Restrict a @Param to these values (JMH -p); repeatable.")
    Map<String, String> params = new TreeMap<>();

    @Option(
            names = "--cpu",
            paramLabel = "N",
            description = "Pin every fork to this CPU with taskset (default: the last CPU, when taskset exists).")
    Integer cpu;

    @Option(names = "--no-pin", description = "Do not pin forks to a CPU.")
    boolean noPin;

    @Option(
            names = "--classpath",
            paramLabel = "PATH",
            split = ":",
            description = "Extra class path entries for both builds, after those given to the launcher"
                    + " (./devmirror --classpath PATH or DEVMIRROR_CLASSPATH), e.g. the directory of your own policy.")
    List<Path> extraClasspath = new ArrayList<>();

    @Option(
            names = "--base-classpath",
            paramLabel = "PATH",
            split = ":",
            description = "Class path entries for the base build only, ahead of the shared ones: e.g. the"
                    + " previous version of your policy's classes, to time two versions of it.")
    List<Path> baseClasspath = new ArrayList<>();

    @Option(
            names = "--policy",
            paramLabel = "NAME|CLASS",
            description =
                    "Time the benchmarks that take a policy under this one only (the same as --param policy=...):"
                            + " a shipped name (${COMPLETION-CANDIDATES}) or a class, which must be on the class path of both builds.",
            completionCandidates = ShippedPolicyNames.class)
    String policy;

    @Option(names = "--jvm-arg", paramLabel = "ARG", description = "A JVM argument for both builds' forks; repeatable.")
    List<String> jvmArgs = new ArrayList<>();

    @Option(
            names = "--candidate-jvm-arg",
            paramLabel = "ARG",
            description = "A JVM argument for the candidate's forks only, e.g. -Ddevmirror.inject=slow-zap"
                    + " (test-only work injection); repeatable.")
    List<String> candidateJvmArgs = new ArrayList<>();

    @Option(
            names = "--warmup",
            paramLabel = "N",
            description = "Warmup iterations per fork (default: each benchmark's own).")
    Integer warmupIterations;

    @Option(
            names = "--iterations",
            paramLabel = "N",
            description = "Measurement iterations per fork that score it (default: each benchmark's own);"
                    + " --clock cpu runs one more and leaves it out, since it also counts the trial's teardown.")
    Integer measureIterations;

    @Option(
            names = "--iteration-ms",
            paramLabel = "MS",
            description = "Milliseconds per timed warmup and measurement iteration (default: each benchmark's own).")
    Integer iterationMillis;

    @Option(
            names = "--clock",
            paramLabel = "wall|cpu",
            defaultValue = "wall",
            description = "What a fork's score counts: wall (JMH's wall-clock time) or cpu (the CPU time of the"
                    + " benchmark's threads, which leaves out the time a neighbour held the core but also time spent"
                    + " waiting: for single-threaded benchmarks). Default: ${DEFAULT-VALUE}.")
    String clock;

    @Option(
            names = "--power-runs",
            paramLabel = "N",
            description = "The power experiment: N gate runs of the --ab jar against itself per --power-sizes size,"
                    + " the candidate slowed by -Ddevmirror.inject=slow:P; prints the catch and false-alarm rates"
                    + " and writes trials.tsv, power.md and the power curve to the work directory.")
    Integer powerRuns;

    @Option(
            names = "--power-sizes",
            paramLabel = "P,P",
            split = ",",
            defaultValue = "0,10,20,50",
            description = "Injected slowdowns in percent of the operation's own time; 0 is an A/A run"
                    + " (default: ${DEFAULT-VALUE}).")
    List<Integer> powerSizes = new ArrayList<>();

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            description = "Where fork results and logs go (default: target/gate/<timestamp>).")
    Path workDir;

    private final DeterministicProbe probe;

    /** The command over devmirror's own hot paths. */
    public GateCommand() {
        this(new SuiteProbe());
    }

    /** The command with another deterministic probe (tests). */
    public GateCommand(DeterministicProbe probe) {
        this.probe = probe;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (ab != null) {
                if (updateBaseline) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "--update-baseline and --ab are separate jobs; run them one at a time");
                }
                return timing(out, err);
            }
            return updateBaseline ? update(out) : check(out);
        } catch (NoSuchFileException e) {
            throw new BadInputException("devmirror gate: " + e.getFile() + " does not exist"
                    + (e.getFile().endsWith(".json") ? "; record one with ./devmirror gate --update-baseline" : ""));
        } catch (InputFileException e) {
            throw new BadInputException("devmirror gate: " + e.getMessage()
                    + (Files.exists(baseline) ? "" : "; record a baseline with ./devmirror gate --update-baseline"));
        } catch (IllegalStateException e) {
            err.println("devmirror gate: " + e.getMessage());
            return DevmirrorCommand.EXIT_FAILED;
        } catch (JsonInputException e) {
            // Only the baseline is read as JSON here: the message names it, with where the error is.
            throw new BadInputException("devmirror gate: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new BadInputException("devmirror gate: " + e.getMessage());
        } catch (IOException e) {
            throw new BadInputException("devmirror gate: " + e.getMessage());
        } finally {
            // main() exits right after: what was printed without a newline must reach the terminal.
            out.flush();
            err.flush();
        }
    }

    private int check(PrintWriter out) throws IOException, JsonInputException {
        DeterministicGate.Outcome o = new DeterministicGate(baseline, probe).check();
        if (o.passed()) {
            out.printf("gate: %d checks match %s%n", o.measured().checks().size(), baseline);
            return 0;
        }
        out.printf("gate: %d value(s) differ from %s:%n%n", o.diff().changes().size(), baseline);
        out.print(o.diff().toTable());
        out.println();
        out.println("gate: FAILED. If the change is intended, record it with ./devmirror gate --update-baseline"
                + " and commit perf/baseline.json with the change that caused it.");
        return 1;
    }

    private int update(PrintWriter out) throws IOException, JsonInputException {
        DeterministicGate.Outcome o = new DeterministicGate(baseline, probe).update();
        if (o.diff().isEmpty()) {
            out.printf(
                    "gate: %s unchanged (%d checks)%n",
                    baseline, o.measured().checks().size());
        } else {
            out.printf(
                    "gate: recorded %d changed value(s) in %s:%n%n",
                    o.diff().changes().size(), baseline);
            out.print(o.diff().toTable());
        }
        return 0;
    }

    private int timing(PrintWriter out, PrintWriter err) throws IOException {
        Path candidateJar = candidate != null ? candidate : runningJar();
        requireFile(candidateJar, "--candidate");
        Path dir = workDir != null
                ? workDir
                : Path.of(
                        "target",
                        "gate",
                        LocalDateTime.now(ZoneId.systemDefault())
                                .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        SortedMap<String, String> jmhParams = jmhParams(params);
        if (policy != null) {
            if (jmhParams.containsKey(POLICY_PARAM)) {
                throw new IllegalArgumentException("--policy " + policy + " and --param " + POLICY_PARAM + "="
                        + jmhParams.get(POLICY_PARAM) + " both choose the policy; give one");
            }
            jmhParams.put(POLICY_PARAM, policy);
        }
        if (jmhParams.containsKey(POLICY_PARAM) && extraClasspath.isEmpty()) {
            // Fail now, with the resolver's message, rather than in every fork of both builds. This
            // JVM has the launcher's class path, as the forks will; entries of --classpath only the
            // forks have, so with them the forks are left to judge.
            for (String name : jmhParams.get(POLICY_PARAM).split(",", -1)) {
                PolicyResolver.resolve("--policy", name);
            }
        }
        List<Path> classpath = new ArrayList<>(launcherClasspath());
        classpath.addAll(extraClasspath);
        boolean taskset = !noPin && JmhForkLauncher.tasksetAvailable();
        OptionalInt pin = !taskset
                ? OptionalInt.empty()
                : OptionalInt.of(cpu != null ? cpu : Runtime.getRuntime().availableProcessors() - 1);
        ForkPlan plan = ForkPlan.of(include)
                .withParams(jmhParams)
                .withCpu(pin)
                .withIterations(optional(warmupIterations), optional(measureIterations), optional(iterationMillis))
                .withClock(ForkClock.ofLabel(clock));
        SequentialDesign design = new SequentialDesign(forks, maxForks != null ? maxForks : forks, lookEvery);
        AbRun run = new AbRun(
                ab, candidateJar, plan, design, jvmArgs, candidateJvmArgs, classpath, baseClasspath, dir, taskset);
        if (powerRuns != null) {
            return power(run, dir, out, err);
        }
        TimingGate.Outcome outcome = run.run(err);
        out.print(TimingTable.render(outcome));
        out.println();
        out.print(TimingTable.summary(outcome, design.lastLook()));
        out.printf("gate: fork scores by %s time (--clock), forks in %s%n", clock, dir.toAbsolutePath());
        if (outcome.failed()) {
            out.println("gate: FAILED: confirmed regression(s) above.");
            return 1;
        }
        out.println("gate: no confirmed regression.");
        return 0;
    }

    private int power(AbRun run, Path dir, PrintWriter out, PrintWriter err) throws IOException {
        if (!candidateJvmArgs.isEmpty()) {
            throw new IllegalArgumentException(
                    "--power-runs injects the candidate's slowdowns itself;" + " drop --candidate-jvm-arg");
        }
        List<PowerExperiment.Size> sizes = new ArrayList<>();
        for (int p : powerSizes) {
            sizes.add(new PowerExperiment.Size(p));
        }
        List<PowerTally.Row> rows = PowerTally.tally(run.powerExperiment(sizes, powerRuns, err));
        String table = PowerTally.table(rows);
        Files.writeString(dir.resolve("power.md"), table);
        PowerTally.plot(rows, dir, "power-curve");
        out.print(table);
        out.println();
        out.printf("power: trials in %s, table in power.md, curve in power-curve.png and .svg%n", dir.toAbsolutePath());
        return 0;
    }

    /**
     * The class path entries the {@code ./devmirror} launcher added after its own jar
     * ({@code --classpath}, {@code DEVMIRROR_CLASSPATH}), which it passes on as the system property
     * {@value #LAUNCHER_CLASSPATH_PROPERTY}: both builds get them, so the policy class that resolved
     * here resolves in their forks.
     */
    static List<Path> launcherClasspath() {
        String entries = System.getProperty(LAUNCHER_CLASSPATH_PROPERTY, "");
        List<Path> out = new ArrayList<>();
        for (String e : entries.split(java.io.File.pathSeparator, -1)) {
            if (!e.isEmpty()) {
                out.add(Path.of(e));
            }
        }
        return out;
    }

    /** The {@code --param NAME=V1,V2} options (picocli splits them at '='), sorted by name. */
    private static SortedMap<String, String> jmhParams(Map<String, String> params) {
        TreeMap<String, String> m = new TreeMap<>();
        for (Map.Entry<String, String> p : params.entrySet()) {
            if (p.getKey().isEmpty() || p.getValue().isEmpty()) {
                throw new IllegalArgumentException("--param " + p.getKey() + "=" + p.getValue() + " is not NAME=V1,V2");
            }
            m.put(p.getKey(), p.getValue());
        }
        return m;
    }

    private static OptionalInt optional(Integer n) {
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    private static void requireFile(Path p, String option) throws NoSuchFileException {
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString(), null, option);
        }
    }

    /** The jar this command is running from. */
    private static Path runningJar() {
        try {
            Path p = Path.of(GateCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (!p.toString().endsWith(".jar")) {
                throw new IllegalArgumentException("not running from a jar (" + p + "); pass --candidate JAR");
            }
            return p;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot locate the running jar; pass --candidate JAR", e);
        }
    }
}

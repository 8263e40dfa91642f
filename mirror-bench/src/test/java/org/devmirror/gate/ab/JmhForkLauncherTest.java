package org.devmirror.gate.ab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** One fork's command line: pinned when asked, the build's class path and JVM arguments, JSON results. */
class JmhForkLauncherTest {
    private static final BuildUnderTest BUILD = new BuildUnderTest(
            "candidate",
            List.of(Path.of("/x/devmirror.jar"), Path.of("/y/policy.jar")),
            List.of("-Ddevmirror.inject=slow-zap"));

    private static ForkPlan plan(OptionalInt cpu) {
        TreeMap<String, String> params = new TreeMap<>();
        params.put("notifiers", "1024");
        return new ForkPlan(
                "DispatchBench",
                OptionalInt.of(3),
                OptionalInt.of(5),
                OptionalInt.of(100),
                params,
                cpu,
                Path.of("/jdk/bin/java"),
                ForkClock.WALL);
    }

    @Test
    void pinnedForkRunsUnderTaskset() {
        List<String> cmd =
                new JmhForkLauncher(Path.of("/w"), true).command(BUILD, plan(OptionalInt.of(1)), Path.of("/w/r.json"));

        assertEquals(
                List.of(
                        "taskset",
                        "-c",
                        "1",
                        "/jdk/bin/java",
                        "-Djmh.ignoreLock=true",
                        "-Ddevmirror.oracle.shadow=false",
                        "-Ddevmirror.inject=slow-zap",
                        "-cp",
                        "/x/devmirror.jar:/y/policy.jar",
                        "org.openjdk.jmh.Main",
                        "DispatchBench",
                        "-f",
                        "1",
                        "-foe",
                        "true",
                        "-rf",
                        "json",
                        "-rff",
                        "/w/r.json",
                        "-wi",
                        "3",
                        "-i",
                        "5",
                        "-w",
                        "100ms",
                        "-r",
                        "100ms",
                        "-p",
                        "notifiers=1024"),
                cmd);
    }

    @Test
    void theCpuClockAddsItsProfilerAndTheGatesOwnClassesAfterTheBuilds() {
        List<String> cmd = new JmhForkLauncher(Path.of("/w"), false)
                .command(BUILD, plan(OptionalInt.empty()).withClock(ForkClock.THREAD_CPU), Path.of("/w/r.json"));

        int prof = cmd.indexOf("-prof");
        assertTrue(prof > cmd.indexOf("DispatchBench"), cmd.toString());
        assertEquals(ThreadCpuProfiler.class.getName(), cmd.get(prof + 1));
        String classpath = cmd.get(cmd.indexOf("-cp") + 1);
        // The build's entries first, so only what the build lacks comes from the gate.
        assertTrue(classpath.startsWith("/x/devmirror.jar:/y/policy.jar:"), classpath);
        assertTrue(classpath.length() > "/x/devmirror.jar:/y/policy.jar:".length(), classpath);
        // One measured iteration more than the 5 scored: the last also counts the trial's teardown.
        assertEquals("6", cmd.get(cmd.indexOf("-i") + 1), cmd.toString());
    }

    @Test
    void aClockIsNamedWallOrCpu() {
        assertEquals(ForkClock.THREAD_CPU, ForkClock.ofLabel("cpu"));
        assertEquals(ForkClock.WALL, ForkClock.ofLabel("wall"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForkClock.ofLabel("CPU"));
        assertEquals("--clock CPU: must be wall or cpu", e.getMessage());
    }

    @Test
    void unsetIterationsKeepTheBenchmarksOwn() {
        List<String> cmd = new JmhForkLauncher(Path.of("/w"), true)
                .command(BUILD, ForkPlan.of("InvalidateBench"), Path.of("/w/r.json"));

        assertTrue(
                !cmd.contains("-wi") && !cmd.contains("-i") && !cmd.contains("-r") && !cmd.contains("taskset"),
                cmd.toString());
    }

    @Test
    void withoutTasksetTheForkIsNotPinned() {
        List<String> cmd =
                new JmhForkLauncher(Path.of("/w"), false).command(BUILD, plan(OptionalInt.of(1)), Path.of("/w/r.json"));

        assertEquals("/jdk/bin/java", cmd.get(0));
    }

    @Test
    void badPlansAreRejected() {
        IllegalArgumentException cpu = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> ForkPlan.of("x").withCpu(OptionalInt.of(-1)));
        IllegalArgumentException iterations = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> ForkPlan.of("x").withIterations(OptionalInt.empty(), OptionalInt.of(0), OptionalInt.empty()));

        assertEquals("cpu=-1 must be a CPU number", cpu.getMessage());
        assertTrue(iterations.getMessage().startsWith("measureIterations=0"), iterations.getMessage());
    }
}

package org.devmirror.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** One fork's command line: pinned when asked, the build's class path and JVM arguments, JSON results. */
class JmhForkLauncherTest {
    private static final BuildUnderTest BUILD = new BuildUnderTest("candidate",
            List.of(Path.of("/x/devmirror.jar"), Path.of("/y/policy.jar")), List.of("-Ddevmirror.inject=slow-zap"));

    private static ForkPlan plan(OptionalInt cpu) {
        TreeMap<String, String> params = new TreeMap<>();
        params.put("notifiers", "1024");
        return new ForkPlan("DispatchBench", 3, 200, 5, 100, params, cpu, Path.of("/jdk/bin/java"));
    }

    @Test
    void pinnedForkRunsUnderTaskset() {
        List<String> cmd = new JmhForkLauncher(Path.of("/w"), true).command(BUILD, plan(OptionalInt.of(1)),
                Path.of("/w/r.json"));

        assertEquals(List.of("taskset", "-c", "1", "/jdk/bin/java", "-Djmh.ignoreLock=true",
                "-Ddevmirror.inject=slow-zap", "-cp", "/x/devmirror.jar:/y/policy.jar", "org.openjdk.jmh.Main",
                "DispatchBench", "-f", "1", "-wi", "3", "-w", "200ms", "-i", "5", "-r", "100ms", "-foe", "true",
                "-rf", "json", "-rff", "/w/r.json", "-p", "notifiers=1024"), cmd);
    }

    @Test
    void withoutTasksetTheForkIsNotPinned() {
        List<String> cmd = new JmhForkLauncher(Path.of("/w"), false).command(BUILD, plan(OptionalInt.of(1)),
                Path.of("/w/r.json"));

        assertEquals("/jdk/bin/java", cmd.get(0));
    }

    @Test
    void badPlansAreRejected() {
        IllegalArgumentException cpu = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ForkPlan("x", 1, 1, 1, 1, new TreeMap<>(), OptionalInt.of(-1), Path.of("java")));
        IllegalArgumentException iterations = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new ForkPlan("x", 1, 1, 0, 1, new TreeMap<>(), OptionalInt.empty(), Path.of("java")));

        assertEquals("cpu=-1 must be a CPU number", cpu.getMessage());
        assertTrue(iterations.getMessage().startsWith("measureIterations=0"), iterations.getMessage());
    }
}

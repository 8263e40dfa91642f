package org.devmirror.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.run.ExpectationFailure;
import org.devmirror.scenario.run.RunResult;
import org.devmirror.scenario.run.ScenarioRunner;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every scenario under examples/ runs under both policies, honouring its headers
 * (docs/scenarios.md, "Policy headers"): without a header it must pass under both; with
 * {@code # policy: NAME} it must pass under NAME and fail under the other, which shows what
 * the policy changes; with {@code # known-bug: NAME} it fails under NAME until the bug it
 * describes is fixed. A header naming a zoo policy ({@code # policy: xe}, {@code # unsafe: amdkfd})
 * adds that policy to the file's runs. And every scenario runs under every other shipped policy
 * of the registry with the oracle clean and no notifier rule broken, except under a policy an
 * {@code # unsafe:} header names, where the run must fail.
 */
class ExampleScenariosTest {
    private static final Path EXAMPLES = Path.of("..", "examples");

    /** The two policies every example's expectations are written for. */
    static final List<String> REFERENCE = List.of("aware", "blind");

    static Stream<Arguments> examplesAndPolicies() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (Path file : exampleFiles()) {
            PolicyHeaders headers = PolicyHeaders.of(Files.readString(file));
            Set<String> policies = new LinkedHashSet<>(REFERENCE);
            if (headers.only() != null) {
                policies.add(headers.only());
            }
            policies.addAll(headers.unsafe().keySet());
            for (String policy : policies) {
                out.add(Arguments.of(EXAMPLES.relativize(file).toString(), policy));
            }
        }
        return out.stream();
    }

    /** Every shipped policy but the two the expectations are written for. */
    static Stream<String> zooPolicies() {
        return PolicyResolver.shipped().keySet().stream().filter(p -> !REFERENCE.contains(p));
    }

    private static List<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.walk(EXAMPLES)) {
            return files.filter(p -> p.toString().endsWith(".scn")).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0} under {1}")
    @MethodSource("examplesAndPolicies")
    void exampleHoldsUnderPolicy(String name, String policy) throws IOException, ScenarioParseException {
        Path file = EXAMPLES.resolve(name);
        // 1. Parse the whole file and read its policy headers.
        Scenario scenario = ScenarioParser.parse(file);
        PolicyHeaders headers = PolicyHeaders.of(Files.readString(file));
        assertFalse(scenario.expectations().isEmpty(), name + " asserts something");
        headers.unsafe().forEach((p, why) -> {
            assertTrue(
                    PolicyResolver.isShippedName(p) && !REFERENCE.contains(p),
                    name + ": unsafe names a zoo policy: " + p);
            assertFalse(why.isEmpty(), name + ": '# unsafe: " + p + "' gives no reason");
        });
        if (headers.only() != null) {
            assertTrue(
                    PolicyResolver.isShippedName(headers.only()),
                    name + ": policy names a shipped policy: " + headers.only());
        }
        if (headers.knownBug() != null) {
            assertTrue(
                    REFERENCE.contains(headers.knownBug()), name + ": known-bug names a policy: " + headers.knownBug());
            assertFalse(
                    headers.reason().isEmpty(), name + ": '# known-bug: " + headers.knownBug() + "' gives no reason");
        }
        // 2. Run it and compare the verdict with what its headers promise for this policy.
        RunResult result = ScenarioRunner.run(scenario, PolicyResolver.resolve("policy", policy));
        boolean shouldPass = headers.expectsPass(policy);
        assertEquals(
                shouldPass,
                result.succeeded(),
                () -> name + " under " + policy + " should " + (shouldPass ? "pass" : "fail") + ":\n" + result.text());
    }

    /**
     * Under a zoo policy the expectations, written for the reference policies, may count other
     * faults or other device state; what must hold is the oracle and the notifier rules. A policy
     * an {@code # unsafe:} header names must instead fail the scenario that shows it.
     */
    @ParameterizedTest(name = "every example under {0}")
    @MethodSource("zooPolicies")
    void everyExampleIsOracleCleanUnderEveryZooPolicy(String policy) throws IOException, ScenarioParseException {
        int runs = 0;
        for (Path file : exampleFiles()) {
            String name = EXAMPLES.relativize(file).toString();
            PolicyHeaders headers = PolicyHeaders.of(Files.readString(file));
            RunResult result = ScenarioRunner.run(ScenarioParser.parse(file), PolicyResolver.resolve("policy", policy));
            if (headers.unsafe().containsKey(policy)) {
                assertFalse(
                        result.succeeded(),
                        () -> name + " shows that " + policy + " "
                                + headers.unsafe().get(policy) + ", but passed:\n" + result.text());
                continue;
            }
            assertEquals(List.of(), result.oracleViolations(), () -> name + " under " + policy + ":\n" + result.text());
            for (ExpectationFailure f : result.failures()) {
                assertFalse(
                        f.message().contains("notifier rule broken"),
                        () -> name + " under " + policy + ": " + f.message());
            }
            runs++;
        }
        assertTrue(runs > 50, "examples run under " + policy + ": " + runs);
    }

    @Test
    void hmmTestsPortsNameTheCaseTheyPort() throws IOException {
        long ports = 0;
        for (Path file : exampleFiles()) {
            String text = Files.readString(file);
            if (text.startsWith("# Ports hmm-tests.c ")) {
                ports++;
            }
        }
        assertTrue(ports >= 20, "examples/ holds the hmm-tests.c ports, each naming its case: " + ports);
    }

    @Test
    void headersAreReadFromCommentLinesOnly() {
        PolicyHeaders none = PolicyHeaders.of("device gpu\n# a policy: aware in prose\n");
        assertTrue(none.expectsPass("aware") && none.expectsPass("blind"));
        PolicyHeaders aware = PolicyHeaders.of("#\n# policy: aware\ndevice gpu\n");
        assertTrue(aware.expectsPass("aware"));
        assertFalse(aware.expectsPass("blind"));
        PolicyHeaders bug = PolicyHeaders.of("# known-bug: aware\n");
        assertFalse(bug.expectsPass("aware"));
        assertTrue(bug.expectsPass("blind"));
        PolicyHeaders withReason = PolicyHeaders.of(
                "# known-bug: aware keeps WRITE under a PROTECTION_VMA that leaves the VMA writable\n");
        assertFalse(withReason.expectsPass("aware"));
        assertTrue(withReason.expectsPass("blind"));
        assertEquals("keeps WRITE under a PROTECTION_VMA that leaves the VMA writable", withReason.reason());
    }
}

package org.devmirror.scenario;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The policy headers of a scenario file (docs/scenarios.md, "Policy headers"): a comment line
 * {@code # policy: NAME} says the scenario's expectations hold under that policy only, and
 * {@code # known-bug: NAME REASON} that they fail under it because of the bug REASON names (the
 * run must fail there, so a fixed bug makes the test fail until the header goes). Any number of
 * {@code # unsafe: NAME REASON} lines name zoo policies that model a real driver's unsafe
 * behaviour, which the scenario shows: the run must fail under each of them.
 *
 * @param unsafe the policies of the {@code # unsafe:} lines, with their reasons
 */
record PolicyHeaders(String only, String knownBug, String reason, Map<String, String> unsafe) {
    private static final String POLICY = "# policy:";
    private static final String KNOWN_BUG = "# known-bug:";
    private static final String UNSAFE = "# unsafe:";

    static PolicyHeaders of(String text) {
        String only = null;
        String bug = null;
        String reason = null;
        Map<String, String> unsafe = new LinkedHashMap<>();
        for (String line : text.split("\n", -1)) {
            String l = line.strip();
            if (l.startsWith(POLICY)) {
                only = l.substring(POLICY.length()).strip();
            } else if (l.startsWith(KNOWN_BUG)) {
                String[] policyAndReason =
                        l.substring(KNOWN_BUG.length()).strip().split("\\s+", 2);
                bug = policyAndReason[0];
                reason = policyAndReason.length > 1 ? policyAndReason[1] : "";
            } else if (l.startsWith(UNSAFE)) {
                String[] policyAndReason = l.substring(UNSAFE.length()).strip().split("\\s+", 2);
                unsafe.put(policyAndReason[0], policyAndReason.length > 1 ? policyAndReason[1] : "");
            }
        }
        return new PolicyHeaders(only, bug, reason, Map.copyOf(unsafe));
    }

    /** Whether every expectation should hold and the oracle stay clean under {@code policy}. */
    boolean expectsPass(String policy) {
        return (only == null || only.equals(policy)) && !policy.equals(knownBug) && !unsafe.containsKey(policy);
    }
}

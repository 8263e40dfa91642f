package org.devmirror.demo;

import org.devmirror.observe.DeviceWork;

/**
 * What one run of the demo script left: the policy's name, its mirror's counters and the oracle's
 * totals. {@code knownBugViolations} are the part of {@code oracleViolations} found after steps
 * that raise PROTECTION_VMA while the VMA keeps its protection, which the event-aware policy is
 * known to mishandle (the {@code # known-bug: aware} scenarios of examples/events).
 */
record DemoOutcome(String policy, DeviceWork counters, long oracleChecks, long oracleViolations, long knownBugViolations) {
    /** Violations that are not the known bug: what makes the demo fail. */
    long unexpectedViolations() {
        return oracleViolations - knownBugViolations;
    }
}

package org.devmirror.demo;

/** What one run of the demo script left: the policy's name, its mirror's counters and the oracle's totals. */
record DemoOutcome(String policy, DemoCounters counters, long oracleChecks, long oracleViolations) {}

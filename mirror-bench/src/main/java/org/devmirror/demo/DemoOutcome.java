package org.devmirror.demo;

import org.devmirror.observe.DeviceWork;

/**
 * What one run of the demo script left: the policy's name, its mirror's counters and the oracle's
 * totals.
 */
record DemoOutcome(String policy, DeviceWork counters, long oracleChecks, long oracleViolations) {}

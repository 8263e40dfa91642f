/**
 * Running a parsed scenario (docs/scenarios.md): the runner and its host and device operation
 * runners, the machine state a run builds, the driver locks a {@code DEV lock} holds, the
 * expectation checker, and what a run leaves (the step records, the result and its text and JSON).
 *
 * <p>May use: mirror-core, device-model, {@code scenario.model}, {@code scenario.syntax} (only to
 * write operations back as text), {@code org.devmirror.observe} and {@code org.devmirror.json}.
 */
package org.devmirror.scenario.run;

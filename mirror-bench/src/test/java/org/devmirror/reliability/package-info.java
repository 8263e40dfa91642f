/**
 * Reliability tests of the host and device together: random operation sequences against a page model, concurrent
 * stress, injected device faults, API misuse, hostile scenario and trace input, and the long run
 * ({@code -Dreliability.ops}).
 *
 * <p>May use: mirror-core, device-model, their test fixtures, and {@code org.devmirror.scenario.model},
 * {@code .scenario.syntax} and {@code .trace} for the hostile-input tests.
 */
package org.devmirror.reliability;

/**
 * Reliability tests of the command-line inputs: hostile scenario files and strace traces. The host and device
 * reliability tests live in device-model and mirror-core.
 *
 * <p>May use: {@code org.devmirror.scenario.model}, {@code .scenario.syntax} and {@code .trace}.
 */
package org.devmirror.reliability;

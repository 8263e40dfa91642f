/**
 * Reliability tests of the command-line inputs: hostile scenario files and strace traces. The host and device
 * reliability tests live in device-model and mirror-core.
 *
 * <p>May use: {@code org.devmirror.scenario} and {@code org.devmirror.trace}.
 */
package org.devmirror.reliability;

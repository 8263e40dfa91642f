/**
 * Reliability tests of the host and device together: random operation sequences against a page model, concurrent
 * stress, injected device faults, API misuse, and the long run ({@code -Dreliability.ops}).
 *
 * <p>May use: mirror-core, device-model and mirror-core's test fixtures.
 */
package org.devmirror.reliability;

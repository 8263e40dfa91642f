/**
 * What a scenario file says, once parsed (docs/scenarios.md): the {@link org.devmirror.scenario.model.Scenario}
 * and its statements, the sealed records of declarations, host and device operations and
 * expectations, and the values they carry (addresses, data patterns, snapshot bytes, device
 * permissions, pagemap bits). Immutable data with no behaviour beyond naming and describing its
 * values: the parser builds it, the runner reads it.
 *
 * <p>May use: mirror-core and device-model (the kernel names its values stand for). Uses nothing of
 * {@code scenario.syntax} or {@code scenario.run}.
 */
package org.devmirror.scenario.model;

/**
 * Reliability tests of the host alone: injected failures in host operations, checked against a model of the
 * host's state.
 *
 * <p>May use: mirror-core and its test fixtures.
 */
package org.devmirror.reliability;

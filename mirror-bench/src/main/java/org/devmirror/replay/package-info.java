/**
 * {@code ./devmirror replay}: replays the memory calls of a real {@code strace} on the simulated host with mirroring
 * devices under one or more policies, and reports events, device work, latency and the oracle's verdict
 * (docs/replay.md).
 *
 * <p>May use: {@code org.devmirror.trace}, {@code .observe}, {@code .json}, mirror-core and device-model.
 */
package org.devmirror.replay;

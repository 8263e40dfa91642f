/**
 * What a run observed, shared by scenarios, replay and the demo: every invalidation as it was delivered
 * ({@link org.devmirror.observe.InvalidationRecorder}) and the work each device did
 * ({@link org.devmirror.observe.DeviceWork}, with its JSON form of docs/scenarios.md and docs/replay.md),
 * priced as modelled device time by a cost profile, named or read from a file
 * ({@link org.devmirror.observe.CostProfileFile}).
 *
 * <p>May use: {@code org.devmirror.notifier}, {@code org.devmirror.mm}, {@code org.devmirror.device.stats},
 * {@code org.devmirror.device.cost}, {@code org.devmirror.input} and {@code org.devmirror.json}.
 */
package org.devmirror.observe;

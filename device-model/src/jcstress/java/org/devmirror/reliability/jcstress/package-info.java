/**
 * jcstress tests of the collision-retry protocol between the notifier core and a mirroring device: deferred
 * inserts and removes, read-retry across threads, fault commit against invalidation, non-blockable refusal
 * ({@code -Pjcstress}, docs/reliability.md).
 *
 * <p>May use: mirror-core, device-model and jcstress.
 */
package org.devmirror.reliability.jcstress;

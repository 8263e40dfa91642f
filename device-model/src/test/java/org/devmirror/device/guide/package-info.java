/**
 * Tests that back the driver author's guide (docs/guide/): every interleaving of a device fault or an
 * invalidation with the other side that the guide describes, run step by step.
 *
 * <p>May use: mirror-core, device-model and their test fixtures.
 */
package org.devmirror.device.guide;

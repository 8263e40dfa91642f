/**
 * {@code ./devmirror demo}: runs the scenario {@code examples/demo.scn}, every host operation past a
 * mirroring device, under each policy asked for, and prints the first run's trace and every run's
 * per-event device work side by side.
 *
 * <p>May use: device-model (the policies), {@code org.devmirror.scenario.model}, {@code .syntax}
 * and {@code .run}.
 */
package org.devmirror.demo;

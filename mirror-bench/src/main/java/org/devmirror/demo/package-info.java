/**
 * {@code ./devmirror demo}: a short scripted run of every host operation under both policies, printed side by side
 * with the invalidations, the CPU page-table state and per-event statistics.
 *
 * <p>May use: mirror-core, device-model and {@code org.devmirror.observe}.
 */
package org.devmirror.demo;

/**
 * Scenario files (docs/scenarios.md): the tokenizer, the parsers of declarations, operations and expectations,
 * the runner that executes a scenario on the simulated host and devices, and its text and JSON results.
 *
 * <p>May use: mirror-core, device-model, {@code org.devmirror.observe} and {@code org.devmirror.json}.
 */
package org.devmirror.scenario;

/**
 * The scenario language's text (docs/scenarios.md): the line tokenizer, the parsers of
 * declarations, operations and expectations, the operation-syntax table that drives both the
 * operation parser and the writing back of an operation, the parse errors, and the limits a file
 * must stay within. It turns a file into a {@code scenario.model} {@code Scenario}, checking every
 * name and number before anything runs.
 *
 * <p>May use: mirror-core, device-model, {@code scenario.model} and {@code org.devmirror.input}.
 * Never {@code scenario.run}: parsing a file runs nothing.
 */
package org.devmirror.scenario.syntax;

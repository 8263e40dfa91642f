/**
 * devmirror's JSON, on Jackson 3 ({@code tools.jackson}): {@link org.devmirror.json.Json} is the
 * one mapper configuration every JSON read and write goes through (strict duplicate detection,
 * nesting limits, a stable pretty printer), {@link org.devmirror.json.JsonField} walks a parsed
 * document with a path for shape errors, and {@link org.devmirror.json.JsonInputException} names
 * the source, line and column (or path) of input that cannot be used.
 *
 * <p>May use: Jackson and the JDK only; every other devmirror package that reads or writes JSON
 * uses this one.
 */
package org.devmirror.json;

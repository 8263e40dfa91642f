/**
 * The {@code ./devmirror} command line (picocli): one command class per subcommand, each turning options into a
 * call of the package it fronts and its outcome into output and an exit status (0 passed, 1 failed, 2 bad input).
 *
 * <p>May use: {@code org.devmirror.bench.suite}, {@code .bench.report}, {@code .bench.probe},
 * {@code .gate.deterministic}, {@code .gate.ab}, {@code .scenario}, {@code .replay}, {@code .compare}, {@code .demo},
 * {@code .json}, {@code .observe} for cost profile files, {@code org.devmirror.device.driver} for policy names
 * and {@code org.devmirror.device.cost} for cost profiles; nothing of the host or notifier core
 * directly (the architecture test holds it to that).
 */
package org.devmirror.cli;

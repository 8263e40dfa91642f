/**
 * Fuzz tests of the files a user hands to devmirror: scenario files, strace traces (read and replayed) and the
 * performance baseline. Jazzer's {@code @FuzzTest}s replay their checked-in corpus (test resources,
 * {@code InputFuzzTestInputs/<method>/}) and jqwik generates new inputs, both in {@code ./mvnw -B verify};
 * docs/reliability.md gives the long fuzzing command.
 *
 * <p>May use: {@code org.devmirror.scenario.syntax}, {@code .trace}, {@code .replay}, {@code .bench.probe},
 * {@code .input}, {@code .json} and {@code .cli}.
 */
package org.devmirror.fuzz;

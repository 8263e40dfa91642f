/**
 * The A/B timing gate, {@code ./devmirror gate --ab BASE}: two builds (a jar, or a git ref built in a temporary
 * worktree by {@link org.devmirror.gate.ab.GitRefBuild}) timed in interleaved single-fork JMH runs
 * ({@link org.devmirror.gate.ab.InterleavedRun}, {@link org.devmirror.gate.ab.JmhForkLauncher}), each fork
 * normalised by a reference benchmark of the same fork ({@link org.devmirror.gate.ab.ForkNormalisation},
 * {@link org.devmirror.gate.ab.GateReferences}), then judged by {@code org.devmirror.gate.stats}.
 * {@link org.devmirror.gate.ab.AbRun} is one whole comparison as the command line asks for it.
 *
 * <p>May use: {@code org.devmirror.gate.stats}, {@code org.devmirror.bench.report} (JMH results),
 * {@code org.devmirror.bench.suite} (the benchmark registry, for the references) and {@code org.devmirror.json}.
 */
package org.devmirror.gate.ab;

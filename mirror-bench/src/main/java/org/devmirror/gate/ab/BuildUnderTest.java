package org.devmirror.gate.ab;

import java.nio.file.Path;
import java.util.List;

/**
 * One side of a timing comparison: the class path holding a build of the benchmark suite (a
 * {@code devmirror.jar}, plus any extra jar such as a driver author's policy) and the JVM
 * arguments its forks start with.
 *
 * @param name      what the report calls this side, e.g. {@code base main} or {@code candidate}
 * @param classpath the class path entries, in order; the first holds the suite's benchmark list
 * @param jvmArgs   extra JVM arguments of every fork of this side, e.g.
 *                  {@code -Ddevmirror.inject=slow-zap} (test-only work injection)
 */
public record BuildUnderTest(String name, List<Path> classpath, List<String> jvmArgs) {

    public BuildUnderTest {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name=" + name + " must name the build");
        }
        if (classpath == null || classpath.isEmpty()) {
            throw new IllegalArgumentException("classpath=" + classpath + " must hold at least the suite's jar");
        }
        classpath = List.copyOf(classpath);
        jvmArgs = List.copyOf(jvmArgs);
    }

    /** This build with {@code entries} appended to its class path. */
    public BuildUnderTest withClasspath(List<Path> entries) {
        List<Path> cp = new java.util.ArrayList<>(classpath);
        cp.addAll(entries);
        return new BuildUnderTest(name, cp, jvmArgs);
    }

    /** This build with {@code args} appended to its JVM arguments. */
    public BuildUnderTest withJvmArgs(List<String> args) {
        List<String> a = new java.util.ArrayList<>(jvmArgs);
        a.addAll(args);
        return new BuildUnderTest(name, classpath, a);
    }

    /** The class path as the {@code -cp} argument wants it. */
    public String classpathArgument() {
        StringBuilder sb = new StringBuilder();
        for (Path p : classpath) {
            if (!sb.isEmpty()) {
                sb.append(java.io.File.pathSeparatorChar);
            }
            sb.append(p.toAbsolutePath());
        }
        return sb.toString();
    }
}

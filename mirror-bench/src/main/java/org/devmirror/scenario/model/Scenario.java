package org.devmirror.scenario.model;

import java.util.List;
import org.devmirror.mm.HostConfig;

/**
 * A parsed scenario file: its statements in file order. Parsing checked every name, number,
 * and reference, so the statements can run as they are.
 *
 * @param file the file name used in {@code FILE:LINE} messages
 * @param statements every statement, in source order
 */
public record Scenario(String file, List<Statement> statements) {
    /** The address space every scenario starts with; {@code fork} adds named children. */
    public static final String MAIN_SPACE = "main";
    /**
     * The host every scenario runs on: 32 MiB of RAM and 16 MiB of swap. Enough for hmm-tests'
     * buffers (4 MiB, or a few 2 MiB folios) several times over, and small enough that a fresh
     * host per run is cheap: the host zeroes all of its RAM and swap when it is made. The parser
     * bounds one access by its RAM; the runner builds it.
     */
    public static final HostConfig HOST = HostConfig.defaults().withFrames(8192).withSwapSlots(4096);

    public Scenario {
        statements = List.copyOf(statements);
    }

    /** The device declarations, in file order. */
    public List<Declaration.Device> devices() {
        return statements.stream()
                .filter(s -> s instanceof Declaration.Device)
                .map(s -> (Declaration.Device) s)
                .toList();
    }

    /** The expectations, in file order. */
    public List<Expectation> expectations() {
        return statements.stream()
                .filter(s -> s instanceof Expectation)
                .map(s -> (Expectation) s)
                .toList();
    }
}

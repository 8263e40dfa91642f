package org.devmirror.scenario;

import java.util.List;

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

package org.devmirror.scenario.syntax;

import org.devmirror.scenario.model.Operation;

/**
 * An operation written back in scenario syntax, with sizes in hex ({@code munmap buf+0x8000 0x8000}),
 * for a run's trace and JSON. The words and operands come from the operation's
 * {@link OperationSyntax} entry, the same one the parser read it with.
 */
public final class OperationText {
    private OperationText() {}

    /** {@code op} as a scenario line. */
    public static String of(Operation op) {
        return OperationSyntax.write(op);
    }
}

package org.devmirror.scenario.model;

/**
 * One statement of a scenario file (docs/scenarios.md): a {@link Declaration}, an
 * {@link Operation} on an address space or device, or an {@link Expectation} about what the
 * previous operations did. Every statement knows the 1-based source line it came from, so the
 * executor can report results and failures as {@code FILE:LINE}.
 *
 * <p>The parser resolves everything that is static before anything runs: which address space
 * each operation applies to, which operation an expectation checks, which snapshot an
 * {@code expect snapshot} compares against. The executor only evaluates.
 */
public sealed interface Statement permits Declaration, Operation, Expectation {
    /** 1-based line of the scenario file. */
    int line();
}

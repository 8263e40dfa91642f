package org.devmirror.cli;

import org.devmirror.mm.InvalidationRanges;
import picocli.CommandLine.Option;

/**
 * The {@code --ranges kernel|narrowed} option of {@code run} and {@code replay}: which ranges the
 * simulated host raises invalidations over ({@link InvalidationRanges}), declared once for both.
 */
final class RangesOption {
    @Option(
            names = "--ranges",
            defaultValue = "kernel",
            paramLabel = "kernel|narrowed",
            description = "ranges the host raises invalidations over: kernel (the ranges Linux passes) or narrowed"
                    + " (cut down to the populated part, none over empty page tables) (default: ${DEFAULT-VALUE})")
    private String ranges;

    /**
     * The mode named on the command line.
     *
     * @throws IllegalArgumentException naming {@code --ranges} and the value when it is neither mode
     */
    InvalidationRanges resolve() {
        try {
            return InvalidationRanges.ofLabel(ranges);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ranges " + ranges + " is not kernel or narrowed");
        }
    }
}

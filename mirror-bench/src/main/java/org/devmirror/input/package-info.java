/**
 * Reading what a user hands the command line: scenario files, strace traces and baselines are
 * opened here, with the size and encoding checks that keep bad input a one-line error instead of
 * an exception, and user text is made safe to print ({@link org.devmirror.input.TerminalText}).
 *
 * <p>Every reader checks its limit while it reads, before memory is spent: a file is never read
 * whole to find out that it is too large, so {@code /dev/zero} or a FIFO given as input costs at
 * most the limit plus one byte. The limits themselves belong to the readers' callers (the
 * scenario parser, the strace reader) and are documented in {@code docs/limits.md}.
 */
package org.devmirror.input;

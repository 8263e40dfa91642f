package org.devmirror.trace;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads a text stream line by line with a cap on the line length, so a trace with no newlines
 * (or a binary file given by mistake) costs at most {@code maxChars} of memory instead of the
 * whole file. A longer line is consumed to its end and reported as {@link #truncated()}.
 * Line terminators are {@code \n}, {@code \r\n} and a lone {@code \r}.
 */
final class LineSource {
    private final Reader in;
    private final int maxChars;
    private final char[] buffer = new char[16 * 1024];
    private final StringBuilder line = new StringBuilder();
    // next unread char in buffer; valid chars are [position, limit)
    private int position;
    private int limit;
    // a '\r' ended the previous line: a '\n' right after it belongs to that line
    private boolean pendingCr;
    private boolean truncated;

    LineSource(Reader in, int maxChars) {
        this.in = in;
        this.maxChars = maxChars;
    }

    /** The next line without its terminator, or null at the end of the stream. */
    String next() throws IOException {
        line.setLength(0);
        truncated = false;
        boolean sawAny = false;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer, 0, buffer.length);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return sawAny ? line.toString() : null;
                }
            }
            char c = buffer[position++];
            if (pendingCr) {
                pendingCr = false;
                if (c == '\n') {
                    continue;
                }
            }
            sawAny = true;
            if (c == '\n') {
                return line.toString();
            }
            if (c == '\r') {
                pendingCr = true;
                return line.toString();
            }
            if (line.length() < maxChars) {
                line.append(c);
            } else {
                truncated = true;
            }
        }
    }

    /** The line last returned by {@link #next()} was longer than the cap and was cut. */
    boolean truncated() {
        return truncated;
    }
}

package org.devmirror.input;

import java.io.IOException;

/**
 * A file given as input cannot be used: missing, unreadable, a directory, larger than its limit,
 * or not UTF-8. The message is one line that names the file (and the line where there is one)
 * and says why; the command line prints it as it is and exits 2.
 *
 * <p>It is an {@link IOException} so that it can escape a {@link java.io.Reader} that checks a
 * limit while it streams.
 */
public final class InputFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public InputFileException(String message) {
        super(message);
    }
}

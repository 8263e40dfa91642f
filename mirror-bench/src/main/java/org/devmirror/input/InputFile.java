package org.devmirror.input;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens a file a user named on the command line, with its size limit checked while it is read and
 * every failure turned into an {@link InputFileException} whose message names the file once and
 * says why ({@code no such file}, {@code permission denied}, {@code is a directory}, ...).
 */
public final class InputFile {
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private InputFile() {}

    /**
     * The whole of {@code file} as strict UTF-8 text, without a leading byte-order mark.
     *
     * @param kind what the file should be, for messages ({@code "scenario file"})
     * @throws InputFileException when it cannot be opened, holds more than {@code maxBytes} bytes
     *     (found out after reading at most {@code maxBytes + 1}), or is not UTF-8 (the message
     *     names the line and column of the first bad byte)
     */
    public static String readUtf8(Path file, long maxBytes, String kind) throws InputFileException {
        byte[] bytes;
        try (InputStream in = open(file)) {
            bytes = in.readNBytes(Math.toIntExact(Math.min(maxBytes + 1, Integer.MAX_VALUE - 8)));
        } catch (InputFileException e) {
            throw e;
        } catch (IOException e) {
            throw cannotRead(file, e);
        }
        if (bytes.length > maxBytes) {
            throw tooLarge(file, maxBytes, kind);
        }
        String text = decodeStrict(file, bytes, kind);
        return !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK ? text.substring(1) : text;
    }

    /**
     * {@code file} as a stream of UTF-8 text (an undecodable byte reads as U+FFFD) that fails with
     * an {@link InputFileException} once more than {@code maxBytes} bytes have been read.
     */
    public static Reader openUtf8(Path file, long maxBytes, String kind) throws InputFileException {
        InputStream limited = new FilterInputStream(open(file)) {
            private long read;

            @Override
            public int read() throws IOException {
                int b = super.read();
                count(b < 0 ? 0 : 1);
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n;
                try {
                    n = super.read(b, off, len);
                } catch (InputFileException e) {
                    throw e;
                } catch (IOException e) {
                    throw cannotRead(file, e);
                }
                count(Math.max(n, 0));
                return n;
            }

            private void count(int n) throws InputFileException {
                read += n;
                if (read > maxBytes) {
                    throw tooLarge(file, maxBytes, kind);
                }
            }
        };
        return new InputStreamReader(limited, StandardCharsets.UTF_8);
    }

    private static InputStream open(Path file) throws InputFileException {
        if (Files.isDirectory(file)) {
            throw new InputFileException("cannot read " + file + ": it is a directory");
        }
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw cannotRead(file, e);
        }
    }

    /** The one-line reason {@code e} gives for {@code file}, without repeating the file's name. */
    public static InputFileException cannotRead(Path file, IOException e) {
        if (e instanceof InputFileException i) {
            return i;
        }
        String reason = switch (e) {
            case NoSuchFileException n -> "no such file";
            case AccessDeniedException a -> "permission denied";
            case FileSystemException f ->
                f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
        return new InputFileException("cannot read " + file + ": " + reason);
    }

    private static InputFileException tooLarge(Path file, long maxBytes, String kind) {
        return new InputFileException(
                file + ": larger than " + maxBytes + " bytes, the limit of a " + kind + " (docs/limits.md)");
    }

    private static String decodeStrict(Path file, byte[] bytes, String kind) throws InputFileException {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new InputFileException(String.format(
                    "%s:%d: byte 0x%02x at column %d is not UTF-8 (a %s is UTF-8 text)",
                    file, line, bytes[at] & 0xFF, at - lineStart + 1, kind));
        }
        return out.flip().toString();
    }
}

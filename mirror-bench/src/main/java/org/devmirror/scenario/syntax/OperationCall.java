package org.devmirror.scenario.syntax;

import org.devmirror.scenario.model.Address;
import org.devmirror.scenario.model.DataPattern;
import org.devmirror.scenario.syntax.ParseScope.Kind;
import org.devmirror.scenario.syntax.Tokens.LineError;

/**
 * One operation line being parsed, as an {@link OperationSyntax} entry's parser sees it: the
 * tokens after the operation's words, where it stands (line, address space, device, the
 * {@code NAME =} binding), and readers for the operands that check names against the
 * {@link ParseScope} and name the operation in their messages ({@code "munmap length"},
 * {@code "gpu read address"}).
 */
final class OperationCall {
    final Tokens t;
    final ParseScope scope;
    final int line;
    final String space;
    /** The device performing a device operation, or null for a host operation. */
    final String device;
    /** The {@code NAME} of {@code NAME = mmap|mremap}, or null. */
    final String binding;
    // how messages name the operation: its words, after the device for a device operation
    private final String name;

    OperationCall(Tokens t, ParseScope scope, int line, String device, String binding, String name) {
        this.t = t;
        this.scope = scope;
        this.line = line;
        this.space = scope.space();
        this.device = device;
        this.binding = binding;
        this.name = name;
    }

    /** A page-aligned address whose buffer, if any, is bound: {@code what} as in "NAME address". */
    Address address(String what) throws LineError {
        Address address = t.address(name + " " + what, true);
        scope.requireAddress(address);
        return address;
    }

    /** A byte-granular address (CPU accesses) whose buffer, if any, is bound. */
    Address byteAddress(String what) throws LineError {
        Address address = t.address(name + " " + what, false);
        scope.requireAddress(address);
        return address;
    }

    /** A positive whole number of pages. */
    long pageSize(String what) throws LineError {
        return t.pageSize(name + " " + what);
    }

    /** A positive whole number of pages that one access covers (device operations). */
    long accessPageSize(String what) throws LineError {
        return t.accessPageSize(name + " " + what);
    }

    /** A positive byte count that one access covers (CPU accesses). */
    long byteLength(String what) throws LineError {
        return t.byteLength(name + " " + what);
    }

    /** Any byte count, zero included. */
    long size(String what) throws LineError {
        return t.size(name + " " + what);
    }

    /** A declared file's name. */
    String file() throws LineError {
        String file = t.next("file name");
        scope.require(file, Kind.FILE);
        return file;
    }

    /** A protection word (none, r, rw, rx, rwx) as {@code PROT_*} bits. */
    int prot() throws LineError {
        return Tokens.prot(t.next("protection (none, r, rw, rx or rwx)"));
    }

    /** DATA filling {@code length} bytes with whole repetitions of itself. */
    DataPattern data(long length) throws LineError {
        return OperationParser.fitted(t, length);
    }

    /** An optional trailing word: true if it is there. */
    boolean flag(String word) {
        return t.accept(word);
    }
}

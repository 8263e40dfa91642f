package org.devmirror.scenario.syntax;

import java.util.List;
import org.devmirror.scenario.model.Address;
import org.devmirror.scenario.model.DataPattern;
import org.devmirror.scenario.model.DeviceOp;
import org.devmirror.scenario.model.HostOp;
import org.devmirror.scenario.syntax.OperationSyntax.Side;
import org.devmirror.scenario.syntax.ParseScope.Kind;
import org.devmirror.scenario.syntax.Tokens.LineError;

/**
 * Parses the operation statements of docs/scenarios.md: host operations (first token a host
 * keyword, or {@code NAME = mmap|mremap}) and device operations (first token a declared device),
 * dispatching on the {@link OperationSyntax} table. The operands of most operations are read by
 * their table entry; {@code mmap} and {@code mremap}, whose options come in any order, are read here.
 */
final class OperationParser {
    private final ParseScope scope;

    OperationParser(ParseScope scope) {
        this.scope = scope;
    }

    /**
     * A host operation: {@code keyword} is the statement's first token, already consumed;
     * {@code binding} the {@code NAME =} before it, or null. The {@link OperationSyntax} entries of
     * the keyword decide the rest: one reads the operands, several read a verb first
     * ({@code thp collapse}).
     */
    HostOp host(String keyword, String binding, Tokens t, int line) throws LineError {
        scope.requireLiveSpace(keyword);
        List<OperationSyntax.Entry<?>> entries = OperationSyntax.entries(Side.HOST, keyword);
        if (entries.isEmpty()) {
            throw new IllegalStateException("keyword=" + keyword + " is not a host operation");
        }
        OperationSyntax.Entry<?> entry = entries.get(0);
        if (entry.verb() != null) {
            List<String> verbs =
                    entries.stream().map(OperationSyntax.Entry::verb).toList();
            String verb = t.next(OperationSyntax.alternatives(verbs, true) + " after '" + keyword + "'");
            entry = entries.stream()
                    .filter(e -> e.verb().equals(verb))
                    .findFirst()
                    .orElseThrow(() -> new LineError(
                            verb,
                            "bad " + keyword + " operation '" + verb + "' (expected "
                                    + OperationSyntax.alternatives(verbs, false) + ")"));
        }
        HostOp op = (HostOp) entry.parse().parse(new OperationCall(t, scope, line, null, binding, entry.words()));
        t.end(keyword);
        return op;
    }

    /** A device operation: {@code device} is the declared device named by the first token; the verb comes next. */
    DeviceOp device(String device, Tokens t, int line) throws LineError {
        String verb = t.next("device operation after '" + device + "'");
        scope.requireLiveSpace(device + " " + verb);
        String what = device + " " + verb;
        List<OperationSyntax.Entry<?>> entries = OperationSyntax.entries(Side.DEVICE, verb);
        if (entries.isEmpty()) {
            List<String> verbs = OperationSyntax.ENTRIES.stream()
                    .filter(e -> e.side() == Side.DEVICE)
                    .map(OperationSyntax.Entry::words)
                    .toList();
            throw new LineError(
                    verb,
                    "bad device operation '" + verb + "' (expected " + OperationSyntax.alternatives(verbs, false)
                            + ")");
        }
        DeviceOp op = (DeviceOp) entries.get(0).parse().parse(new OperationCall(t, scope, line, device, null, what));
        t.end(what);
        return op;
    }

    /** {@code mmap SIZE} then options in any order: PROT, private|shared, anon|file NAME, offset SIZE, fixed, huge, hugetlb, at ADDR. */
    static HostOp.Mmap mmap(OperationCall c) throws LineError {
        Tokens t = c.t;
        long length = c.pageSize("length");
        Integer prot = null;
        Boolean shared = null;
        boolean anon = false;
        String file = null;
        String offsetToken = null;
        long offset = 0;
        boolean fixed = false;
        boolean huge = false;
        boolean hugetlb = false;
        Address at = null;
        while (!t.atEnd()) {
            String word = t.next("mmap option");
            switch (word) {
                case "none", "r", "rw", "rx", "rwx" -> {
                    once(prot != null, word, "protection");
                    prot = Tokens.prot(word);
                }
                case "private", "shared" -> {
                    once(shared != null, word, "'private' or 'shared'");
                    shared = word.equals("shared");
                }
                case "anon" -> {
                    once(anon || file != null, word, "'anon' or 'file'");
                    anon = true;
                }
                case "file" -> {
                    once(anon || file != null, word, "'anon' or 'file'");
                    file = t.next("file name after 'file'");
                    c.scope.require(file, Kind.FILE);
                }
                case "offset" -> {
                    once(offsetToken != null, word, "'offset'");
                    offsetToken = word;
                    offset = t.pageSizeOrZero("file offset");
                }
                case "fixed" -> {
                    once(fixed, word, "'fixed'");
                    fixed = true;
                }
                case "huge" -> {
                    once(huge, word, "'huge'");
                    huge = true;
                }
                case "hugetlb" -> {
                    once(hugetlb, word, "'hugetlb'");
                    hugetlb = true;
                }
                case "at" -> {
                    once(at != null, word, "'at'");
                    at = c.address("address");
                }
                default ->
                    throw new LineError(
                            word,
                            "bad mmap option '" + word + "' (expected none, r, rw, rx, rwx, "
                                    + "private, shared, anon, file NAME, offset SIZE, fixed, huge, hugetlb or at ADDR)");
            }
        }
        if (prot == null) {
            throw new LineError("", "mmap needs a protection (none, r, rw, rx or rwx)");
        }
        if (shared == null) {
            throw new LineError("", "mmap needs 'private' or 'shared'");
        }
        if (!anon && file == null) {
            throw new LineError("", "mmap needs 'anon' or 'file NAME'");
        }
        if (offsetToken != null && file == null) {
            throw new LineError(offsetToken, "'offset' needs 'file NAME' (anonymous mappings have no offset)");
        }
        if (fixed && at == null) {
            throw new LineError("fixed", "'fixed' needs 'at ADDR'");
        }
        if (hugetlb && (shared || !anon)) {
            throw new LineError(
                    "hugetlb",
                    "'hugetlb' needs 'private anon' (MAP_HUGETLB is modelled for private anonymous memory only)");
        }
        return new HostOp.Mmap(
                c.line, c.space, c.binding, length, prot, shared, file, offset, fixed, huge, at, hugetlb);
    }

    /** {@code mremap ADDR OLDSIZE NEWSIZE [maymove] [fixed at ADDR] [dontunmap]}. */
    static HostOp.Mremap mremap(OperationCall c) throws LineError {
        Tokens t = c.t;
        Address addr = c.address("address");
        long oldLength = c.pageSize("old length");
        long newLength = c.pageSize("new length");
        boolean mayMove = false;
        boolean fixed = false;
        boolean dontUnmap = false;
        Address at = null;
        while (!t.atEnd()) {
            String word = t.next("mremap option");
            switch (word) {
                case "maymove" -> {
                    once(mayMove, word, "'maymove'");
                    mayMove = true;
                }
                case "fixed" -> {
                    once(fixed, word, "'fixed'");
                    fixed = true;
                }
                case "dontunmap" -> {
                    once(dontUnmap, word, "'dontunmap'");
                    dontUnmap = true;
                }
                case "at" -> {
                    once(at != null, word, "'at'");
                    at = c.address("new address");
                }
                default ->
                    throw new LineError(
                            word, "bad mremap option '" + word + "' (expected maymove, fixed, at ADDR or dontunmap)");
            }
        }
        if (fixed != (at != null)) {
            throw new LineError(fixed ? "fixed" : "at", fixed ? "'fixed' needs 'at ADDR'" : "'at ADDR' needs 'fixed'");
        }
        return new HostOp.Mremap(c.line, c.space, c.binding, addr, oldLength, newLength, mayMove, fixed, at, dontUnmap);
    }

    /** DATA whose unit divides {@code length}, so the range holds whole repetitions of it. */
    static DataPattern fitted(Tokens t, long length) throws LineError {
        String first = t.peek();
        DataPattern data = t.data();
        if (length % data.unit() != 0) {
            throw new LineError(
                    first,
                    "length " + length + " is not a multiple of the " + data.unit() + "-byte unit of '" + first + "'");
        }
        return data;
    }

    static void once(boolean seen, String token, String what) throws LineError {
        if (seen) {
            throw new LineError(token, "'" + token + "' repeats or conflicts with an earlier " + what);
        }
    }
}

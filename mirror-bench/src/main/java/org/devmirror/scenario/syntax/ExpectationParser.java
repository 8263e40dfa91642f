package org.devmirror.scenario.syntax;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.devmirror.mm.Errno;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.scenario.model.Address;
import org.devmirror.scenario.model.DataPattern;
import org.devmirror.scenario.model.DeviceOp;
import org.devmirror.scenario.model.DevicePerm;
import org.devmirror.scenario.model.DmirrorProt;
import org.devmirror.scenario.model.Expectation;
import org.devmirror.scenario.model.Operation;
import org.devmirror.scenario.model.PagemapFlag;
import org.devmirror.scenario.syntax.Tokens.LineError;

/** Parses the {@code expect ...} statements of docs/scenarios.md and the {@code -> CODE} suffix. */
final class ExpectationParser {
    private static final String WHATS =
            "result, faults, cpages, snapshot, data, events, oracle, device, pagemap, userfaults, "
                    + "same-frame, different-frame or notifiers";

    /** One {@code BYTE*N} item of a snapshot expectation. */
    private record Run(int value, long repeat) {}

    private final ParseScope scope;

    ExpectationParser(ParseScope scope) {
        this.scope = scope;
    }

    /** The rest of an {@code expect} line ({@code expect} already consumed). */
    Expectation parse(Tokens t, int line) throws LineError {
        String what = t.next("what to expect (" + WHATS + ")");
        Expectation expectation = switch (what) {
            case "result" -> {
                Operation op = operation(what);
                yield new Expectation.Result(line, op.line(), code(t.next("result code")));
            }
            case "faults" -> {
                Operation op = operation(what);
                if (!OperationSyntax.entryOf(op).counts().faults()) {
                    throw new LineError(
                            what, "'expect faults' follows " + describe(op) + ", which counts no device faults");
                }
                yield new Expectation.Faults(line, op.line(), t.count("fault count"));
            }
            case "cpages" -> {
                Operation op = operation(what);
                if (!OperationSyntax.entryOf(op).counts().pages()) {
                    throw new LineError(what, "'expect cpages' follows " + describe(op) + ", which counts no pages");
                }
                yield new Expectation.Cpages(line, op.line(), t.count("page count"));
            }
            case "snapshot" -> snapshot(t, line);
            case "data" -> data(t, line);
            case "events" -> events(t, line);
            case "pagemap", "userfaults" -> pageState(what, t, line);
            case "oracle" -> {
                t.expect("clean", "after 'expect oracle'");
                yield new Expectation.OracleClean(line);
            }
            case "device" -> deviceHolds(t, line);
            case "same-frame", "different-frame" -> {
                Address first = t.address(what + " address", true);
                scope.requireAddress(first);
                Address second = t.address(what + " second address", true);
                scope.requireAddress(second);
                yield new Expectation.SameFrame(line, scope.space(), first, second, what.equals("same-frame"));
            }
            case "notifiers" -> {
                String device = device(t, "'expect notifiers'");
                yield new Expectation.Notifiers(line, scope.space(), device, t.count("notifier count"));
            }
            default -> throw new LineError(what, "bad expectation '" + what + "' (expected " + WHATS + ")");
        };
        t.end("expect " + what);
        return expectation;
    }

    /** A result code: OK or an errno name. */
    static Errno code(String token) throws LineError {
        for (Errno code : Errno.values()) {
            if (code.name().equals(token)) {
                return code;
            }
        }
        throw new LineError(token, "bad result code '" + token + "' (expected one of " + Errno.names() + ")");
    }

    /** {@code expect snapshot [DEV] ADDR SIZE = BYTE[*N] ...}. */
    private Expectation.Snapshot snapshot(Tokens t, int line) throws LineError {
        String device = scope.isDevice(t.peek()) ? t.next("device") : null;
        DeviceOp.Snapshot taken = scope.lastSnapshot(device);
        if (taken == null) {
            throw new LineError(
                    "snapshot",
                    "no snapshot" + (device == null ? "" : " by '" + device + "'") + " in address space '"
                            + scope.space() + "' before this line");
        }
        Address addr = t.address("snapshot address", true);
        scope.requireAddress(addr);
        String lengthToken = t.peek();
        long length = t.accessPageSize("snapshot length");
        t.expect("=", "before the snapshot bytes");
        long pages = length / Tokens.PAGE_SIZE;
        if (pages > Integer.MAX_VALUE - 8) {
            throw new LineError(lengthToken, "snapshot length '" + lengthToken + "' is too large");
        }
        // first pass: decode every item and count pages, so a wrong count allocates nothing
        List<Run> runs = new ArrayList<>();
        long total = 0;
        while (!t.atEnd()) {
            String item = t.next("snapshot byte");
            int star = item.lastIndexOf('*');
            long repeat = star >= 0 ? repeatCount(item, item.substring(star + 1)) : 1;
            runs.add(new Run(snapshotByte(item, star >= 0 ? item.substring(0, star) : item), repeat));
            total += repeat;
            if (total > pages) {
                throw new LineError(
                        item,
                        "snapshot bytes exceed the " + pages + " pages of '" + lengthToken + "' at '" + item + "'");
            }
        }
        if (total != pages) {
            throw new LineError(
                    lengthToken,
                    "snapshot lists " + total + " bytes but '" + lengthToken + "' covers " + pages + " pages");
        }
        byte[] bytes = new byte[(int) pages];
        int at = 0;
        for (Run run : runs) {
            for (long r = 0; r < run.repeat(); r++) {
                bytes[at++] = (byte) run.value();
            }
        }
        return new Expectation.Snapshot(line, taken.space(), taken.device(), taken.line(), addr, length, bytes);
    }

    /** {@code expect data [DEV] ADDR SIZE DATA}. */
    private Expectation.Data data(Tokens t, int line) throws LineError {
        String device = scope.isDevice(t.peek()) ? t.next("device") : null;
        int readLine = 0;
        if (device != null) {
            DeviceOp.Read read = scope.lastRead(device);
            if (read == null) {
                throw new LineError(
                        device,
                        "no read by '" + device + "' in address space '" + scope.space() + "' before this line");
            }
            readLine = read.line();
        }
        Address addr = t.address("data address", device != null);
        scope.requireAddress(addr);
        long length = device != null ? t.accessPageSize("data length") : t.byteLength("data length");
        DataPattern data = OperationParser.fitted(t, length);
        return new Expectation.Data(line, scope.space(), device, readLine, addr, length, data);
    }

    /** A declared device's name, after {@code context}. */
    private String device(Tokens t, String context) throws LineError {
        String device = t.next("device name after " + context);
        scope.require(device, ParseScope.Kind.DEVICE);
        return device;
    }

    /** {@code expect device DEV holds ADDR SIZE PERM}. */
    private Expectation.DeviceHolds deviceHolds(Tokens t, int line) throws LineError {
        String device = device(t, "'expect device'");
        t.expect("holds", "after 'expect device " + device + "'");
        Address addr = t.address("device holds address", true);
        scope.requireAddress(addr);
        long length = t.pageSize("device holds length");
        String token = t.next("permission (" + DevicePerm.tokens() + ")");
        DevicePerm perm = DevicePerm.parse(token);
        if (perm == null) {
            throw new LineError(token, "bad device permission '" + token + "' (expected " + DevicePerm.tokens() + ")");
        }
        return new Expectation.DeviceHolds(line, scope.space(), device, addr, length, perm);
    }

    /**
     * The per-page state of the current space: {@code expect pagemap ADDR SIZE [no-]FLAG ...}
     * (each page's {@code /proc/PID/pagemap} entry has every FLAG set and every {@code no-}FLAG
     * clear) and {@code expect userfaults COUNT} (writes parked on a userfault).
     */
    private Expectation pageState(String what, Tokens t, int line) throws LineError {
        if (what.equals("userfaults")) {
            return new Expectation.Userfaults(line, scope.space(), t.count("userfault count"));
        }
        Address addr = t.address("pagemap address", true);
        scope.requireAddress(addr);
        long length = t.pageSize("pagemap length");
        long set = 0;
        long clear = 0;
        if (t.atEnd()) {
            throw new LineError("", "missing pagemap flag after 'expect pagemap' at end of line");
        }
        while (!t.atEnd()) {
            String word = t.next("pagemap flag");
            boolean negated = word.startsWith("no-");
            Long bit = PagemapFlag.BY_NAME.get(negated ? word.substring(3) : word);
            if (bit == null) {
                throw new LineError(
                        word,
                        "bad pagemap flag '" + word + "' (expected " + PagemapFlag.NAMES
                                + ", each optionally prefixed with 'no-')");
            }
            if (((set | clear) & bit) != 0) {
                throw new LineError(word, "pagemap flag '" + word + "' repeats or contradicts an earlier one");
            }
            if (negated) {
                clear |= bit;
            } else {
                set |= bit;
            }
        }
        return new Expectation.Pagemap(line, scope.space(), addr, length, set, clear);
    }

    /** {@code expect events [in SPACE] EVENT=N ...}. */
    private Expectation.Events events(Tokens t, int line) throws LineError {
        Operation op = operation("events");
        String space = null;
        if (t.accept("in")) {
            space = t.next("address space name after 'in'");
            scope.require(space, ParseScope.Kind.SPACE);
        }
        Map<MmuNotifierEvent, Long> counts = new EnumMap<>(MmuNotifierEvent.class);
        if (t.atEnd()) {
            throw new LineError("", "missing EVENT=N after 'expect events' at end of line");
        }
        while (!t.atEnd()) {
            String pair = t.next("EVENT=N");
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (name.startsWith("MMU_NOTIFY_")) {
                name = name.substring("MMU_NOTIFY_".length());
            }
            MmuNotifierEvent event = null;
            for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
                if (e.name().equals(name)) {
                    event = e;
                }
            }
            if (eq < 0 || event == null) {
                throw new LineError(
                        pair,
                        "bad event count '" + pair + "' (expected EVENT=N with EVENT one of "
                                + "UNMAP, CLEAR, PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY, RELEASE, MIGRATE, EXCLUSIVE)");
            }
            String number = pair.substring(eq + 1);
            if (!number.matches("[0-9]{1,18}")) {
                throw new LineError(pair, "bad count in '" + pair + "' (expected a decimal number)");
            }
            if (counts.put(event, Long.parseLong(number)) != null) {
                throw new LineError(pair, "event " + event + " is listed twice");
            }
        }
        return new Expectation.Events(line, op.line(), space, counts);
    }

    private Operation operation(String what) throws LineError {
        if (scope.lastOperationFailed()) {
            throw new LineError(what, "'expect " + what + "' checks an operation that did not parse", true);
        }
        Operation op = scope.lastOperation();
        if (op == null) {
            throw new LineError(what, "'expect " + what + "' has no operation before it");
        }
        return op;
    }

    private static long repeatCount(String item, String digits) throws LineError {
        if (!digits.matches("[0-9]{1,10}") || Long.parseLong(digits) == 0) {
            throw new LineError(item, "bad repeat count in '" + item + "' (expected BYTE*N with N >= 1)");
        }
        return Long.parseLong(digits);
    }

    /** {@code NAME|NAME...} of HMM_DMIRROR_PROT_* names (prefix optional), or a number 0..255. */
    private static int snapshotByte(String item, String text) throws LineError {
        if (!text.isEmpty() && Character.isDigit(text.charAt(0))) {
            return Tokens.byteValue(text);
        }
        int value = 0;
        String[] names = text.split("\\|", -1);
        for (String raw : names) {
            String name = raw.startsWith(DmirrorProt.PREFIX) ? raw.substring(DmirrorProt.PREFIX.length()) : raw;
            Integer bits = DmirrorProt.BY_NAME.get(name);
            if (bits == null) {
                throw new LineError(
                        item,
                        "bad snapshot byte '" + item + "' (unknown name '" + raw + "'; expected "
                                + "ERROR, NONE, READ, WRITE, PMD, PUD, ZERO, DEV_PRIVATE_LOCAL, DEV_PRIVATE_REMOTE, "
                                + "DEV_COHERENT_LOCAL or DEV_COHERENT_REMOTE joined by '|')");
            }
            if (bits == DmirrorProt.ERROR && names.length > 1) {
                throw new LineError(item, "bad snapshot byte '" + item + "' (ERROR stands alone)");
            }
            value |= bits;
        }
        return value;
    }

    private static String describe(Operation op) {
        return op.getClass().getSimpleName() + " on line " + op.line();
    }
}

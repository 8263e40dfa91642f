package org.devmirror.reliability;

import static org.devmirror.testing.InjectionWorld.ANON;
import static org.devmirror.testing.InjectionWorld.COLD_PRIVATE;
import static org.devmirror.testing.InjectionWorld.COLD_SHARED;
import static org.devmirror.testing.InjectionWorld.FILE_PRIVATE;
import static org.devmirror.testing.InjectionWorld.HUGE;
import static org.devmirror.testing.InjectionWorld.PAGE;
import static org.devmirror.testing.InjectionWorld.PMD;
import static org.devmirror.testing.InjectionWorld.SMALL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.testing.HostState;
import org.devmirror.testing.InjectionWorld;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Frame allocation failure injected at every allocation point of every host operation: the
 * operation either completes or fails leaving no trace (the whole machine state equal to before),
 * every page still reads what it should, and after every address space exits no frame is lost.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostFaultInjectionTest {
    /** Whether an operation reported success or failure. */
    enum Outcome {
        DONE,
        FAILED
    }

    /** What the CPU should read at {@code va} of {@code role}'s address space after the operation succeeded; null = not checked. */
    @FunctionalInterface
    interface Expectation {
        byte[] after(String role, long va, byte[] before);
    }

    /** What a failed operation may leave behind. */
    enum OnFailure {
        /** Nothing at all: the machine state equals the state before. */
        NO_TRACE,
        /** Nothing but pages a file's page cache read in (filemap_fault keeps them, as the kernel does). */
        PAGE_CACHE_ONLY,
        /** A documented short write: every page holds either its old or its new contents. */
        SHORT_WRITE
    }

    /** One host operation on a fresh {@link InjectionWorld}. */
    record Op(String name, Function<InjectionWorld, Outcome> action, Expectation expectation, OnFailure onFailure) {
        Op(String name, Function<InjectionWorld, Outcome> action, Expectation expectation) {
            this(name, action, expectation, OnFailure.NO_TRACE);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final Expectation UNCHANGED = (role, va, before) -> before;
    private static final Object OWNER = new Object();

    private static Map<String, byte[]> reference;
    private static long allocationPoints;
    private static long runs;

    @BeforeAll
    static void readReference() {
        try (InjectionWorld w = new InjectionWorld()) {
            reference = w.readAll();
        }
    }

    @AfterAll
    static void report() {
        System.out.println("host fault injection: " + allocationPoints + " allocation points failed one at a time, "
                + runs + " runs");
    }

    static Stream<Op> operations() {
        return Stream.of(
                new Op(
                        "fault write, untouched anon page",
                        w -> of(w.parent.cpuFault(ANON + 13 * PAGE, true)),
                        UNCHANGED),
                new Op(
                        "fault write, COW page in the parent",
                        w -> of(w.parent.cpuFault(ANON + 2 * PAGE, true)),
                        UNCHANGED),
                new Op(
                        "fault write, COW page in the child",
                        w -> of(w.child.cpuFault(ANON + 3 * PAGE, true)),
                        UNCHANGED),
                new Op("fault read, swapped page", w -> of(w.parent.cpuFault(ANON + 8 * PAGE, false)), UNCHANGED),
                new Op(
                        "fault write, swapped page shared with the child",
                        w -> of(w.child.cpuFault(ANON + 9 * PAGE, true)),
                        UNCHANGED),
                new Op(
                        "fault read, uncached shared file page",
                        w -> of(w.parent.cpuFault(COLD_SHARED + PAGE, false)),
                        UNCHANGED),
                new Op(
                        "fault write, uncached private file page",
                        w -> of(w.parent.cpuFault(COLD_PRIVATE + 2 * PAGE, true)),
                        UNCHANGED,
                        OnFailure.PAGE_CACHE_ONLY),
                new Op(
                        "fault write, private file page in cache",
                        w -> of(w.parent.cpuFault(FILE_PRIVATE + 6 * PAGE, true)),
                        UNCHANGED),
                new Op(
                        "fault write, huge page shared with the child",
                        w -> of(w.parent.cpuFault(HUGE + 5 * PAGE, true)),
                        UNCHANGED),
                new Op(
                        "cpuWrite across three pages",
                        w -> of(w.parent.cpuWrite(ANON + 11 * PAGE + 4090, filled(4116, 0x99), 0, 4116)),
                        (role, va, before) -> !role.equals("parent")
                                ? before
                                : overwrite(before, va, ANON + 11 * PAGE + 4090, 4116, (byte) 0x99),
                        OnFailure.SHORT_WRITE), // AddressSpace.cpuWrite: a page at a time, like copy_to_user
                new Op(
                        "cpuFill of four untouched pages",
                        w -> of(w.parent.cpuFill(ANON + 12 * PAGE, 4 * PAGE, (byte) 0x77)),
                        (role, va, before) -> !role.equals("parent")
                                ? before
                                : overwrite(before, va, ANON + 12 * PAGE, 4 * PAGE, (byte) 0x77),
                        OnFailure.SHORT_WRITE),
                new Op("compaction of the anon range", w -> count(w.parent.compact(ANON, 16 * PAGE)), UNCHANGED),
                new Op("compaction of the huge page", w -> count(w.parent.compact(HUGE, PMD)), UNCHANGED),
                new Op("collapse of 4 KiB pages", w -> of(w.parent.collapseHuge(SMALL)), UNCHANGED),
                new Op("madvise COLLAPSE", w -> of(w.parent.madvise(SMALL, PMD, Advice.COLLAPSE)), UNCHANGED),
                new Op("split of a huge page shared with the child", w -> of(w.parent.splitHuge(HUGE)), UNCHANGED),
                new Op(
                        "fork",
                        w -> {
                            w.parent.fork();
                            return Outcome.DONE;
                        },
                        UNCHANGED),
                new Op(
                        "mremap move",
                        w -> ofReturn(w.parent.mremap(
                                ANON,
                                16 * PAGE,
                                16 * PAGE,
                                MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED,
                                0x2000_0000L)),
                        (role, va, before) -> before), // moved pages are looked up at their old address below
                new Op("munmap of two pages", w -> of(w.parent.munmap(ANON + 4 * PAGE, 2 * PAGE)), UNCHANGED),
                new Op("mprotect read-only", w -> of(w.parent.mprotect(ANON, 16 * PAGE, Prot.READ)), UNCHANGED),
                new Op(
                        "madvise DONTNEED",
                        w -> of(w.parent.madvise(ANON, 4 * PAGE, Advice.DONTNEED)),
                        (role, va, before) -> role.equals("parent") && va < ANON + 4 * PAGE && va >= ANON
                                ? new byte[(int) PAGE]
                                : before),
                new Op("madvise PAGEOUT", w -> of(w.parent.madvise(ANON, 16 * PAGE, Advice.PAGEOUT)), UNCHANGED),
                new Op("reclaim of the huge page", w -> count(w.parent.reclaim(HUGE, PMD)), UNCHANGED),
                new Op("KSM merge", w -> count(w.parent.ksmMerge(ANON, 16 * PAGE)), UNCHANGED),
                new Op("writeback", w -> of(w.parent.writeback(w.data)), UNCHANGED),
                new Op("clear soft-dirty", w -> of(w.parent.clearSoftDirty()), UNCHANGED),
                new Op(
                        "OOM reap of the child",
                        w -> of(w.child.oomReap()),
                        (role, va, before) -> role.equals("child") ? null : before),
                new Op(
                        "device-exclusive of an untouched page",
                        w -> ofReturn(w.parent.makeDeviceExclusive(ANON + 14 * PAGE, OWNER)),
                        UNCHANGED),
                new Op(
                        "pwrite into an uncached file",
                        w -> of(w.cold.pwrite(0, filled(2 * (int) PAGE, 0x33), 0, 2 * (int) PAGE)),
                        (role, va, before) -> (va >= COLD_SHARED && va < COLD_SHARED + 2 * PAGE)
                                        || (va >= COLD_PRIVATE && va < COLD_PRIVATE + 2 * PAGE)
                                ? filled((int) PAGE, 0x33)
                                : before,
                        OnFailure.SHORT_WRITE), // MemoryObject.pwrite: "bytes before it are written, as a short write"
                new Op(
                        "mmap FIXED over populated pages",
                        w -> ofReturn(w.parent.mmap(
                                ANON + 4 * PAGE,
                                2 * PAGE,
                                Prot.RW,
                                MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED)),
                        (role, va, before) -> role.equals("parent") && va >= ANON + 4 * PAGE && va < ANON + 6 * PAGE
                                ? new byte[(int) PAGE]
                                : before),
                new Op(
                        "exit of the child",
                        w -> {
                            w.child.exit();
                            return Outcome.DONE;
                        },
                        UNCHANGED));
    }

    /**
     * Fails the k-th allocation the operation makes, for every k (long mode,
     * {@code -Dreliability.faultPoints=all}) or for the first eight, the last and eight spread in
     * between (the default).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void completesOrLeavesNoTrace(Op op) {
        long made = run(op, -1);
        for (long k : InjectionWorld.faultPoints(made)) {
            run(op, k);
        }
        synchronized (HostFaultInjectionTest.class) {
            allocationPoints += made;
        }
    }

    /** One run on a fresh world failing allocation k (none if negative); returns the allocations made. */
    private static long run(Op op, long k) {
        try (InjectionWorld w = new InjectionWorld()) {
            // Step 1: capture everything, then fail exactly the k-th allocation the operation makes.
            HostState before = HostState.capture(w.host, w.files());
            PhysicalMemory mem = w.host.memory();
            long base = mem.allocationCount();
            long target = k < 0 ? -1 : base + k;
            mem.setAllocationFailureHook(serial -> serial == target);
            Outcome outcome = op.action().apply(w);
            mem.setAllocationFailureHook(null);
            long made = mem.allocationCount() - base;
            synchronized (HostFaultInjectionTest.class) {
                runs++;
            }
            String what = op + (k < 0 ? " (no failure injected)" : " (allocation " + k + " of " + made + " failed)");
            // Step 2: a failure is allowed only when one was injected, and leaves no trace.
            if (k < 0) {
                assertEquals(Outcome.DONE, outcome, what);
            }
            if (outcome == Outcome.FAILED && op.onFailure() != OnFailure.SHORT_WRITE) {
                String diff =
                        before.diff(HostState.capture(w.host, w.files()), op.onFailure() == OnFailure.PAGE_CACHE_ONLY);
                assertEquals("", diff, what + ": failed but left a trace");
            }
            // Step 3: every page reads what it should, then nothing is lost once all exit.
            checkContents(w, op, outcome, what);
            assertEquals(0, w.lostFramesAfterExit(), what + ": frames lost");
            assertEquals(0, w.host.swap().usedSlots(), what + ": swap slots lost");
            return made;
        }
    }

    private static void checkContents(InjectionWorld w, Op op, Outcome outcome, String what) {
        Map<String, byte[]> now = w.readAll();
        for (Map.Entry<String, byte[]> e : now.entrySet()) {
            String role = e.getKey().substring(0, e.getKey().indexOf('@'));
            long va = Long.parseLong(e.getKey().substring(e.getKey().indexOf('@') + 3), 16);
            byte[] before = reference.get(InjectionWorld.key(role.equals("fork") ? "parent" : role, va));
            if (before == null && op.name().equals("mremap move") && outcome == Outcome.DONE) {
                before = reference.get(InjectionWorld.key(role, va - 0x2000_0000L + ANON));
            }
            if (before == null) {
                if (isFreshAnon(w, role, va)) {
                    before = new byte[(int) PAGE];
                } else {
                    fail(op + ": no expected contents for " + e.getKey());
                }
            }
            byte[] expected = outcome == Outcome.DONE ? op.expectation().after(role, va, before) : before;
            if (outcome == Outcome.FAILED
                    && op.onFailure() == OnFailure.SHORT_WRITE
                    && Arrays.equals(e.getValue(), op.expectation().after(role, va, before))) {
                continue; // a page the short write reached
            }
            if (expected != null) {
                assertArrayEquals(expected, e.getValue(), what + ", " + outcome + ": contents of " + e.getKey());
            }
        }
    }

    /** A page of an anonymous VMA the reference world does not have (mapped by the operation). */
    private static boolean isFreshAnon(InjectionWorld w, String role, long va) {
        AddressSpace mm = role.equals("child") ? w.child : w.parent;
        for (Vma v : mm.vmas()) {
            if (va >= v.start() && va < v.end()) {
                return v.isAnonymous();
            }
        }
        return false;
    }

    static Outcome of(Errno e) {
        return e == Errno.OK ? Outcome.DONE : Outcome.FAILED;
    }

    static Outcome ofReturn(long r) {
        return r < 0 ? Outcome.FAILED : Outcome.DONE;
    }

    /** Best-effort per-page operations report how many pages they did; each page is done or untouched. */
    static Outcome count(long pages) {
        assertTrue(pages >= 0, "pages=" + pages);
        return Outcome.DONE;
    }

    static byte[] filled(int len, int value) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** {@code before} (the page at va) with [from, from + len) overwritten by value. */
    static byte[] overwrite(byte[] before, long va, long from, long len, byte value) {
        byte[] b = before.clone();
        for (int i = 0; i < b.length; i++) {
            long a = va + i;
            if (a >= from && a < from + len) {
                b[i] = value;
            }
        }
        return b;
    }
}

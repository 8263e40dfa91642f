package org.devmirror.notifier;

/**
 * The rules of the mmu-notifier API, checked at run time the way lockdep and
 * {@code might_sleep()} check them in a debug kernel. Each rule is one the kernel states for its
 * users (include/linux/mmu_notifier.h, mm/mmu_notifier.c):
 * <ol>
 *   <li><b>No insert or remove from a callback.</b> {@code mmu_interval_notifier_insert} may take
 *       the mmap lock, and {@code mmu_interval_notifier_remove} "cannot be called from any ops
 *       callback"; drm_gpusvm hands UNMAP to a garbage collector for this reason. Checked by
 *       {@link MmuNotifierSubscriptions#insert} and {@link IntervalNotifier#remove}.</li>
 *   <li><b>{@code setSeq} exactly once, under the user lock, in every callback that returns
 *       true.</b> {@code mmu_interval_set_seq} "must be called unconditionally from the invalidate
 *       callback ... under the same lock that is used to call mmu_interval_read_retry()". A
 *       callback that returns true without it lets a fault that read the CPU page table before the
 *       invalidation commit what it read. Checked when the callback returns, for blockable and
 *       non-blockable ranges alike (a non-blockable callback that cannot take the lock returns
 *       false instead).</li>
 *   <li><b>{@code readRetry} under the user lock</b>, the same lock: otherwise the check and the
 *       device page-table update are not atomic against the callback's {@code setSeq}.</li>
 *   <li><b>Nothing sleeps in a non-blockable callback.</b> The kernel wraps the callbacks of a
 *       range without {@code MMU_NOTIFIER_RANGE_BLOCKABLE} in {@code non_block_start()}/
 *       {@code non_block_end()}, and {@code might_sleep()} reports a sleep in between. Here every
 *       call that may wait says so through {@link #mightSleep}: {@link UserLock#lock()},
 *       {@link IntervalNotifier#readBegin()}, {@link IntervalNotifier#remove()},
 *       {@link MmuNotifierSubscriptions#unregister} and {@link MmuNotifierSubscriptions#release}.</li>
 * </ol>
 * A broken rule throws {@link Violation} at the call that breaks it, naming the rule and the
 * kernel text it comes from.
 *
 * <p>The checks are on when the system property {@value #PROPERTY} is {@code true} (the build's
 * tests set it) and off otherwise, in particular in benchmarks. {@link #ENABLED} is a
 * {@code static final} constant, so when it is false the JIT removes every guarded check and the
 * hot paths pay nothing; when true, each callback costs one {@code ThreadLocal} lookup and
 * allocates nothing after a thread's first callback.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The per-thread record ({@link Frame}) is touched only by its own thread. Callbacks may nest (a
 * callback that raises another invalidation is itself a violation elsewhere, but the record stays
 * consistent): the dispatch saves the enclosing callback's state in locals and restores it.
 *
 * <h2>Locking</h2>
 * None: every piece of state is thread-confined.
 */
public final class NotifierRules {
    /** The system property that switches the checks on. */
    public static final String PROPERTY = "devmirror.notifier.rules";

    /** Whether the rules are checked; read once at class initialisation. */
    public static final boolean ENABLED = Boolean.getBoolean(PROPERTY);

    private static final ThreadLocal<Frame> FRAME = ThreadLocal.withInitial(Frame::new);

    private NotifierRules() {}

    /** A broken notifier rule: the message names the rule, the caller and the kernel source. */
    public static final class Violation extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Violation(String message) {
            super("notifier rule broken: " + message);
        }
    }

    /** What one thread is doing inside the notifier callbacks; thread-confined. */
    static final class Frame {
        /** Callbacks (interval or classic) this thread is inside. */
        int callbackDepth;
        /** Of those, callbacks of non-blockable ranges ({@code non_block_start} depth). */
        int nonBlockDepth;
        /** The interval notifier whose callback is innermost, or null. */
        IntervalNotifier sub;
        /** setSeq calls on {@link #sub} during its innermost callback. */
        int setSeqCalls;
    }

    /** Whether the calling thread is inside a notifier callback; for tests. */
    public static boolean insideCallback() {
        return ENABLED && FRAME.get().callbackDepth != 0;
    }

    /**
     * Calls {@code sub}'s invalidate callback as {@code mn_itree_invalidate} does, with the rule
     * checks around it: {@code non_block_start()} for a non-blockable range, and on return the
     * count of {@code setSeq} calls.
     */
    static boolean invalidate(IntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        Frame f = FRAME.get();
        IntervalNotifier outerSub = f.sub;
        int outerCalls = f.setSeqCalls;
        boolean nonBlock = !range.isBlockable();
        f.sub = sub;
        f.setSeqCalls = 0;
        f.callbackDepth++;
        if (nonBlock) {
            f.nonBlockDepth++;
        }
        boolean done;
        int calls;
        try {
            done = sub.ops.invalidate(sub, range, curSeq);
        } finally {
            calls = f.setSeqCalls;
            f.callbackDepth--;
            if (nonBlock) {
                f.nonBlockDepth--;
            }
            f.sub = outerSub;
            f.setSeqCalls = outerCalls;
        }
        if (done && calls != 1) {
            throw new Violation(
                    "the invalidate callback of " + sub + " returned true for " + range + " after calling setSeq "
                            + calls
                            + " times; mmu_interval_set_seq \"must be called unconditionally from the invalidate callback\","
                            + " once, under the lock the fault path holds around mmu_interval_read_retry (include/linux/mmu_notifier.h)");
        }
        return done;
    }

    /** Marks the calling thread inside a classic callback of {@code range} ({@code non_block_start} if non-blockable). */
    static void enterClassic(MmuNotifierRange range) {
        Frame f = FRAME.get();
        f.callbackDepth++;
        if (!range.isBlockable()) {
            f.nonBlockDepth++;
        }
    }

    /** Leaves what {@link #enterClassic} entered. */
    static void leaveClassic(MmuNotifierRange range) {
        Frame f = FRAME.get();
        f.callbackDepth--;
        if (!range.isBlockable()) {
            f.nonBlockDepth--;
        }
    }

    /** {@code setSeq} on {@code sub}: inside its own callback, under its user lock. */
    static void setSeq(IntervalNotifier sub) {
        Frame f = FRAME.get();
        if (f.sub != sub) {
            throw new Violation("setSeq on " + sub + " outside its own invalidate callback"
                    + " (the curSeq it takes is only valid during that callback)");
        }
        UserLock lock = sub.userLock;
        if (lock != null && !lock.isHeldByCurrentThread()) {
            throw new Violation(
                    "setSeq on " + sub + " without holding its user lock " + lock
                            + "; mmu_interval_set_seq must be called under the lock the fault path holds around mmu_interval_read_retry");
        }
        f.setSeqCalls++;
    }

    /** {@code readRetry} on {@code sub}: under its user lock. */
    static void readRetry(IntervalNotifier sub) {
        UserLock lock = sub.userLock;
        if (lock != null && !lock.isHeldByCurrentThread()) {
            throw new Violation("readRetry on " + sub + " without holding its user lock " + lock
                    + "; mmu_interval_read_retry is called under the lock the invalidate callback holds around set_seq,"
                    + " and the device page table is updated before it is released");
        }
    }

    /**
     * {@code might_sleep()}: {@code what} of {@code subject} may wait, which a callback of a
     * non-blockable range must not do. Builds no string unless the rule is broken.
     *
     * @param what    the call, e.g. {@code "lock()"}
     * @param subject what it is called on
     */
    public static void mightSleep(String what, Object subject) {
        if (ENABLED && FRAME.get().nonBlockDepth != 0) {
            throw new Violation(
                    what + " of " + subject + " may sleep, inside the callback of a non-blockable invalidation"
                            + " (the kernel runs it between non_block_start and non_block_end; try-lock and return false instead)");
        }
    }

    /** An insert or remove of {@code sub}: never from inside a callback. */
    static void changeTree(String what, IntervalNotifier sub) {
        if (FRAME.get().callbackDepth != 0) {
            throw new Violation(
                    what + " of " + sub + " from inside a notifier callback; mmu_interval_notifier_insert may take"
                            + " the mmap lock and mmu_interval_notifier_remove \"cannot be called from any ops callback\""
                            + " (mm/mmu_notifier.c): defer the change to after the invalidation, as drm_gpusvm's garbage collector does");
        }
    }
}

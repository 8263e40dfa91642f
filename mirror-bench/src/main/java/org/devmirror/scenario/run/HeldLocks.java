package org.devmirror.scenario.run;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The driver locks a scenario holds with {@code DEV lock} until {@code DEV unlock}. The runner
 * runs statements on one thread, but a lock held "across statements" must be owned by some other
 * thread, or the statements in between would simply re-enter it ({@link ReentrantLock} is
 * reentrant) and nothing would ever be refused. So each held lock gets a holder thread that takes
 * it, reports that it has it, and keeps it until released: a non-blockable invalidation in
 * between try-locks and fails, exactly as it would against a driver thread busy in its fault path.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Called from the runner's thread only. {@link #hold} returns once the holder owns the lock;
 * {@link #release} returns once the holder has unlocked it and ended. Holder threads are daemon
 * threads, so a scenario that never releases cannot keep the JVM alive; {@link #close} releases
 * whatever is still held.
 *
 * <h2>Locking</h2>
 * Each holder thread owns one driver lock between its {@code lock()} and {@code unlock()}; it takes
 * no other lock.
 */
final class HeldLocks implements AutoCloseable {
    /** How long a holder may take to get a lock the runner's thread does not hold. */
    private static final long ACQUIRE_SECONDS = 10;

    /** One holder thread, keeping one lock until told to let go. */
    private static final class Holder {
        final int line;
        final ReentrantLock lock;
        final Thread thread;
        final CountDownLatch acquired = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);

        Holder(int line, ReentrantLock lock, String name) {
            this.line = line;
            this.lock = lock;
            this.thread = Thread.ofPlatform().daemon().name(name).unstarted(() -> {
                lock.lock();
                try {
                    acquired.countDown();
                    awaitLetGo();
                } finally {
                    lock.unlock();
                }
            });
        }

        private void awaitLetGo() {
            boolean interrupted = false;
            while (true) {
                try {
                    letGo.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // keep the lock until told: the scenario decides when it goes
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // mirror key -> its holder; insertion order
    private final Map<String, Holder> held = new LinkedHashMap<>();

    /** Starts a thread that takes {@code lock} and keeps it; returns once it has it. */
    void hold(String key, int line, ReentrantLock lock) {
        if (held.containsKey(key)) {
            throw new IllegalStateException(
                    "the lock of " + key.replace('\0', '/') + " is already held since line " + held.get(key).line);
        }
        Holder h = new Holder(line, lock, "devmirror-lock-holder-line-" + line);
        h.thread.start();
        try {
            if (!h.acquired.await(ACQUIRE_SECONDS, TimeUnit.SECONDS)) {
                h.letGo.countDown();
                throw new IllegalStateException("the driver lock could not be taken within " + ACQUIRE_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            h.letGo.countDown();
            throw new IllegalStateException("interrupted while taking the driver lock", e);
        }
        held.put(key, h);
    }

    /**
     * Lets the holder of {@code key} unlock and waits for it to end; nothing if it is not held
     * (the runner already let it go for an operation that blocked on it).
     */
    void release(String key) {
        Holder h = held.remove(key);
        if (h == null) {
            return;
        }
        h.letGo.countDown();
        try {
            h.thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** Whether {@code thread} is waiting for one of the held locks. */
    boolean blocks(Thread thread) {
        for (Holder h : held.values()) {
            if (h.lock.hasQueuedThread(thread)) {
                return true;
            }
        }
        return false;
    }

    /** The lines of the {@code lock} statements still holding, for messages. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Holder> e : held.entrySet()) {
            sb.append(sb.isEmpty() ? "" : ", ")
                    .append(RunState.deviceOf(e.getKey()))
                    .append(" (line ")
                    .append(e.getValue().line)
                    .append(')');
        }
        return sb.toString();
    }

    /** Releases every lock still held. */
    @Override
    public void close() {
        for (String key : held.keySet().toArray(String[]::new)) {
            release(key);
        }
    }
}

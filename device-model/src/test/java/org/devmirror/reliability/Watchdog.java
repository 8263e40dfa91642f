package org.devmirror.reliability;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.concurrent.TimeUnit;

/**
 * Fails a concurrent test that stops making progress: if {@link #close} is not called within the
 * limit, it prints every thread's stack, locks and lock owners
 * ({@code ThreadMXBean.dumpAllThreads}) and interrupts the test thread, so a deadlock ends the
 * test with the evidence instead of hanging the build.
 */
final class Watchdog implements AutoCloseable {
    private final Thread thread;
    private volatile boolean fired;
    private volatile String dump;

    Watchdog(String name, long limit, TimeUnit unit) {
        Thread test = Thread.currentThread();
        long deadline = System.nanoTime() + unit.toNanos(limit);
        thread = Thread.ofPlatform().daemon().name("watchdog-" + name).start(() -> {
            try {
                long left;
                while ((left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.sleep(left);
                }
            } catch (InterruptedException e) {
                return; // closed in time
            }
            fired = true;
            dump = threadDump();
            System.err.println("watchdog " + name + ": no progress after " + limit + " " + unit + "\n" + dump);
            test.interrupt();
        });
    }

    /** Whether the limit passed. */
    boolean fired() {
        return fired;
    }

    /** The thread dump taken when the limit passed, or null. */
    String dump() {
        return dump;
    }

    @Override
    public void close() {
        thread.interrupt();
    }

    /** Every live thread with its stack, held monitors and synchronizers, and what it waits for. */
    static String threadDump() {
        StringBuilder sb = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            sb.append(info.toString());
            if (info.getStackTrace().length > 8) {
                // ThreadInfo.toString stops after 8 frames; the rest is where a deadlock hides.
                for (int i = 8; i < info.getStackTrace().length; i++) {
                    sb.append("\tat ").append(info.getStackTrace()[i]).append('\n');
                }
            }
        }
        return sb.toString();
    }
}

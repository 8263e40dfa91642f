package org.devmirror.replay;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.trace.StraceReader;

/**
 * Replays a real program's memory system calls (an strace trace, read by {@link StraceReader})
 * against the simulated host, with devices mirroring every address space, under one invalidation
 * policy; returns what the host raised and what the devices had to do. The entry point for
 * {@code ./devmirror replay} and for in-process benchmarks.
 *
 * <p>Per traced pid there is an address space: {@code fork}/{@code clone} without
 * {@code CLONE_VM} forks the parent's, {@code CLONE_VM} (threads, vfork) shares it, a successful
 * {@code execve} gives the task a fresh one, and the last task leaving a space ({@code exit},
 * {@code exit_group}, {@code +++ exited}) tears it down ({@code exit_mmap}). Addresses are the
 * traced ones. What the CPU and the devices do between calls is the {@link ReplayModel}.
 *
 * <p>Each call makes a fresh host, so a replay is independent of any other; the trace can be
 * replayed many times (it is immutable).
 *
 * <pre>{@code
 * StraceReader.Trace trace = StraceReader.readAll(Path.of("examples/traces/gcc-hello.strace"));
 * ReplayResult aware = TraceReplay.replay(trace, PolicyResolver.resolve("policy", "aware"), ReplayModel.defaults());
 * long work = aware.work().totalWork();
 * }</pre>
 */
public final class TraceReplay {
    /**
     * Address spaces alive at once. Each costs its CPU page table (off-heap, at least one
     * 128 KiB chunk) and its mirrors; a trace whose processes never exit would otherwise grow
     * until the JVM runs out of native memory. Past it the replay stops with a
     * {@link ReplayLimitException}.
     */
    public static final int MAX_LIVE_SPACES = 4096;
    /** Device mirrors alive at once (address spaces times devices); each holds an off-heap page table. */
    public static final int MAX_LIVE_MIRRORS = 16_384;

    private TraceReplay() {}

    /**
     * Replays {@code trace} under {@code policy} with {@code model}.
     *
     * @throws ReplayLimitException when the trace keeps more than {@link #MAX_LIVE_SPACES} address
     *     spaces or {@link #MAX_LIVE_MIRRORS} mirrors alive at once
     */
    public static ReplayResult replay(StraceReader.Trace trace, InvalidationPolicy policy, ReplayModel model) {
        try (Replayer replayer = new Replayer(policy, model)) {
            return replayer.run(trace);
        }
    }

    /** Reads the trace at {@code path} and replays it under each of {@code policies}, in order. */
    public static List<ReplayResult> replay(Path path, List<InvalidationPolicy> policies, ReplayModel model)
            throws IOException {
        StraceReader.Trace trace = StraceReader.readAll(path);
        List<ReplayResult> results = new ArrayList<>();
        for (InvalidationPolicy policy : policies) {
            results.add(replay(trace, policy, model));
        }
        return results;
    }
}

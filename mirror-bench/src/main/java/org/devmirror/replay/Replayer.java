package org.devmirror.replay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.observe.InvalidationRecorder;
import org.devmirror.trace.Skip;
import org.devmirror.trace.SkipReason;
import org.devmirror.trace.StraceReader;
import org.devmirror.trace.Syscall;
import org.devmirror.trace.SyscallKind;

/**
 * One replay run: a fresh host, the traced processes' address spaces and their mirrors, and the
 * counters. {@link TraceReplay} is its public face. Single-threaded.
 */
@SuppressWarnings(
        "EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices
// never leave the process
final class Replayer implements AutoCloseable {
    private static final int SAMPLE_LIMIT = 64;

    private final InvalidationPolicy policy;
    private final Host host;
    private final InvalidationRecorder recorder = InvalidationRecorder.counting();
    private final CpuModel cpu;
    private final DeviceFleet devices;
    private final MemoryCalls memory;
    private final IoctlCalls ioctls;
    // pid -> the address space its calls apply to; tasks sharing a space map to the same object
    private final Map<Integer, TracedProcess> tasks = new HashMap<>();
    // live address spaces; a set, so that tearing one down costs the same with 10 or 10,000 alive
    private final Set<TracedProcess> live = new LinkedHashSet<>();
    private final long[] replayed = new long[SyscallKind.COUNT];
    private final long[] replaySkips = new long[ReplaySkip.COUNT];
    private final Map<String, Long> skippedByName = new TreeMap<>();
    private final List<ReplayResult.SkipSample> samples = new ArrayList<>();
    private final Histogram[] latency = new Histogram[MmuNotifierEvent.COUNT];
    // what the last host rejection or task skip was about
    private String lastDetail = "";
    // most physical frames in use after any call (the model's footprint, to size hostFrames)
    private long peakFrames;
    // trace line of the call being replayed, for a limit's error
    private long line;

    Replayer(InvalidationPolicy policy, ReplayModel model) {
        this.policy = policy;
        this.host = new Host(HostConfig.defaults()
                .withFrames(model.hostFrames())
                .withSwapSlots(model.hostFrames() / ReplayModel.FRAMES_PER_SWAP_SLOT)
                .withRanges(model.ranges()));
        this.cpu = new CpuModel(model.writePagesPerMapping());
        this.devices = new DeviceFleet(host, policy, model);
        this.memory = new MemoryCalls(host, cpu);
        this.ioctls = new IoctlCalls(memory);
        for (int i = 0; i < latency.length; i++) {
            latency[i] = new Histogram(3);
        }
    }

    ReplayResult run(StraceReader.Trace trace) {
        for (Syscall call : trace.calls()) {
            line = call.line();
            TracedProcess p = processOf(call.pid());
            recorder.resetPending();
            long started = System.nanoTime();
            ReplaySkip skip = apply(p, call);
            long elapsed = System.nanoTime() - started;
            if (skip != null) {
                countSkip(call, skip);
                continue;
            }
            replayed[call.kind().ordinal()]++;
            for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
                if (recorder.pending(e) != 0) {
                    latency[e.ordinal()].recordValue(Math.max(0, elapsed));
                }
            }
            TracedProcess now = tasks.get(call.pid());
            if (now != null) {
                devices.touch(now);
                devices.check(now);
            }
            peakFrames = Math.max(
                    peakFrames, host.memory().frameCount() - host.memory().freeFrames());
        }
        for (TracedProcess p : List.copyOf(live)) {
            tearDown(p);
        }
        return result(trace);
    }

    private TracedProcess processOf(int pid) {
        TracedProcess p = tasks.get(pid);
        if (p == null) {
            // The first call of a task the trace never showed being created (the traced program
            // itself, or a task strace attached to): it starts in a fresh address space.
            p = newProcess(host.newAddressSpace());
            tasks.put(pid, p);
        }
        return p;
    }

    private TracedProcess newProcess(AddressSpace mm) {
        if (live.size() >= TraceReplay.MAX_LIVE_SPACES
                || (live.size() + 1L) * devices.count() > TraceReplay.MAX_LIVE_MIRRORS) {
            mm.exit();
            throw new ReplayLimitException(
                    line,
                    "a new address space here would make " + (live.size() + 1)
                            + " live at once, each mirrored by " + devices.count()
                            + " device(s); a replay keeps at most "
                            + TraceReplay.MAX_LIVE_SPACES + " address spaces and " + TraceReplay.MAX_LIVE_MIRRORS
                            + " mirrors alive (docs/limits.md): does the trace show its processes exiting?");
        }
        recorder.watch(mm);
        TracedProcess p = new TracedProcess(mm, devices.open(mm));
        live.add(p);
        return p;
    }

    private ReplaySkip apply(TracedProcess p, Syscall call) {
        try {
            return switch (call) {
                case Syscall.Mmap c -> memory.mmap(p, c);
                case Syscall.Munmap c -> memory.munmap(p, c);
                case Syscall.Mremap c -> memory.mremap(p, c);
                case Syscall.Mprotect c -> memory.mprotect(p, c);
                case Syscall.Madvise c -> memory.madvise(p, c);
                case Syscall.Brk c -> memory.brk(p, c);
                case Syscall.Truncate c -> memory.truncate(c);
                case Syscall.Fallocate c -> memory.fallocate(c);
                case Syscall.Clone c -> clone(p, c);
                case Syscall.Execve c -> execve(p, c);
                case Syscall.Exit c -> exit(c.pid());
                case Syscall.ProcessEnd c -> exit(c.pid());
                case Syscall.Ioctl c -> ioctls.ioctl(p, c);
            };
        } catch (IllegalArgumentException e) {
            // The host checks its arguments and changes nothing when it refuses them; a trace of a
            // real program should never get here, but a hand-edited one may.
            lastDetail = e.getMessage();
            return ReplaySkip.HOST_REJECTED;
        }
    }

    /** fork/vfork/clone: a copy of the parent's space, or (CLONE_VM) the same space. */
    private ReplaySkip clone(TracedProcess parent, Syscall.Clone call) {
        if (call.childPid() == call.pid()) {
            lastDetail = "pid " + call.pid() + " cloned itself";
            return ReplaySkip.CHILD_IS_CALLER;
        }
        TracedProcess previous = tasks.get(call.childPid());
        if (previous != null) {
            // The child's first line came before the parent's clone returned (strace -f prints
            // the child as soon as it runs); it was given a fresh space then. Replace it.
            leave(call.childPid(), previous);
        }
        if (call.sharesAddressSpace()) {
            parent.tasks++;
            tasks.put(call.childPid(), parent);
            return null;
        }
        TracedProcess child = newProcess(parent.mm.fork());
        child.brkStart = parent.brkStart;
        child.brkEnd = parent.brkEnd;
        tasks.put(call.childPid(), child);
        return null;
    }

    /** execve: the task continues in a fresh space; the old one goes when its last task leaves. */
    private ReplaySkip execve(TracedProcess p, Syscall.Execve call) {
        leave(call.pid(), p);
        tasks.put(call.pid(), newProcess(host.newAddressSpace()));
        return null;
    }

    private ReplaySkip exit(int pid) {
        TracedProcess p = tasks.get(pid);
        if (p == null) {
            lastDetail = "pid " + pid;
            return ReplaySkip.TASK_ALREADY_ENDED;
        }
        leave(pid, p);
        return null;
    }

    private void leave(int pid, TracedProcess p) {
        tasks.remove(pid);
        if (--p.tasks == 0) {
            tearDown(p);
        }
    }

    /** exit_mmap: RELEASE to the mirrors, then UNMAP; then the devices close their mirrors. */
    private void tearDown(TracedProcess p) {
        p.mm.exit();
        devices.close(p);
        live.remove(p);
    }

    private void countSkip(Syscall call, ReplaySkip skip) {
        replaySkips[skip.ordinal()]++;
        String name = call.kind().name().toLowerCase(Locale.ROOT);
        skippedByName.merge(name, 1L, Long::sum);
        if (samples.size() < SAMPLE_LIMIT) {
            String detail = skip == ReplaySkip.HOST_REJECTED
                            || skip == ReplaySkip.TASK_ALREADY_ENDED
                            || skip == ReplaySkip.CHILD_IS_CALLER
                    ? lastDetail
                    : memory.detail();
            samples.add(new ReplayResult.SkipSample(call.line(), skip.name(), detail));
        }
    }

    private ReplayResult result(StraceReader.Trace trace) {
        Map<String, Long> skipped = new TreeMap<>();
        for (SkipReason reason : SkipReason.values()) {
            long n = trace.stats().skipped(reason);
            if (n != 0) {
                skipped.put(reason.name(), n);
            }
        }
        for (ReplaySkip reason : ReplaySkip.values()) {
            if (replaySkips[reason.ordinal()] != 0) {
                skipped.put(reason.name(), replaySkips[reason.ordinal()]);
            }
        }
        Map<String, Long> byName = new TreeMap<>(trace.stats().skippedByName());
        skippedByName.forEach((name, n) -> byName.merge(name, n, Long::sum));
        List<ReplayResult.SkipSample> allSamples = new ArrayList<>();
        for (Skip s : trace.stats().samples()) {
            allSamples.add(new ReplayResult.SkipSample(s.line(), s.reason().name(), s.detail()));
        }
        allSamples.addAll(samples);
        allSamples.sort(Comparator.comparingLong(ReplayResult.SkipSample::line));
        long[] events = new long[MmuNotifierEvent.COUNT];
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            events[e.ordinal()] = recorder.total(e);
        }
        return new ReplayResult(
                policy.name(),
                replayed,
                skipped,
                byName,
                allSamples.subList(0, Math.min(SAMPLE_LIMIT, allSamples.size())),
                memory.diverged(),
                memory.divergenceSamples(),
                events,
                devices.work(),
                devices.refaults(),
                cpu.pagesWritten(),
                cpu.writeErrors(),
                peakFrames,
                devices.touches(),
                devices.oracleChecks(),
                devices.oracleViolations(),
                devices.violationSamples(),
                latency);
    }

    @Override
    public void close() {
        devices.closeAll();
        host.close();
    }
}

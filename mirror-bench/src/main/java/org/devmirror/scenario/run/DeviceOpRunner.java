package org.devmirror.scenario.run;

import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.scenario.model.DeviceOp;

/**
 * Runs the {@link DeviceOp}s of a scenario: each is the {@code hmm_dmirror} command of the same
 * name on the device's mirror of the operation's address space (lib/test_hmm.c), and its
 * {@code struct hmm_dmirror_cmd} answer (result, cpages, faults) is the outcome.
 */
final class DeviceOpRunner {
    private final RunState state;

    DeviceOpRunner(RunState state) {
        this.state = state;
    }

    OpOutcome run(DeviceOp op) {
        return switch (op) {
            case DeviceOp.Read r -> {
                byte[] buf = new byte[Math.toIntExact(r.length())];
                long start = state.address(r.addr());
                DeviceCommand c = mirror(op).read(start, pages(r.length()), buf);
                state.reads.put(r.line(), new RunState.Capture(start, c.result(), buf));
                yield outcome(c, null);
            }
            case DeviceOp.Write w ->
                outcome(
                        mirror(op)
                                .write(state.address(w.addr()), pages(w.length()), DataBytes.of(w.data(), w.length())),
                        null);
            case DeviceOp.Atomic a ->
                outcome(mirror(op).atomicAdd(state.address(a.addr()), pages(a.length()), a.addend()), null);
            case DeviceOp.Snapshot s -> {
                byte[] bytes = new byte[pages(s.length())];
                long start = state.address(s.addr());
                DeviceCommand c = mirror(op).snapshot(start, pages(s.length()), bytes);
                state.snapshots.put(s.line(), new RunState.Capture(start, c.result(), bytes));
                yield outcome(c, bytes);
            }
            case DeviceOp.MigrateToDevice m ->
                outcome(mirror(op).migrateToDevice(state.address(m.addr()), pages(m.length())), null);
            case DeviceOp.MigrateToSystem m ->
                outcome(mirror(op).migrateToSystem(state.address(m.addr()), pages(m.length())), null);
            case DeviceOp.Exclusive x ->
                outcome(mirror(op).exclusive(state.address(x.addr()), pages(x.length())), null);
            case DeviceOp.CheckExclusive x ->
                OpOutcome.of(mirror(op).checkExclusive(state.address(x.addr()), pages(x.length())));
            case DeviceOp.Release r -> outcome(mirror(op).release(), null);
            case DeviceOp.HoldLock l -> {
                state.locks.hold(
                        RunState.mirrorKey(l.space(), l.device()),
                        l.line(),
                        mirror(op).lock());
                yield OpOutcome.of(Errno.OK);
            }
            case DeviceOp.ReleaseLock l -> {
                state.locks.release(RunState.mirrorKey(l.space(), l.device()));
                yield OpOutcome.of(Errno.OK);
            }
            case DeviceOp.FailAlloc f -> {
                // the device's allocator, not a mirror: no mirror is opened for it
                for (int i = 0; i < f.count(); i++) {
                    state.devices.get(f.device()).failNextAllocation();
                }
                yield OpOutcome.of(Errno.OK);
            }
        };
    }

    /** {@code op}'s device's mirror of its address space, opened by the first command there. */
    private Dmirror mirror(DeviceOp op) {
        return state.mirror(op.space(), op.device());
    }

    private static OpOutcome outcome(DeviceCommand c, byte[] snapshot) {
        return new OpOutcome(c.result(), c.faults(), c.cpages(), snapshot);
    }

    private static int pages(long length) {
        return Math.toIntExact(length >>> Host.PAGE_SHIFT);
    }
}

package org.devmirror.reliability;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The jqwik generators of random operation sequences: every host operation and every device
 * command, over several address spaces (fork and exit) and two devices. Shrinking shortens the
 * list and moves each field towards 0, and any shrunk sequence still runs (see {@link ModelOp}).
 */
final class Sequences {
    private Sequences() {}

    private static Arbitrary<Integer> small(int max) {
        return Arbitraries.integers().between(0, max);
    }

    static Arbitrary<ModelOp> op() {
        Arbitrary<Integer> space = small(2);
        Arbitrary<Integer> slot = small(3);
        Arbitrary<Integer> off = small(600);
        Arbitrary<Integer> len = small(40);
        Arbitrary<ModelOp> mmap = Combinators.combine(
                        space, slot, small(23), small(3), Arbitraries.of(false, false, false, true))
                .as(HostOps.Mmap::new);
        Arbitrary<ModelOp> mmapFile =
                Combinators.combine(space, slot, small(7), small(15)).as(HostOps.MmapFile::new);
        Arbitrary<ModelOp> munmap = Combinators.combine(space, slot, off, len).as(HostOps.Munmap::new);
        Arbitrary<ModelOp> mprotect =
                Combinators.combine(space, slot, off, len, small(3)).as(HostOps.Mprotect::new);
        Arbitrary<ModelOp> madvise =
                Combinators.combine(space, slot, off, len, small(6)).as(HostOps.Madvise::new);
        Arbitrary<ModelOp> mremap =
                Combinators.combine(space, slot, off, len, small(3)).as(HostOps.Mremap::new);
        Arbitrary<ModelOp> cpuWrite =
                Combinators.combine(space, slot, off, len, small(255)).as(HostOps.CpuWrite::new);
        Arbitrary<ModelOp> cpuRead = Combinators.combine(space, slot, off, len).as(HostOps.CpuRead::new);
        Arbitrary<ModelOp> fork = space.map(HostOps.Fork::new);
        Arbitrary<ModelOp> exit = space.map(HostOps.Exit::new);
        Arbitrary<ModelOp> maintenance =
                Combinators.combine(space, slot, off, len, small(2)).as(HostOps.Maintenance::new);
        Arbitrary<ModelOp> thp =
                Combinators.combine(space, slot, Arbitraries.of(true, false)).as(HostOps.Thp::new);
        Arbitrary<ModelOp> whole = Combinators.combine(space, small(2)).as(HostOps.Whole::new);
        Arbitrary<Integer> device = small(1);
        Arbitrary<DeviceOps.Kind> kind = Arbitraries.of(DeviceOps.Kind.class);
        Arbitrary<ModelOp> dev = Combinators.combine(device, space, slot, off, len, kind, small(255))
                .as(DeviceOps.Dev::new);
        Arbitrary<ModelOp> release = Combinators.combine(device, space).as(DeviceOps.Release::new);
        Arbitrary<ModelOp> failAlloc = device.map(DeviceOps.FailAlloc::new);
        Arbitrary<ModelOp> hinting =
                Combinators.combine(space, slot, off, len, small(3)).as(HostOps.Hinting::new);
        return Arbitraries.frequencyOf(
                Tuple.of(2, hinting),
                Tuple.of(4, mmap),
                Tuple.of(2, mmapFile),
                Tuple.of(2, munmap),
                Tuple.of(3, mprotect),
                Tuple.of(3, madvise),
                Tuple.of(2, mremap),
                Tuple.of(6, cpuWrite),
                Tuple.of(3, cpuRead),
                Tuple.of(2, fork),
                Tuple.of(1, exit),
                Tuple.of(3, maintenance),
                Tuple.of(2, thp),
                Tuple.of(2, whole),
                Tuple.of(24, dev),
                Tuple.of(1, release),
                Tuple.of(1, failAlloc));
    }

    /** Sequences of 1 to maxLength operations, lengths uniform (jqwik would favour short lists). */
    static Arbitrary<List<ModelOp>> sequence(int maxLength) {
        Arbitrary<ModelOp> op = op();
        return Arbitraries.integers()
                .between(1, maxLength)
                .flatMap(n -> op.list().ofSize(n));
    }
}

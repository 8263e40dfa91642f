package org.devmirror.reliability;

import static org.devmirror.reliability.MirrorWorld.PAGE;
import static org.devmirror.reliability.ModelOp.hex;
import static org.devmirror.reliability.ModelOp.pagesOf;
import static org.devmirror.reliability.ModelOp.range;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.device.driver.CpuMapping;
import org.devmirror.mm.Errno;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.reliability.MirrorWorld.Space;
import org.devmirror.reliability.ModelOp.Range;

/** The device operations of a random sequence: every dmirror command, device faults and allocation failures. */
final class DeviceOps {
    private DeviceOps() {}

    /** The kinds of {@link Dev}. */
    enum Kind {
        READ,
        WRITE,
        ATOMIC,
        FAULT_READ,
        FAULT_WRITE,
        MIGRATE,
        MIGRATE_BACK,
        EXCLUSIVE,
        CHECK_EXCLUSIVE,
        SNAPSHOT
    }

    /** One device command over a range of one space. */
    record Dev(int device, int space, int slot, int offRaw, int lenRaw, Kind kind, int value) implements ModelOp {
        @Override
        @SuppressWarnings(
                "RefactorSwitch") // each case logs, acts, checks and returns; a switch expression with yield would read
        // no better
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            int d = Math.floorMod(device, MirrorWorld.DEVICES);
            Dmirror m = w.mirror(d, s);
            Range r = range(s, slot, offRaw, lenRaw);
            String dev = "gpu" + d + " ";
            List<PageModel> pages = pagesOf(s, r);
            switch (kind) {
                case READ -> {
                    w.log(s, dev + "read " + r.text());
                    byte[] buf = new byte[r.pages() * (int) PAGE];
                    DeviceCommand c = m.read(r.addr(), r.pages(), buf);
                    Errno expected = pages.stream().allMatch(p -> p != null && p.readable()) ? Errno.OK : null;
                    checkOutcome(w, "device read " + r.text(), expected, c);
                    if (c.isOk()) {
                        compare(w, "device read", r, pages, buf);
                        return new Step("OK", c.cpages(), Arrays.hashCode(buf));
                    }
                    return new Step(c.result().name(), 0, 0);
                }
                case WRITE -> {
                    int b = value & 0xff;
                    w.log(s, dev + "write " + r.text() + " fill " + hex(b));
                    byte[] buf = new byte[r.pages() * (int) PAGE];
                    Arrays.fill(buf, (byte) b);
                    DeviceCommand c = m.write(r.addr(), r.pages(), buf);
                    boolean allWritable = pages.stream().allMatch(p -> p != null && p.writable());
                    Errno expected = allWritable && !holdsOwnReadOnlyDevicePage(w, s, d, r) ? Errno.OK : null;
                    checkOutcome(w, "device write " + r.text(), expected, c);
                    for (int i = 0; i < c.cpages(); i++) {
                        pages.get(i).cell.store(PageModel.fillWord(b)); // the pages before the failing one are written
                    }
                    return new Step(c.result().name(), c.cpages(), 0); // how far it got: RandomSequenceTest.diverges
                }
                case ATOMIC -> {
                    long delta = 1L + Math.floorMod(value, 7);
                    w.log(s, dev + "atomic " + r.text() + " add " + delta);
                    DeviceCommand c = m.atomicAdd(r.addr(), r.pages(), delta);
                    if (c.isOk() && c.cpages() != r.pages()) {
                        throw new AssertionError("device atomic " + r.text() + " OK with cpages=" + c.cpages());
                    }
                    for (int i = 0; i < c.cpages(); i++) {
                        pages.get(i).cell.add(delta);
                    }
                    return new Step(c.result().name(), c.cpages(), 0); // how far it got: RandomSequenceTest.diverges
                }
                case FAULT_READ, FAULT_WRITE -> {
                    boolean write = kind == Kind.FAULT_WRITE;
                    // The scenario format has no bare device fault; a device read faults the same way.
                    w.log(s, "# " + dev + "fault " + r.text() + (write ? " write" : " read"));
                    return new Step(m.fault(r.addr(), r.pages(), write).name(), 0, 0);
                }
                case MIGRATE -> {
                    w.log(s, dev + "migrate " + r.text());
                    return new Step(
                            m.migrateToDevice(r.addr(), r.pages()).result().name(), 0, 0);
                }
                case MIGRATE_BACK -> {
                    w.log(s, dev + "migrate-back " + r.text());
                    return new Step(
                            m.migrateToSystem(r.addr(), r.pages()).result().name(), 0, 0);
                }
                case EXCLUSIVE -> {
                    w.log(s, dev + "exclusive " + r.text());
                    return new Step(m.exclusive(r.addr(), r.pages()).result().name(), 0, 0);
                }
                case CHECK_EXCLUSIVE -> {
                    w.log(s, dev + "check-exclusive " + r.text());
                    return new Step(m.checkExclusive(r.addr(), r.pages()).name(), 0, 0);
                }
                default -> {
                    w.log(s, dev + "snapshot " + r.text());
                    byte[] prot = new byte[r.pages()];
                    return new Step(
                            m.snapshot(r.addr(), r.pages(), prot).result().name(), 0, 0);
                }
            }
        }
    }

    /** HMM_DMIRROR_RELEASE: evict the device's pages of one space. */
    record Release(int device, int space) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            Space s = w.space(space);
            int d = Math.floorMod(device, MirrorWorld.DEVICES);
            w.log(s, "gpu" + d + " release");
            return new Step(w.mirror(d, s).release().result().name(), 0, 0);
        }
    }

    /** The device's next page allocation fails (device-memory fault injection). */
    record FailAlloc(int device) implements ModelOp {
        @Override
        public Step apply(MirrorWorld w) {
            int d = Math.floorMod(device, MirrorWorld.DEVICES);
            w.scenario.add("gpu" + d + " fail-alloc");
            w.devices[d].failNextAllocation();
            return new Step("OK", 0, 0);
        }
    }

    /**
     * Whether {@code op} is a device write, or a device write fault, whose range in {@code w}
     * holds, now, a page of the device's own memory that the CPU maps read-only
     * ({@link #holdsOwnReadOnlyDevicePage}); read after the step, as the write's own expectation is.
     */
    static boolean leavesOwnReadOnlyDevicePage(MirrorWorld w, ModelOp op) {
        if (!(op instanceof Dev dev) || (dev.kind() != Kind.WRITE && dev.kind() != Kind.FAULT_WRITE)) {
            return false;
        }
        Space s = w.space(dev.space());
        return holdsOwnReadOnlyDevicePage(
                w,
                s,
                Math.floorMod(dev.device(), MirrorWorld.DEVICES),
                range(s, dev.slot(), dev.offRaw(), dev.lenRaw()));
    }

    /**
     * Whether a page of {@code r} is one of device {@code d}'s own device-private pages mapped
     * read-only, which a device write cannot get: range fault reports the device's own page as it
     * is, without faulting it (hmm_vma_handle_pte), and dmirror_do_fault refuses a read-only page
     * for a write with -EFAULT. A fork leaves device-private pages read-only, and so does migrating
     * a page the CPU maps read-only for copy-on-write (migrate_vma_collect_pmd sets
     * MIGRATE_PFN_WRITE from pte_write). The page model does not follow copy-on-write, so this
     * reads the CPU entry.
     */
    static boolean holdsOwnReadOnlyDevicePage(MirrorWorld w, Space s, int d, Range r) {
        for (int i = 0; i < r.pages(); i++) {
            long va = r.addr() + i * PAGE;
            long cpu = s.mm.pageTable().get(va);
            if (PteLayout.isDevicePrivate(cpu)
                    && !PteLayout.isWrite(cpu)
                    && w.devices[d].ownsPfn(CpuMapping.pageAt(cpu, va))) {
                return true;
            }
        }
        return false;
    }

    /** A command the model says must succeed did not, or one that must fail succeeded. */
    static void checkOutcome(MirrorWorld w, String what, Errno expected, DeviceCommand c) {
        if (expected == Errno.OK && !c.isOk()) {
            throw new AssertionError(
                    what + " returned " + c.result() + " (cpages=" + c.cpages() + "), the model expects OK");
        }
        if (expected == null && c.isOk()) {
            throw new AssertionError(what + " returned OK over a page the model says it may not access");
        }
    }

    /** Every word of the bytes read equals the model of its page. */
    static void compare(MirrorWorld w, String what, Range r, List<PageModel> pages, byte[] buf) {
        ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        for (int i = 0; i < r.pages(); i++) {
            PageModel p = pages.get(i);
            for (int off = 0; off < PAGE; off += 8) {
                long actual = bb.getLong(i * (int) PAGE + off);
                if (!p.cell.allows(actual)) {
                    throw new AssertionError(what + " " + r.text() + ": page 0x" + Long.toHexString(r.addr() + i * PAGE)
                            + " word at +" + off + " is 0x" + Long.toHexString(actual) + ", expected " + p.cell);
                }
            }
        }
    }
}

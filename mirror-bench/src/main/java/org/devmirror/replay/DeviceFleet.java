package org.devmirror.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.Prot;
import org.devmirror.mm.Vma;
import org.devmirror.observe.DeviceWork;

/**
 * The device half of the {@link ReplayModel}: {@code N} devices, each mirroring every traced
 * address space, touching a random fraction of its populated pages after each call; plus the
 * safety oracle over every mirror after every call.
 */
final class DeviceFleet {
    private static final int VIOLATION_SAMPLES = 16;
    /** Device-private memory per device: the replay model never migrates, so a little is enough. */
    private static final long DEVICE_PAGES = 1024;

    private final DmirrorDevice[] devices;
    private final MirrorOptions options;
    private final ReplayModel model;
    private final SplittableRandom random;
    private final byte[] page = new byte[(int) Host.PAGE_SIZE];
    // device work of mirrors already closed
    private final DeviceWork closedWork = new DeviceWork();
    // a set, so that closing one mirror does not cost a scan of all the others
    private final Set<Dmirror> open = new LinkedHashSet<>();
    private final List<String> violationSamples = new ArrayList<>();
    private long refaults;
    private long touches;
    private long oracleChecks;
    private long oracleViolations;

    DeviceFleet(Host host, InvalidationPolicy policy, ReplayModel model) {
        this.model = model;
        this.options = MirrorOptions.forPolicy(policy);
        this.random = new SplittableRandom(model.seed());
        this.devices = new DmirrorDevice[model.devices()];
        for (int i = 0; i < devices.length; i++) {
            devices[i] = new DmirrorDevice(host, i, DEVICE_PAGES);
        }
    }

    /** The number of devices. */
    int count() {
        return devices.length;
    }

    /** Each device opens its mirror of {@code mm} (the dmirror {@code open()}). */
    Dmirror[] open(AddressSpace mm) {
        Dmirror[] mirrors = new Dmirror[devices.length];
        for (int i = 0; i < devices.length; i++) {
            mirrors[i] = devices[i].open(mm, options);
            open.add(mirrors[i]);
        }
        return mirrors;
    }

    /**
     * After a call: walks {@code p}'s populated pages in address order; each device touches each
     * page with the model's probability, up to its per-call cap.
     */
    void touch(TracedProcess p) {
        int[] budget = new int[devices.length];
        Arrays.fill(budget, model.touchesPerCall());
        for (Vma vma : p.mm.vmas()) {
            boolean write = (vma.prot() & Prot.WRITE) != 0 && !vma.isShared();
            for (long va = p.mm.pageTable().nextPopulated(vma.start(), vma.end());
                    va < vma.end();
                    va = p.mm.pageTable().nextPopulated(va + Host.PAGE_SIZE, vma.end())) {
                for (int d = 0; d < devices.length; d++) {
                    // Draw for every page and device whatever the budget, so the sequence of draws
                    // depends on the CPU page tables only, not on what a policy left mapped.
                    boolean chosen = random.nextDouble() < model.touchFraction();
                    if (chosen && budget[d] > 0) {
                        budget[d]--;
                        touchPage(p, d, va, write);
                    }
                }
            }
        }
    }

    private void touchPage(TracedProcess p, int d, long va, boolean write) {
        touches++;
        Dmirror mirror = p.mirrors[d];
        DeviceCommand result = write ? mirror.write(va, 1, page) : mirror.read(va, 1, page);
        if (result.result() == Errno.OK && result.faults() > 0 && !p.faultedPages[d].add(va)) {
            refaults++;
        }
    }

    /** The oracle over each of {@code p}'s mirrors. */
    void check(TracedProcess p) {
        for (Dmirror mirror : p.mirrors) {
            OracleReport report = SafetyOracle.check(mirror);
            oracleChecks += report.checked();
            oracleViolations += report.violations().size();
            for (String v : report.violations()) {
                if (violationSamples.size() < VIOLATION_SAMPLES) {
                    violationSamples.add(v);
                }
            }
        }
    }

    /** {@code p}'s space is gone: each device closes its mirror (the dmirror {@code release()}). */
    void close(TracedProcess p) {
        for (Dmirror mirror : p.mirrors) {
            closedWork.add(mirror.stats());
            mirror.close();
            open.remove(mirror);
        }
    }

    void closeAll() {
        for (Dmirror mirror : List.copyOf(open)) {
            closedWork.add(mirror.stats());
            mirror.close();
        }
        open.clear();
        for (DmirrorDevice device : devices) {
            device.close();
        }
    }

    /** Device work of every mirror, closed or open. */
    DeviceWork work() {
        DeviceWork sum = new DeviceWork().add(closedWork);
        for (Dmirror mirror : open) {
            sum.add(mirror.stats());
        }
        return sum;
    }

    long refaults() {
        return refaults;
    }

    long touches() {
        return touches;
    }

    long oracleChecks() {
        return oracleChecks;
    }

    long oracleViolations() {
        return oracleViolations;
    }

    List<String> violationSamples() {
        return violationSamples;
    }
}

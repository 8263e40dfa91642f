package org.devmirror.reliability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * One machine under a random operation sequence: a host, two mirroring devices, one shared file,
 * the live address spaces (main and its fork children) with the {@link PageModel} of every mapped
 * page, the device mirrors opened so far, and the scenario-file lines of what ran. After every
 * step {@link #check} runs the safety oracle on every mirror and compares every mapped page
 * with its model.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Single-threaded and deterministic: two worlds built with the same options and fed the same
 * operations allocate the same frames and device pages.
 */
final class MirrorWorld implements AutoCloseable {
    static final long PAGE = Host.PAGE_SIZE;
    static final long PMD = Host.PMD_SIZE;
    /** Buffers live in four slots, 16 MiB apart, 2 MiB aligned. */
    static final int SLOTS = 4;

    static final long SLOT_BASE = 0x1000_0000L;
    static final long SLOT_SIZE = 0x0100_0000L;
    static final int DEVICES = 2;
    static final int MAX_SPACES = 3;
    static final long FILE_PAGES = 16;
    /** 16 MiB of frames: room for four huge pages and their copies. */
    static final long FRAMES = 4096;

    /** One live address space of the world. */
    static final class Space {
        final String name;
        final AddressSpace mm;
        /** Page address to model; exactly the pages the host has mapped. */
        final NavigableMap<Long, PageModel> pages;

        final Dmirror[] mirrors = new Dmirror[DEVICES];

        Space(String name, AddressSpace mm, NavigableMap<Long, PageModel> pages) {
            this.name = name;
            this.mm = mm;
            this.pages = pages;
        }
    }

    final MirrorOptions options;
    final Host host;
    final DmirrorDevice[] devices = new DmirrorDevice[DEVICES];
    final MemoryObject file;
    final PageModel.Cell[] fileCells = new PageModel.Cell[(int) FILE_PAGES];
    final List<Space> spaces = new ArrayList<>();
    final List<String> scenario = new ArrayList<>();
    private final PagePeek peek;
    private int forks;
    /** Oracle checks run and pages compared, for the reported figures. */
    long oracleChecks;

    long pagesChecked;
    /** Kernel findings the oracle reported, each once, with the mirror that saw it. */
    private final Set<String> kernelFindings = new LinkedHashSet<>();

    /**
     * The device commands' range-fault timeout in the worlds ({@code -Dreliability.faultTimeoutMillis},
     * default 60 s, where the driver's default is {@code HMM_RANGE_DEFAULT_TIMEOUT}, 1 s). A sequence
     * is single-threaded, so a command retries only after an invalidation it caused itself and
     * then succeeds; past a 1 s wall-clock deadline it returns EBUSY, as {@code hmm_range_fault}'s
     * callers do, which the page model cannot predict. This is the only wall-clock dependence of a
     * sequence, and the explanation that fits a 2,000-operation run on 2 loaded cores that once
     * failed at its second seed and never again (an early, still interpreted command is the
     * slowest); {@code -Dreliability.faultTimeoutMillis=1} makes such failures appear at will.
     * A livelock still fails: it ends in EBUSY after the long timeout.
     */
    static final long FAULT_TIMEOUT_MILLIS = Long.getLong("reliability.faultTimeoutMillis", 60_000);

    MirrorWorld(MirrorOptions options) {
        this.options = options.withFaultTimeoutMillis(FAULT_TIMEOUT_MILLIS);
        // Small: every world zero-fills its frames, and first-touching memory is what a world costs.
        host = new Host(HostConfig.defaults().withFrames(FRAMES).withSwapSlots(512));
        for (int d = 0; d < DEVICES; d++) {
            devices[d] = new DmirrorDevice(host, d, 1024);
        }
        file = host.newFile("f", FILE_PAGES * PAGE);
        for (int i = 0; i < FILE_PAGES; i++) {
            fileCells[i] = new PageModel.Cell(0);
        }
        peek = new PagePeek(host);
        spaces.add(new Space("main", host.newAddressSpace(), new TreeMap<>()));
        for (int d = 0; d < DEVICES; d++) {
            scenario.add("device gpu" + d + " memory " + 1024 + "p");
        }
        scenario.add("file f " + FILE_PAGES + "p");
        // A starting layout, so that short sequences already meet populated memory: 16 pages
        // written, a huge page written, and the file mapped shared.
        new HostOps.Mmap(0, 0, 15, 0, false).apply(this);
        new HostOps.CpuWrite(0, 0, 0, 15, 0x11).apply(this);
        new HostOps.Mmap(0, 1, 0, 0, true).apply(this);
        new HostOps.CpuWrite(0, 1, 0, 39, 0x22).apply(this);
        new HostOps.MmapFile(0, 2, 7, 0).apply(this);
    }

    /** The live space an operation's index names (indices wrap, so every sequence stays runnable). */
    Space space(int index) {
        return spaces.get(Math.floorMod(index, spaces.size()));
    }

    /** The mirror of device d over s, opened on first use as the first device command opens it. */
    Dmirror mirror(int d, Space s) {
        int dev = Math.floorMod(d, DEVICES);
        if (s.mirrors[dev] == null) {
            s.mirrors[dev] = devices[dev].open(s.mm, options);
        }
        return s.mirrors[dev];
    }

    String newForkName() {
        forks++;
        return "c" + forks;
    }

    /** Records a scenario line, selecting the space first when it is not the current one. */
    void log(Space s, String line) {
        String current = "main";
        for (int i = scenario.size() - 1; i >= 0; i--) {
            String l = scenario.get(i);
            if (l.startsWith("space ")) {
                current = l.substring(6);
                break;
            }
        }
        if (!current.equals(s.name)) {
            scenario.add("space " + s.name);
        }
        scenario.add(line);
    }

    /**
     * The distinct kernel findings the oracle has reported in this world (what the kernel loses and
     * the policy under test declares it cannot prevent), each once however many checks saw it.
     */
    Set<String> kernelFindings() {
        return Collections.unmodifiableSet(kernelFindings);
    }

    /**
     * The oracle on every mirror and the data check on every mapped page of every live space.
     *
     * @param fullPages compare every word of every page instead of three words per page
     * @return the first violation, or null
     */
    String check(boolean fullPages) {
        for (Space s : spaces) {
            for (Dmirror m : s.mirrors) {
                if (m != null) {
                    OracleReport r = SafetyOracle.check(m);
                    oracleChecks++;
                    for (String k : r.kernelFindings()) {
                        kernelFindings.add(r.subject() + ": " + k);
                    }
                    if (!r.isClean()) {
                        return "oracle: " + r;
                    }
                }
            }
            for (Map.Entry<Long, PageModel> e : s.pages.entrySet()) {
                long va = e.getKey();
                PageModel p = e.getValue();
                pagesChecked++;
                for (int off = 0; off < PAGE; off += fullPages ? 8 : 2040) {
                    long actual = peek.word(s.mm, va, off, p.shared() ? file : null, p.filePage * PAGE);
                    if (!p.cell.allows(actual)) {
                        return "data: " + s.name + " page 0x" + Long.toHexString(va) + " word at +" + off + " is 0x"
                                + Long.toHexString(actual) + ", expected " + p.cell;
                    }
                }
            }
        }
        return null;
    }

    /** Every translation every mirror holds for a mapped page, for the table differential. */
    String translations() {
        StringBuilder sb = new StringBuilder();
        for (Space s : spaces) {
            for (int d = 0; d < DEVICES; d++) {
                Dmirror m = s.mirrors[d];
                if (m == null) {
                    continue;
                }
                for (long va : s.pages.keySet()) {
                    long e = m.entry(va);
                    if (e != 0) {
                        sb.append(s.name)
                                .append(" gpu")
                                .append(d)
                                .append(" 0x")
                                .append(Long.toHexString(va))
                                .append('=')
                                .append(Long.toHexString(e))
                                .append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    /**
     * Where every mapped page lives, as a string two worlds can compare: per page of every space,
     * the kind of its CPU entry (none, present, swap, migration, device-private, device-exclusive,
     * hwpoison) and, for a device-private entry, which device's memory holds it and whether it
     * is writable. That bit decides later outcomes: hmm_range_fault hands the owner its own
     * read-only device-private page without faulting it, and test_hmm's
     * {@code dmirror_do_fault} then fails a write with -EFAULT (long-run seed 20109416: pages
     * migrated from read-only PTEs in one world and from writable ones in the other). Frames and
     * the permissions of present entries are left out: a fault makes them what the access needs,
     * and which frame a COW copy got changes no outcome. Two worlds
     * that ran the same operations under different policies part here when a device access made
     * under one policy moved or took back a page that the other left where it was: amdkfd's
     * restore of evicted ranges ({@code svm_range_restore_work}) faults every page the GPU held,
     * so it migrates another device's private pages back to RAM and ends another device's
     * exclusive access, which a policy that zapped instead of evicting does only on the pages its
     * device touches again.
     */
    String residence() {
        StringBuilder sb = new StringBuilder();
        for (Space s : spaces) {
            sb.append(s.name).append(':');
            for (long va : s.pages.keySet()) {
                long e = s.mm.pageTable().get(va);
                sb.append(
                        switch (PteLayout.type(e)) {
                            case PteLayout.TYPE_NONE, PteLayout.TYPE_MARKER -> 'n'; // a uffd-wp marker holds no page
                            case PteLayout.TYPE_PRESENT -> 'p';
                            case PteLayout.TYPE_SWAP -> 's';
                            case PteLayout.TYPE_MIGRATION -> 'm';
                            case PteLayout.TYPE_DEVICE_PRIVATE ->
                                (char) ((PteLayout.isWrite(e) ? 'A' : '0') + deviceIndexOf(PteLayout.pfn(e)));
                            case PteLayout.TYPE_DEVICE_EXCLUSIVE -> 'x';
                            case PteLayout.TYPE_HWPOISON -> 'h';
                            default -> throw new AssertionError("unknown CPU entry " + PteLayout.describe(e));
                        });
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private int deviceIndexOf(long pfn) {
        for (int d = 0; d < DEVICES; d++) {
            if (devices[d].ownsPfn(pfn)) {
                return d;
            }
        }
        return DEVICES; // not one of this world's devices: still a distinct mark
    }

    /** The scenario file of what ran, with the violation as a comment. */
    String scenarioText(String violation) {
        StringBuilder sb = new StringBuilder("# devmirror reliability: minimal failing sequence\n");
        if (violation != null) {
            for (String l : violation.lines().toList()) {
                sb.append("# ").append(l).append('\n');
            }
        }
        for (String l : scenario) {
            sb.append(l).append('\n');
        }
        sb.append("expect oracle clean\n");
        return sb.toString();
    }

    @Override
    public void close() {
        for (Space s : spaces) {
            for (Dmirror m : s.mirrors) {
                if (m != null) {
                    m.close();
                }
            }
        }
        host.close();
        for (DmirrorDevice d : devices) {
            d.close();
        }
    }
}

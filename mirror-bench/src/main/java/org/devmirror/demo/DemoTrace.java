package org.devmirror.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceMirror;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.observe.DeviceWork;
import org.devmirror.notifier.MmuNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * Prints the demo as it runs: each step's title, the invalidations it raised (seen by a classic
 * subscriber on every address space, the way a recording driver would), what the device did
 * with them, and the CPU page-table state of the buffer one character per page.
 */
final class DemoTrace {
    private final PrintStream out;
    private final List<String> pending = new ArrayList<>();
    private DeviceMirror watched;
    private DeviceWork lastSeen;
    private int step;

    DemoTrace(PrintStream out) {
        this.out = out;
    }

    /** Subscribes to every invalidation of {@code mm}, labelled {@code name} in the output. */
    void attach(AddressSpace mm, String name) {
        mm.notifiers().register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(MmuNotifierRange r) {
                long pages = (r.end() - r.start()) / DemoScript.PAGE;
                pending.add(String.format("    %-15s %-8s [0x%x, 0x%x) %d page%s%s%s", r.event(), name, r.start(), r.end(),
                        pages, pages == 1 ? "" : "s", r.isBlockable() ? "" : " NON-BLOCKABLE",
                        r.owner() == null ? "" : " owner=" + r.owner()));
                return true;
            }

            @Override
            public void release(Object released) {
                pending.add(String.format("    %-15s %-8s (release: the address space is going away)", "RELEASE", name));
            }
        });
    }

    /** Reports what {@code mirror} does after each step. */
    void watch(DeviceMirror mirror) {
        watched = mirror;
        lastSeen = DeviceWork.of(mirror.stats());
    }

    /** Starts a step: prints its title; what it raises is collected until {@link #end}. */
    void begin(String title) {
        out.printf("%n[%2d] %s%n", ++step, title);
    }

    /**
     * Ends a step: its invalidations, the device's reaction and the CPU page-table state of
     * {@code pages} pages at {@code addr} of {@code mm} (none when {@code mm} is null).
     */
    void end(AddressSpace mm, long addr, int pages) {
        if (pending.isEmpty()) {
            out.println("    (no invalidation)");
        }
        pending.forEach(out::println);
        pending.clear();
        reportDevice();
        if (mm != null) {
            out.printf("    cpu ptes  %-16s (%s)%n", pteMap(mm, addr, pages), LEGEND);
        }
    }

    /** A device command's outcome, after the step it follows. */
    void device(String what, DeviceCommand cmd) {
        pending.forEach(out::println);
        pending.clear();
        out.printf("    %s: %s, %d device fault round%s%n", what, cmd.result(), cmd.faults(), cmd.faults() == 1 ? "" : "s");
        lastSeen = DeviceWork.of(watched.stats());
    }

    /** A result worth showing (pages reclaimed, an errno), printed under the step's title. */
    void note(String what) {
        out.println("    " + what);
    }

    void violations(OracleReport report) {
        out.println("    ORACLE: " + report);
    }

    private void reportDevice() {
        if (watched == null) {
            return;
        }
        DeviceWork now = DeviceWork.of(watched.stats());
        String reaction = reaction(now.minus(lastSeen));
        if (!reaction.isEmpty()) {
            out.println("    device    " + reaction);
        }
        lastSeen = now;
    }

    /** One phrase per event the step's work touched: "CLEAR x1: zapped 1, TLB flushes 1". */
    private static String reaction(DeviceWork step) {
        StringBuilder sb = new StringBuilder();
        for (MmuNotifierEvent e : MmuNotifierEvent.values()) {
            long inv = step.invalidations(e);
            if (inv != 0) {
                sb.append(sb.isEmpty() ? "" : "; ").append(e).append(" x").append(inv).append(": ").append(step.describe(e));
            }
        }
        return sb.toString();
    }

    static final String LEGEND = "w rw, r ro, z zero page, H 2M, s swap, d device, x exclusive, P hwpoison, - none";

    /** One character per page of [addr, addr + pages): what the CPU page table holds there. */
    static String pteMap(AddressSpace mm, long addr, int pages) {
        StringBuilder sb = new StringBuilder(pages);
        for (int i = 0; i < pages; i++) {
            sb.append(pteChar(mm.pageTable().get(addr + i * DemoScript.PAGE)));
        }
        return sb.toString();
    }

    private static char pteChar(long e) {
        if (PteLayout.isNone(e)) {
            return '-';
        }
        if (PteLayout.isSwap(e)) {
            return 's';
        }
        if (PteLayout.isDevicePrivate(e) || PteLayout.isMigration(e)) {
            return 'd';
        }
        if (PteLayout.isDeviceExclusive(e)) {
            return 'x';
        }
        if (PteLayout.isHwpoison(e)) {
            return 'P';
        }
        if (PteLayout.isHuge(e)) {
            return 'H';
        }
        if (PteLayout.isSpecial(e)) {
            return 'z';
        }
        return PteLayout.isWrite(e) ? 'w' : 'r';
    }
}

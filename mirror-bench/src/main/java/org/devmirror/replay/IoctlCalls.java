package org.devmirror.replay;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.PagemapScan;
import org.devmirror.mm.Uffd;
import org.devmirror.trace.Syscall;

/**
 * Replays the modelled ioctls of a trace ({@link Syscall.Ioctl}): the userfaultfd requests
 * become the {@code AddressSpace} calls of the same name in the calling task's address space (a
 * process has one userfaultfd in devmirror, so a second {@code UFFDIO_API} diverges), and
 * {@code PAGEMAP_SCAN} becomes {@code pagemapScan}. A registration without
 * {@code UFFDIO_REGISTER_MODE_WP} is skipped: missing and minor faults are not modelled.
 * Results that differ from the trace's count as divergences, as for the memory calls.
 */
final class IoctlCalls {
    private final MemoryCalls memory;

    IoctlCalls(MemoryCalls memory) {
        this.memory = memory;
    }

    ReplaySkip ioctl(TracedProcess p, Syscall.Ioctl call) {
        AddressSpace mm = p.mm;
        switch (call.request()) {
            case "UFFDIO_API" -> memory.countDivergence(call, mm.uffdApi(call.arg("features") & Uffd.KNOWN_FEATURES));
            case "UFFDIO_REGISTER" -> {
                if ((call.arg("mode") & Uffd.REGISTER_MODE_WP) == 0) {
                    return ReplaySkip.UNMODELLED_MODE;
                }
                memory.countDivergence(
                        call, mm.uffdRegister(call.arg("range.start"), call.arg("range.len"), Uffd.REGISTER_MODE_WP));
            }
            case "UFFDIO_UNREGISTER" ->
                memory.countDivergence(call, mm.uffdUnregister(call.arg("start"), call.arg("len")));
            case "UFFDIO_WRITEPROTECT" ->
                memory.countDivergence(call, mm.uffdWriteProtect(call.arg("range.start"), call.arg("range.len"), (int)
                        call.arg("mode")));
            case "UFFDIO_MOVE" -> {
                long moved = mm.uffdMove(call.arg("dst"), call.arg("src"), call.arg("len"), (int) call.arg("mode"));
                if (moved < 0) {
                    memory.countDivergence(call, Errno.fromReturn(moved));
                } else if (moved != call.arg("len")) {
                    memory.diverged(call, moved + " bytes moved", call.arg("len") + "");
                }
            }
            case "PAGEMAP_SCAN" -> {
                PagemapScan scan = new PagemapScan(
                        call.arg("start"),
                        call.arg("end"),
                        (int) call.arg("flags"),
                        call.arg("category_mask"),
                        call.arg("category_inverted"),
                        call.arg("category_anyof_mask"),
                        call.arg("return_mask"));
                memory.countDivergence(call, mm.pagemapScan(scan).result());
            }
            default -> throw new IllegalStateException("request=" + call.request() + " is not a modelled ioctl");
        }
        return null;
    }
}

package org.devmirror.replay;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;

/**
 * The CPU half of the {@link ReplayModel}: the program writes the first
 * {@link ReplayModel#writePagesPerMapping()} pages of each new writable mapping, one write fault
 * per page ({@code handle_mm_fault} with {@code FAULT_FLAG_WRITE}), as a program initialising its
 * heap, stack or relocated data would.
 */
final class CpuModel {
    private final int pagesPerMapping;
    private long pagesWritten;
    private long writeErrors;

    CpuModel(int pagesPerMapping) {
        this.pagesPerMapping = pagesPerMapping;
    }

    /** The program writes the first pages of the new range {@code [addr, addr + length)}. */
    void writeNewPages(AddressSpace mm, long addr, long length) {
        long pages = Math.min(length >>> Host.PAGE_SHIFT, pagesPerMapping);
        for (long i = 0; i < pages; i++) {
            Errno result = mm.cpuFault(addr + (i << Host.PAGE_SHIFT), true);
            if (result == Errno.OK) {
                pagesWritten++;
            } else {
                writeErrors++;
            }
        }
    }

    /** Pages the model's CPU wrote. */
    long pagesWritten() {
        return pagesWritten;
    }

    /** Writes the host refused (out of frames): the replay reports them; they change nothing. */
    long writeErrors() {
        return writeErrors;
    }
}

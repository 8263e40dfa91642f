package org.devmirror.reliability;

import org.devmirror.device.DmirrorDevice;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.DevicePagemap;
import org.devmirror.mm.Host;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;

/**
 * Reads what the CPU would see in a page without touching the page: it follows the CPU entry to
 * the frame, the swap slot, the device-private page or the file's page cache. A CPU read would
 * fault the page in, migrate a device page back or break exclusive access, and so change the very
 * state the sequence under test built.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Called at a quiescent point (no migration entry exists then). Owns one scratch frame, allocated
 * at construction, for reading swap slots.
 */
final class PagePeek {
    private final Host host;
    private final long scratchPfn;
    private final byte[] fileBuf = new byte[8];

    PagePeek(Host host) {
        this.host = host;
        this.scratchPfn = host.memory().allocFrame();
        if (scratchPfn == PhysicalMemory.NO_FRAME) {
            throw new IllegalStateException("no frame for the swap scratch page");
        }
    }

    /**
     * The 8-byte word at {@code offset} of the page at {@code va} of {@code mm}.
     *
     * @param file       the file behind the page if it is a shared file page, else null
     * @param fileOffset the byte offset of the page in {@code file}
     */
    @SuppressWarnings(
            "RefactorSwitch") // the cases are int constants of PteLayout with blocks; kept as they are written in
    // PteLayout
    long word(AddressSpace mm, long va, int offset, MemoryObject file, long fileOffset) {
        PhysicalMemory mem = host.memory();
        long e = mm.pageTable().get(va);
        if (PteLayout.isNoneMostly(e)) { // a uffd-wp marker reads as the empty page it stands for
            if (file == null) {
                return 0; // anonymous memory never touched reads as zeros
            }
            file.pread(fileOffset + offset, fileBuf, 0, 8);
            return java.nio.ByteBuffer.wrap(fileBuf)
                    .order(java.nio.ByteOrder.nativeOrder())
                    .getLong();
        }
        long index = PteLayout.isHuge(e) ? (va & (Host.PMD_SIZE - 1)) >>> Host.PAGE_SHIFT : 0;
        switch (PteLayout.type(e)) {
            case PteLayout.TYPE_PRESENT, PteLayout.TYPE_DEVICE_EXCLUSIVE -> {
                return mem.getLong(PteLayout.pfn(e) + index, offset);
            }
            case PteLayout.TYPE_SWAP -> {
                host.swap().readInto(PteLayout.swapSlot(e), mem, scratchPfn);
                return mem.getLong(scratchPfn, offset);
            }
            case PteLayout.TYPE_DEVICE_PRIVATE -> {
                long pfn = PteLayout.pfn(e) + index;
                DevicePagemap pgmap = host.pagemapOf(pfn);
                if (!(pgmap instanceof DmirrorDevice dev)) {
                    throw new AssertionError("device-private entry " + PteLayout.describe(e) + " at 0x"
                            + Long.toHexString(va) + " names no mirror device");
                }
                return dev.memory().getLong(pfn - dev.pfnBase(), offset);
            }
            default ->
                throw new AssertionError("entry " + PteLayout.describe(e) + " at 0x" + Long.toHexString(va) + " of "
                        + mm + " at a quiescent point");
        }
    }
}

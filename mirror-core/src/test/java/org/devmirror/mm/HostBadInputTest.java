package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every misuse throws IllegalArgumentException naming the argument, and changes nothing. */
class HostBadInputTest extends HostFixture {

    /** Runs op, expects the message, and checks the layout, population and events are unchanged. */
    private void rejects(String message, Executable op) {
        List<String> before = layout();
        long populated = mm.populatedPages();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op);
        assertEquals(message, e.getMessage());
        assertEquals(before, layout());
        assertEquals(populated, mm.populatedPages());
        assertEquals(List.of(), rec.events());
    }

    private List<String> layout() {
        return mm.vmas().stream().map(Vma::toString).toList();
    }

    @Test
    void mmapArguments() {
        long a = anon(4);
        writePages(mm, a, 4, 1);
        int anon = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
        rejects("length=0 must be positive", () -> mm.mmap(0, 0, Prot.RW, anon));
        rejects("addr=0x1001 is not page aligned", () -> mm.mmap(0x1001, PAGE, Prot.RW, anon | MapFlags.FIXED));
        // __get_unmapped_area: a MAP_FIXED range past TASK_SIZE, or any length past it, is ENOMEM, not misuse.
        assertEquals(-Errno.ENOMEM.code(), mm.mmap(Host.TASK_SIZE, PAGE, Prot.RW, anon | MapFlags.FIXED));
        assertEquals(-Errno.ENOMEM.code(), mm.mmap(Host.TASK_SIZE - PAGE, 2 * PAGE, Prot.RW, anon | MapFlags.FIXED));
        assertEquals(
                -Errno.ENOMEM.code(), mm.mmap(0, 1L << 47, Prot.RW, anon), "2^47 bytes do not fit above mmap_min_addr");
        assertEquals(-Errno.ENOMEM.code(), mm.mmap(0, 1L << 52, Prot.RW, anon), "2^52 bytes: the same errno as 2^47");
        assertEquals(-Errno.ENOMEM.code(), mm.mmap(0, -PAGE, Prot.RW, anon), "a length that PAGE_ALIGN overflows");
        rejects("prot=-w- grants write or exec without read", () -> mm.mmap(0, PAGE, Prot.WRITE, anon));
        rejects("prot=0x8 has unknown bits", () -> mm.mmap(0, PAGE, 8, anon));
        rejects(
                "flags=0x23 must have exactly one of MAP_SHARED and MAP_PRIVATE",
                () -> mm.mmap(0, PAGE, Prot.RW, anon | MapFlags.SHARED));
        rejects(
                "flags=0x2 lacks MAP_ANONYMOUS for a mapping without a file",
                () -> mm.mmap(0, PAGE, Prot.RW, MapFlags.PRIVATE));
        rejects(
                "flags=0x40000002 has unknown bits 0x40000000",
                () -> mm.mmap(0, PAGE, Prot.RW, MapFlags.PRIVATE | 0x40000000));
        rejects(
                "addr=0x" + Long.toHexString(a + PAGE) + " length=0x1000 overlaps the mapping "
                        + mm.vmas().get(0) + " (MAP_FIXED_NOREPLACE)",
                () -> mm.mmap(a + PAGE, PAGE, Prot.RW, anon | MapFlags.FIXED_NOREPLACE));
        MemoryObject f = host.newFile("f", 2 * PAGE);
        rejects("offset=0x800 is not page aligned", () -> mm.mmap(0, PAGE, Prot.READ, MapFlags.SHARED, f, 0x800));
        rejects(
                "offset=0x" + Long.toHexString(Host.TASK_SIZE - PAGE)
                        + " + length=0x2000 does not fit a file offset below TASK_SIZE",
                () -> mm.mmap(0, 2 * PAGE, Prot.READ, MapFlags.SHARED, f, Host.TASK_SIZE - PAGE));
        rejects(
                "flags=0x21 has MAP_ANONYMOUS for a file mapping",
                () -> mm.mmap(0, PAGE, Prot.READ, MapFlags.SHARED | MapFlags.ANONYMOUS, f, 0));
        assertPages(mm, a, 4, 1);
    }

    @Test
    void munmapMprotectMadviseArguments() {
        long a = anon(4);
        writePages(mm, a, 4, 1);
        rejects("addr=0x1001 is not page aligned", () -> mm.munmap(0x1001, PAGE));
        rejects("length=0 must be positive", () -> mm.munmap(a, 0));
        rejects("length=-4096 must be positive", () -> mm.mprotect(a, -PAGE, Prot.READ));
        rejects(
                "addr=0x" + Long.toHexString(a) + " + length=0x" + Long.toHexString(Host.TASK_SIZE)
                        + " exceeds TASK_SIZE=0x7ffffffff000",
                () -> mm.mprotect(a, Host.TASK_SIZE, Prot.READ));
        rejects("prot=-wx grants write or exec without read", () -> mm.mprotect(a, PAGE, Prot.WRITE | Prot.EXEC));
        rejects(
                "length=0x7fffffffffffffff exceeds TASK_SIZE=0x7ffffffff000",
                () -> mm.madvise(a, Long.MAX_VALUE, Advice.DONTNEED));
        rejects("advice=null", () -> mm.madvise(a, PAGE, null));
        rejects("addr=0x" + Long.toHexString(a + 1) + " is not page aligned", () -> mm.collapseHuge(a + 1));
        assertPages(mm, a, 4, 1);
    }

    @Test
    void mremapArguments() {
        long a = anon(4);
        writePages(mm, a, 4, 1);
        rejects("flags=0x8 has unknown bits", () -> mm.mremap(a, PAGE, 2 * PAGE, 8, 0));
        rejects(
                "flags=0x2 has MREMAP_FIXED or MREMAP_DONTUNMAP without MREMAP_MAYMOVE",
                () -> mm.mremap(a, PAGE, PAGE, MapFlags.MREMAP_FIXED, a - 16 * PAGE));
        rejects(
                "newLength=0x2000 differs from oldLength=0x1000 with MREMAP_DONTUNMAP",
                () -> mm.mremap(a, PAGE, 2 * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_DONTUNMAP, 0));
        rejects(
                "newAddr=0x" + Long.toHexString(a + PAGE) + " overlaps the old range [0x" + Long.toHexString(a) + ", 0x"
                        + Long.toHexString(a + 2 * PAGE) + ")",
                () -> mm.mremap(a, 2 * PAGE, 2 * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, a + PAGE));
        rejects("newLength=0 must be positive", () -> mm.mremap(a, PAGE, 0, 0, 0));
        assertPages(mm, a, 4, 1);
    }

    @Test
    void cpuAccessArguments() {
        long a = anon(1);
        byte[] buf = new byte[4];
        rejects("off=2 len=4 is outside the buffer of 4 bytes", () -> mm.cpuRead(a, buf, 2, 4));
        rejects("len=-1 is negative", () -> mm.cpuFill(a, -1, (byte) 0));
        rejects(
                "addr=0x7ffffffff000 len=1 is outside [0, TASK_SIZE=0x7ffffffff000)",
                () -> mm.cpuFault(Host.TASK_SIZE, false));
    }

    /** Runtime failures are values and change nothing. */
    @Test
    void runtimeFailuresAreErrnoValues() {
        long a = mm.mmap(0x10000000L, 2 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
        writePages(mm, a, 2, 1);
        List<String> before = layout();
        // mprotect over a hole: ENOMEM, the mapped part unchanged.
        assertEquals(Errno.ENOMEM, mm.mprotect(a, 4 * PAGE, Prot.READ));
        assertEquals(before, layout());
        // CPU access without a VMA: EFAULT; write to read-only: EPERM.
        assertEquals(Errno.EFAULT, mm.cpuRead(a + 2 * PAGE, new byte[1], 0, 1));
        assertEquals(Errno.OK, mm.mprotect(a, 2 * PAGE, Prot.READ));
        assertEquals(Errno.EPERM, mm.cpuWrite(a, new byte[1], 0, 1));
        assertEquals(
                Errno.EFAULT, Errno.fromReturn(mm.mremap(a + 2 * PAGE, PAGE, 2 * PAGE, MapFlags.MREMAP_MAYMOVE, 0)));
        assertPages(mm, a, 2, 1);
    }
}

package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.testing.RecordingSubscriber;
import org.devmirror.testing.RecordingSubscriber.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Shared set-up for host tests: a small machine, one address space and a recording subscriber. */
abstract class HostFixture {
    static final long PAGE = Host.PAGE_SIZE;
    static final long PMD = Host.PMD_SIZE;

    Host host;
    AddressSpace mm;
    RecordingSubscriber rec;

    HostConfig config() {
        return HostConfig.defaults().withFrames(2048).withSwapSlots(256);
    }

    @BeforeEach
    void boot() {
        host = new Host(config());
        mm = host.newAddressSpace();
        rec = RecordingSubscriber.attach(mm);
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    /** Maps npages of private anonymous read-write memory. */
    long anon(long npages) {
        long a = mm.mmap(0, npages * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, Errno.fromReturn(a));
        return a;
    }

    /** Writes byte value+i to the first byte of page i of [addr, addr + npages). */
    void writePages(AddressSpace as, long addr, long npages, int value) {
        for (long i = 0; i < npages; i++) {
            assertEquals(Errno.OK, as.cpuWrite(addr + i * PAGE, new byte[] {(byte) (value + i)}, 0, 1));
        }
    }

    /** Asserts page i of [addr, ...) starts with byte value+i. */
    void assertPages(AddressSpace as, long addr, long npages, int value) {
        byte[] b = new byte[1];
        for (long i = 0; i < npages; i++) {
            assertEquals(Errno.OK, as.cpuRead(addr + i * PAGE, b, 0, 1));
            assertEquals((byte) (value + i), b[0], "page " + i);
        }
    }

    /** {@link AddressSpace#writeWouldReuse} of {@code mm} under the mmap read lock. */
    boolean writeWouldReuse(long addr) {
        mm.mmapReadLock();
        try {
            return mm.writeWouldReuse(addr);
        } finally {
            mm.mmapReadUnlock();
        }
    }

    long pte(AddressSpace as, long addr) {
        return as.pageTable().get(addr);
    }

    static Event ev(MmuNotifierEvent e, long start, long end) {
        return Event.of(e, start, end);
    }

    static String describe(long e) {
        return PteLayout.describe(e);
    }
}

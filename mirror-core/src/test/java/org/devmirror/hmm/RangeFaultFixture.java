package org.devmirror.hmm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.testing.RecordingSubscriber;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A host with one address space watched by a {@link RecordingSubscriber}, and the driver side of
 * hmm_range_fault (dmirror_range_fault): readBegin, range fault under the mmap read lock, again
 * on EBUSY.
 */
abstract class RangeFaultFixture {
    static final long PAGE = Host.PAGE_SIZE;

    Host host;
    AddressSpace mm;
    RecordingSubscriber rec;

    @BeforeEach
    void boot() {
        boot(HostConfig.defaults().withFrames(4096).withSwapSlots(64));
    }

    /** Replaces the host with a new one of {@code config}. */
    void boot(HostConfig config) {
        if (host != null) {
            host.close();
        }
        host = new Host(config);
        mm = host.newAddressSpace();
        rec = RecordingSubscriber.attach(mm);
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    long map(long npages, int prot, int extraFlags) {
        long a = mm.mmap(0, npages * PAGE, prot, MapFlags.PRIVATE | MapFlags.ANONYMOUS | extraFlags);
        assertTrue(a > 0);
        return a;
    }

    /** A range over {@code npages} pages at {@code start} with {@code pfns} as its buffer from word 0. */
    HmmRange range(long start, long npages, long defaultFlags, long mask, long[] pfns, Object owner) {
        return new HmmRange()
                .notifier(rec.interval())
                .start(start)
                .end(start + npages * PAGE)
                .defaultFlags(defaultFlags)
                .pfnFlagsMask(mask)
                .devPrivateOwner(owner)
                .pfns(pfns, 0);
    }

    /** {@link #fault(HmmRange)} over a range built by {@link #range}. */
    Errno fault(long start, long npages, long defaultFlags, long mask, long[] pfns, Object owner) {
        return fault(range(start, npages, defaultFlags, mask, pfns, owner));
    }

    /**
     * The driver loop of the sequence protocol (dmirror_range_fault): readBegin, range fault under
     * the mmap read lock, again with the same input words on EBUSY (a fault that breaks COW or
     * migrates a page invalidates its own range).
     */
    Errno fault(HmmRange r) {
        int n = (int) r.npages();
        long[] input = new long[n];
        for (int i = 0; i < n; i++) {
            input[i] = r.pfn(i);
        }
        for (int attempt = 0; attempt < 10; attempt++) {
            for (int i = 0; i < n; i++) {
                r.setPfn(i, input[i]);
            }
            r.notifierSeq(rec.interval().readBegin());
            mm.mmapReadLock();
            try {
                Errno e = RangeFault.fault(mm, r);
                if (e != Errno.EBUSY) {
                    return e;
                }
            } finally {
                mm.mmapReadUnlock();
            }
        }
        return Errno.EBUSY;
    }

    /** One range fault under the mmap read lock with a fresh sequence, for calls that must throw. */
    Errno faultOnce(HmmRange r) {
        mm.mmapReadLock();
        try {
            r.notifierSeq(rec.interval().readBegin());
            return RangeFault.fault(mm, r);
        } finally {
            mm.mmapReadUnlock();
        }
    }
}

package org.devmirror.testing;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.DevicePagemap;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.MigrateVma;
import org.devmirror.mm.phys.PhysicalMemory;

/**
 * Test fixture: a minimal device-private memory in the style of lib/test_hmm.c's dmirror device:
 * {@code pages} device pages whose contents live in a Java array, migration of system pages to
 * it ({@code dmirror_migrate_to_device}) and back on a CPU fault ({@code dmirror_devmem_fault}).
 *
 * <h2>Assumptions and Guarantees</h2>
 * Single-threaded use; migrations hold the address space's mmap read lock from setup to finalize.
 */
public final class TestDevicePagemap implements DevicePagemap {
    private final Host host;
    private final long base;
    private final byte[][] contents;
    private final boolean[] used;
    private int frees;

    public TestDevicePagemap(Host host, int pages) {
        this.host = host;
        this.contents = new byte[pages][(int) Host.PAGE_SIZE];
        this.used = new boolean[pages];
        this.base = host.registerPagemap(this, pages);
    }

    @Override
    public Object owner() {
        return this;
    }

    /** First device pfn. */
    public long base() {
        return base;
    }

    /** Pages returned by pageFree so far. */
    public int frees() {
        return frees;
    }

    /** Device pages in use. */
    public int usedPages() {
        int n = 0;
        for (boolean u : used) {
            n += u ? 1 : 0;
        }
        return n;
    }

    /** The contents of device page devPfn. */
    public byte[] contents(long devPfn) {
        return contents[(int) (devPfn - base)];
    }

    private long alloc() {
        for (int i = 0; i < used.length; i++) {
            if (!used[i]) {
                used[i] = true;
                java.util.Arrays.fill(contents[i], (byte) 0);
                return base + i;
            }
        }
        return -1;
    }

    /** Migrates [start, end) of mm to device memory; returns the pages migrated or -errno. */
    public long migrateToDevice(AddressSpace mm, long start, long end) {
        mm.mmapReadLock();
        try {
            MigrateVma args = new MigrateVma();
            int n = (int) ((end - start) / Host.PAGE_SIZE);
            args.start = start;
            args.end = end;
            args.src = new long[n];
            args.dst = new long[n];
            args.pgmapOwner = this;
            args.flags = MigrateVma.SELECT_SYSTEM;
            Errno r = mm.migrateVmaSetup(args);
            if (!r.isOk()) {
                return -r.code();
            }
            PhysicalMemory mem = host.memory();
            for (int i = 0; i < n; i++) {
                if ((args.src[i] & MigrateVma.MIGRATE_PFN_MIGRATE) == 0) {
                    continue;
                }
                long dev = alloc();
                if (dev < 0) {
                    continue;
                }
                long src = MigrateVma.pfnOf(args.src[i]);
                if (src >= 0) {
                    mem.read(src, 0, contents(dev), 0, (int) Host.PAGE_SIZE);
                }
                args.dst[i] = MigrateVma.migratePfn(dev);
            }
            mm.migrateVmaPages(args);
            long migrated = 0;
            for (int i = 0; i < n; i++) {
                if ((args.src[i] & MigrateVma.MIGRATE_PFN_MIGRATE) != 0 && args.dst[i] != 0) {
                    migrated++;
                }
            }
            mm.migrateVmaFinalize(args);
            return migrated;
        } finally {
            mm.mmapReadUnlock();
        }
    }

    @Override
    public Errno migrateToRam(AddressSpace mm, long addr, long devicePfn) {
        MigrateVma args = new MigrateVma();
        args.start = addr;
        args.end = addr + Host.PAGE_SIZE;
        args.src = new long[1];
        args.dst = new long[1];
        args.pgmapOwner = this;
        args.flags = MigrateVma.SELECT_DEVICE_PRIVATE;
        Errno r = mm.migrateVmaSetup(args);
        if (!r.isOk()) {
            return r;
        }
        if ((args.src[0] & MigrateVma.MIGRATE_PFN_MIGRATE) != 0) {
            long frame = host.memory().allocFrame();
            if (frame == PhysicalMemory.NO_FRAME) {
                mm.migrateVmaFinalize(args);
                return Errno.ENOMEM;
            }
            host.memory().write(frame, 0, contents(MigrateVma.pfnOf(args.src[0])), 0, (int) Host.PAGE_SIZE);
            args.dst[0] = MigrateVma.migratePfn(frame);
        }
        mm.migrateVmaPages(args);
        mm.migrateVmaFinalize(args);
        return Errno.OK;
    }

    @Override
    public void pageFree(long devicePfn) {
        used[(int) (devicePfn - base)] = false;
        frees++;
    }
}

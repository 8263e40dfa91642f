package org.devmirror.mm;

/**
 * Models {@code struct dev_pagemap} with its {@code dev_pagemap_ops} (include/linux/memremap.h):
 * a range of device-private page frame numbers registered with the host by a device
 * ({@code memremap_pages}), whose pages the CPU cannot touch directly.
 *
 * <p>A CPU page-table entry may point at a device-private page only as a non-present
 * device-private entry. When the CPU touches one, the host calls {@link #migrateToRam} and the
 * device must move the page back to system memory (with {@link MigrateVma} from the device side)
 * before the fault is retried.
 *
 * <h2>Assumptions and Guarantees</h2>
 * {@link #migrateToRam} is called from a CPU fault with the address space's mmap lock held for
 * read, as the kernel's {@code do_swap_page} does. It may raise invalidations (MIGRATE with this
 * pagemap's owner) and may fail with {@link Errno#ENOMEM}, in which case the CPU access fails.
 */
public interface DevicePagemap {
    /**
     * {@code pgmap->owner}: compared with {@code HmmRange#devPrivateOwner()} by range fault and
     * with {@code MmuNotifierRange#owner()} by drivers filtering their own MIGRATE events.
     */
    Object owner();

    /**
     * {@code migrate_to_ram}: the CPU touched the device-private page {@code devicePfn} mapped at
     * {@code addr} in {@code mm}. Moves it (or its whole huge folio) back to system memory.
     *
     * @return {@link Errno#OK} once the CPU PTE no longer names the device page, or an error
     */
    Errno migrateToRam(AddressSpace mm, long addr, long devicePfn);

    /** {@code page_free}: the last reference to the device page {@code devicePfn} was dropped. */
    void pageFree(long devicePfn);
}

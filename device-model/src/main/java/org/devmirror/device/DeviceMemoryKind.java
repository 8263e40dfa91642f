package org.devmirror.device;

/**
 * The kind of memory a {@link DmirrorDevice} registers with the host, chosen when the device is
 * created, as lib/test_hmm.c's module parameters choose it per {@code /dev/hmm_dmirror<n>}
 * ({@code HMM_DMIRROR_MEMORY_DEVICE_PRIVATE} for 0 and 1, {@code HMM_DMIRROR_MEMORY_DEVICE_COHERENT}
 * for 2 and 3 when {@code spm_addr_dev0/1} are given).
 */
public enum DeviceMemoryKind {
    /**
     * {@code MEMORY_DEVICE_PRIVATE}: PFNs the CPU cannot address. The CPU maps a page that moved
     * there with a non-present device-private entry, and its first touch migrates it back
     * ({@code migrate_to_ram}).
     */
    PRIVATE,
    /**
     * {@code MEMORY_DEVICE_COHERENT}: device memory on a cache-coherent bus, frames of the host's
     * physical memory reserved for the device. The CPU maps such a page with an ordinary present
     * entry and reads and writes it in place; {@code hmm_range_fault} reports it as a normal page.
     * It leaves the device only when the driver migrates it ({@code MIGRATE_VMA_SELECT_DEVICE_COHERENT},
     * or {@code migrate_device_pfns} on eviction); a copy-on-write fault copies it into system RAM.
     */
    COHERENT;

    /** The name the scenario grammar and reports use: {@code private} or {@code coherent}. */
    public String label() {
        return switch (this) {
            case PRIVATE -> "private";
            case COHERENT -> "coherent";
        };
    }
}

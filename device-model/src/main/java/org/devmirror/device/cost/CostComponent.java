package org.devmirror.device.cost;

/**
 * The parts of modelled device time, each priced from one kind of counted work. The order is the
 * order reports print them in.
 */
public enum CostComponent {
    /** Fixed cost of servicing device faults: decode, range lookup, replay; per fault round and per fault batch. */
    FAULT("fault"),
    /** {@code hmm_range_fault} walks: per PTE and per PMD faulted, and per PTE re-read at the end of an invalidation. */
    WALK("walk"),
    /** Binding what faults brought in: a fixed cost per range bound plus one device entry written per PTE or 2 MiB leaf. */
    BIND("bind"),
    /** Device PTE writes made by invalidations: zaps and in-place downgrades. */
    ZAP("zap"),
    /** Ranged device TLB invalidations. */
    TLB("tlb"),
    /** Migration copies over the link, to device memory and back, at each direction's bandwidth. */
    COPY("copy"),
    /** The CPU side of migration ({@code migrate_vma_setup/pages/finalize}), per page migrated. */
    MIGRATE("migrate"),
    /** Stopping the device's user queues and restarting them (amdkfd with XNACK off). */
    QUEUE("queue");

    private final String label;

    CostComponent(String label) {
        this.label = label;
    }

    /** The short lower-case name reports and JSON use. */
    public String label() {
        return label;
    }
}

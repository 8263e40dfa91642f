package org.devmirror.device.cost;

/**
 * The parts of modelled device time, each priced from one kind of counted work. The order is the
 * order reports print them in.
 */
public enum CostComponent {
    /** Fixed cost of servicing device faults: decode, range lookup, replay; once per fault round. */
    FAULT("fault"),
    /** {@code hmm_range_fault} walks: one per page faulted and one per PTE re-read at the end of an invalidation. */
    WALK("walk"),
    /** Device PTE writes made by faults: binding the pages faulted in. */
    BIND("bind"),
    /** Device PTE writes made by invalidations: zaps and in-place downgrades. */
    ZAP("zap"),
    /** Ranged device TLB invalidations. */
    TLB("tlb");

    private final String label;

    CostComponent(String label) {
        this.label = label;
    }

    /** The short lower-case name reports and JSON use. */
    public String label() {
        return label;
    }
}

/**
 * The simulated devices: device page tables, TLBs, the driver half with its invalidation
 * policies, device memory, migration, exclusive access, the cost model and the safety oracle.
 *
 * <p>Every package is exported: mirror-bench and a driver author's own policy build on them (a
 * policy's actions hand it the device TLB and page table). Core is required transitively because
 * the exported API speaks in its types (address spaces, ranges, events), and {@code jdk.jfr}
 * because the exported invalidation event is a {@code jdk.jfr.Event}. {@code jdk.management}
 * gives the statistics their per-thread allocation meter. Nothing is opened: the one reflective
 * access, {@code PolicyResolver} loading a policy class by name, reaches the policy's class, not
 * these.
 */
module org.devmirror.device {
    requires transitive org.devmirror.core;
    requires transitive jdk.jfr;
    requires jdk.management;

    exports org.devmirror.device;
    exports org.devmirror.device.cost;
    exports org.devmirror.device.driver;
    exports org.devmirror.device.memory;
    exports org.devmirror.device.oracle;
    exports org.devmirror.device.pagetable;
    exports org.devmirror.device.stats;
    exports org.devmirror.device.tlb;
}

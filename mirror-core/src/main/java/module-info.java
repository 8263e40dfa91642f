/**
 * The simulated host: the CPU side of the HMM device-mirror path.
 *
 * <p>Every package is exported: device-model builds its drivers on all five (the host's memory
 * operations in {@code mm}, the page table in {@code mm.pagetable}, frames in {@code mm.phys}, the
 * notifier core in {@code notifier}, range fault in {@code hmm}), and mirror-bench drives the host
 * directly. Nothing is opened: no library reaches these classes by reflection.
 */
module org.devmirror.core {
    requires java.management;

    exports org.devmirror.hmm;
    exports org.devmirror.mm;
    exports org.devmirror.mm.pagetable;
    exports org.devmirror.mm.phys;
    exports org.devmirror.notifier;
}

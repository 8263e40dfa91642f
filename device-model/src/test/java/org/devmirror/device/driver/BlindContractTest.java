package org.devmirror.device.driver;

/** The contract suite against {@link BlindPolicy} with the off-heap device page table. */
class BlindContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return BlindPolicy.INSTANCE;
    }
}

package org.devmirror.device.driver;

/** The contract suite against {@link EventAwarePolicy} with the on-heap reference page table. */
class OnHeapEventAwareContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return EventAwarePolicy.INSTANCE;
    }

    @Override
    protected boolean offHeapTable() {
        return false;
    }
}

package org.devmirror.device.driver;

/** The contract suite against {@link EventAwarePolicy} with the off-heap device page table. */
class EventAwareContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return EventAwarePolicy.INSTANCE;
    }
}

package org.devmirror.device.driver;

/** The contract suite against {@link KvmPolicy}: KVM's secondary MMU, at its own tracking granularity. */
class KvmContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return KvmPolicy.INSTANCE;
    }

    @Override
    protected boolean hidesDeviceMemoryWritesFromSoftDirty() {
        return true;
    }
}

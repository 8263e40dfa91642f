package org.devmirror.device.driver;

/** The contract suite against {@link NouveauPolicy}: nouveau SVM, at its own tracking granularity. */
class NouveauContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return NouveauPolicy.INSTANCE;
    }

    @Override
    protected boolean hidesDeviceMemoryWritesFromSoftDirty() {
        return true;
    }
}

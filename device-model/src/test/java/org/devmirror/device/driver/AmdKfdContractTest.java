package org.devmirror.device.driver;

/** The contract suite against {@link AmdKfdSvmPolicy}: amdkfd SVM with XNACK on, at its own tracking granularity. */
class AmdKfdContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return AmdKfdSvmPolicy.XNACK_ON;
    }

    @Override
    protected boolean hidesDeviceMemoryWritesFromSoftDirty() {
        return true;
    }
}

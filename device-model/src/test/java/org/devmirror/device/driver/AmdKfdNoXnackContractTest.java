package org.devmirror.device.driver;

/** The contract suite against {@link AmdKfdSvmPolicy}: amdkfd SVM with XNACK off (queue eviction), at its own tracking granularity. */
class AmdKfdNoXnackContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return AmdKfdSvmPolicy.XNACK_OFF;
    }

    @Override
    protected boolean hidesDeviceMemoryWritesFromSoftDirty() {
        return true;
    }
}

package org.devmirror.device.driver;

/** The contract suite against {@link XeSvmPolicy}: Xe on drm_gpusvm, at its own tracking granularity. */
class XeSvmContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return XeSvmPolicy.INSTANCE;
    }

    @Override
    protected boolean hidesDeviceMemoryWritesFromSoftDirty() {
        return true;
    }
}

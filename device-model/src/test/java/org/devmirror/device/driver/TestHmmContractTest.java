package org.devmirror.device.driver;

/** The contract suite against {@link TestHmmPolicy}: lib/test_hmm.c's dmirror, at its own tracking granularity. */
class TestHmmContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return TestHmmPolicy.INSTANCE;
    }

    @Override
    protected boolean hidesDeviceMemoryWritesFromSoftDirty() {
        return true;
    }
}

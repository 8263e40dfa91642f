package org.devmirror.device.driver;

/** The contract suite against {@link Mlx5OdpPolicy}: mlx5 ODP, at its own tracking granularity. */
class Mlx5OdpContractTest extends MirrorContract {
    @Override
    protected InvalidationPolicy policy() {
        return Mlx5OdpPolicy.INSTANCE;
    }

    @Override
    protected boolean hidesDeviceMemoryWritesFromSoftDirty() {
        return true;
    }
}

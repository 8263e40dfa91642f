package org.devmirror.device.pagetable;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** Runs the {@link DevicePageTable} contract (single entries and blocks) against the TreeMap reference. */
class OnHeapDevicePageTableTest extends DevicePageTableBlockContract {
    @Override
    DevicePageTable newTable(ReentrantLock driverLock) {
        return new OnHeapDevicePageTable(driverLock);
    }

    @Test
    void memoryEstimateFollowsTheMappings() {
        table.set(page(0), sys(1));
        table.setHuge(BASE + DevicePteLayout.HUGE_SIZE, hugeSys(512));
        assertEquals(2 * OnHeapDevicePageTable.BYTES_PER_MAPPING, table.memoryBytes());
        assertEquals(0, table.tablePages());
    }
}

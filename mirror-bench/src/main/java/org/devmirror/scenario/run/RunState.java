package org.devmirror.scenario.run;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorOptions;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.InvalidationRanges;
import org.devmirror.mm.MemoryObject;
import org.devmirror.observe.InvalidationRecorder;
import org.devmirror.scenario.model.Address;
import org.devmirror.scenario.model.Scenario;

/**
 * The machine a scenario runs on and everything its names stand for: the host, the named address
 * spaces, the buffers' addresses, files, devices, and each device's mirror of each space it has
 * used. Single-threaded.
 */
final class RunState implements AutoCloseable {
    final Host host;
    final InvalidationRecorder recorder = InvalidationRecorder.recording();
    final MirrorOptions options;
    final Map<String, AddressSpace> spaces = new LinkedHashMap<>();
    // names of the spaces whose process has exited: their page tables are gone
    final Set<String> exited = new HashSet<>();
    final Map<String, Long> buffers = new HashMap<>();
    final Map<String, MemoryObject> files = new HashMap<>();
    final Map<String, DmirrorDevice> devices = new LinkedHashMap<>();
    // "space\0device" -> the device's mirror of that space, opened by its first operation there
    final Map<String, Dmirror> mirrors = new LinkedHashMap<>();
    // AddressSpace.id() -> that space's entries of mirrors, so that an operation visits the mirrors
    // of the spaces it touched, not every mirror of the run
    private final Map<Integer, Map<String, Dmirror>> mirrorsBySpace = new HashMap<>();
    /**
     * What a snapshot or device read produced: the range's start address, the command's result,
     * and its bytes (meaningful only when the result is OK: a failed read copies nothing out).
     */
    @SuppressWarnings(
            "ArrayRecordComponent") // the captured bytes are read by index; a capture is never compared or hashed
    record Capture(long start, Errno result, byte[] bytes) {}

    // line of a snapshot / device read -> what it produced; absent when the host refused the command
    final Map<Integer, Capture> snapshots = new HashMap<>();
    final Map<Integer, Capture> reads = new HashMap<>();
    /** Driver locks held by {@code DEV lock} statements. */
    final HeldLocks locks = new HeldLocks();

    RunState(InvalidationPolicy policy, InvalidationRanges ranges) {
        this.host = new Host(Scenario.HOST.withRanges(ranges));
        this.options = MirrorOptions.forPolicy(policy);
        AddressSpace main = host.newAddressSpace();
        recorder.watch(main);
        spaces.put(Scenario.MAIN_SPACE, main);
    }

    /** The address of {@code a}: a buffer's bound address plus the offset, or the absolute value. */
    long address(Address a) {
        return a.isAbsolute() ? a.offset() : buffers.get(a.base()) + a.offset();
    }

    /** {@code device}'s mirror of {@code space}, opening it on first use. */
    Dmirror mirror(String space, String device) {
        String key = mirrorKey(space, device);
        Dmirror mirror = mirrors.get(key);
        if (mirror == null) {
            AddressSpace mm = spaces.get(space);
            mirror = devices.get(device).open(mm, options);
            mirrors.put(key, mirror);
            mirrorsBySpace.computeIfAbsent(mm.id(), id -> new LinkedHashMap<>()).put(key, mirror);
        }
        return mirror;
    }

    /** The mirrors of the address space whose {@code AddressSpace.id()} is {@code mmId}, by mirror key. */
    Map<String, Dmirror> mirrorsOf(int mmId) {
        return mirrorsBySpace.getOrDefault(mmId, Map.of());
    }

    /** The key of {@code device}'s mirror of {@code space}. */
    static String mirrorKey(String space, String device) {
        return space + '\0' + device;
    }

    /** The device name of a mirror key. */
    static String deviceOf(String mirrorKey) {
        return mirrorKey.substring(mirrorKey.indexOf('\0') + 1);
    }

    /** The space name of a mirror key. */
    static String spaceOf(String mirrorKey) {
        return mirrorKey.substring(0, mirrorKey.indexOf('\0'));
    }

    @Override
    public void close() {
        // A driver lock still held would block the teardown's invalidations.
        locks.close();
        // The processes exit first: exit_mmap frees the device-private pages they still map,
        // which goes back to each device's memory, so the devices must still be open.
        for (AddressSpace mm : spaces.values()) {
            mm.exit();
        }
        for (Dmirror m : mirrors.values()) {
            m.close();
        }
        for (DmirrorDevice d : devices.values()) {
            d.close();
        }
        host.close();
    }
}

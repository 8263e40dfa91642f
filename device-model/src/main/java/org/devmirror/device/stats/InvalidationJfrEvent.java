package org.devmirror.device.stats;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JDK Flight Recorder event per invalidation a device mirror handles: which
 * {@code mmu_notifier_event}, the part of the range that hit the mirror, how many device PTEs the
 * policy touched and how long the device work took (the duration Xe accounts in
 * {@code SVM_TLB_INVAL_US}).
 *
 * <h2>Assumptions and Guarantees</h2>
 * Costs nothing measurable when no recording enables it: the driver checks {@link #enabled()} (one
 * volatile read) and creates an instance only when it returns {@code true}, so a disabled event
 * allocates nothing (the driver's allocation test checks this). An instance is used by one thread
 * and committed once.
 *
 * <h2>Locking</h2>
 * None; created, filled and committed under the mirror's driver lock.
 */
@Name("org.devmirror.DeviceInvalidation")
@Label("Device Invalidation")
@Description("An mmu-notifier invalidation handled by a device mirror")
@Category({"devmirror", "Device"})
@StackTrace(false)
public final class InvalidationJfrEvent extends Event {
    private static final EventType TYPE = EventType.getEventType(InvalidationJfrEvent.class);

    /** An event to fill and commit; JFR times it from {@code begin()}. */
    public InvalidationJfrEvent() {}

    /** The {@code MmuNotifierEvent} name. */
    @Label("Event")
    public String event;

    /** The policy that handled it. */
    @Label("Policy")
    public String policy;

    /** The mirror's id. */
    @Label("Mirror")
    public int mirror;

    /** First byte of the part of the range that hit the mirror. */
    @Label("Start")
    @MemoryAddress
    public long start;

    /** One past its last byte. */
    @Label("End")
    @MemoryAddress
    public long end;

    /** Device PTEs zapped, downgraded or re-read by the policy. */
    @Label("PTEs Touched")
    public long ptesTouched;

    /** Whether a recording currently enables this event; allocation-free. */
    public static boolean enabled() {
        return TYPE.isEnabled();
    }
}

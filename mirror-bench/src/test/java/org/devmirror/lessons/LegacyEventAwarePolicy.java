package org.devmirror.lessons;

import org.devmirror.device.driver.EventAwarePolicy;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.device.driver.MirrorActions;
import org.devmirror.device.driver.TrackedRange;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * Test only: the event-aware policy as it was before it was made safe, with its two wrong
 * decisions restored, for docs/guide/lessons.md. Every other event is left to
 * {@link EventAwarePolicy}.
 * <ul>
 *   <li><b>PROTECTION_VMA from the VMA's protection at the start of the range</b>
 *       ({@link MirrorActions#vmaProt}): no read → zap, read-only → downgrade, still writable →
 *       nothing. Userfaultfd write-protect, PAGEMAP_SCAN's write-protect and NUMA hinting raise
 *       PROTECTION_VMA and leave the VMA writable while they take write (or all) access away in
 *       the PTEs, so the device keeps writing pages userspace write-protected.</li>
 *   <li><b>SOFT_DIRTY ignored</b>: no device work. The device keeps writing, without a fault,
 *       pages clear_refs just marked clean, and they stay clean. (The original also ignored it
 *       before the driver lock, without {@code mmu_interval_set_seq}, through
 *       {@link InvalidationPolicy#ignores}; the notifier rules, on in every test, stop that at the
 *       callback's return, so this copy skips under the lock to let the oracle show what the
 *       decision itself costs.)</li>
 * </ul>
 * Run it with {@code ./devmirror --classpath mirror-bench/target/test-classes run FILE --policy
 * org.devmirror.lessons.LegacyEventAwarePolicy}.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}, except the safety it exists to break. Stateless.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock.
 */
public final class LegacyEventAwarePolicy implements InvalidationPolicy {
    /** The shared instance. */
    public static final LegacyEventAwarePolicy INSTANCE = new LegacyEventAwarePolicy();

    private LegacyEventAwarePolicy() {}

    @Override
    public String name() {
        return "legacy event-aware";
    }

    @Override
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        switch (range.event()) {
            case PROTECTION_VMA -> {
                int prot = mirror.vmaProt(start); // the first VMA's flags decide for the whole range
                if ((prot & Prot.READ) == 0) {
                    mirror.zap(start, end);
                    mirror.flushTlb(start, end);
                } else if ((prot & Prot.WRITE) == 0) {
                    mirror.downgrade(start, end);
                    mirror.flushTlb(start, end);
                } else {
                    mirror.skip(); // "permission only grows"
                }
            }
            case SOFT_DIRTY -> mirror.skip(); // "same page, same access"
            case UNMAP, CLEAR, PROTECTION_PAGE, RELEASE, MIGRATE, EXCLUSIVE ->
                EventAwarePolicy.INSTANCE.invalidate(mirror, tracked, range, start, end);
        }
    }
}
